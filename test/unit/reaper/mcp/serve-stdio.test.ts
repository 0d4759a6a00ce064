import { PassThrough } from "node:stream";
import * as readline from "node:readline";
import { runCli } from "../../../../reaper/cli/run-cli";
import { createMcpServer } from "../../../../reaper/mcp/mcp-server";
import { serveOverStdio } from "../../../../reaper/mcp/serve-stdio";
import { readSettings } from "../../../../reaper/config/read-settings";

const ENV = { EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit", AWS_REGION: "us-east-1" };

describe("serving over stdio", () => {
  test("answers on stdout, keeps serving until stdin ends, and sends console output to stderr meanwhile", async () => {
    const originalLog = console.log;
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const lines = readline.createInterface({ input: stdout })[Symbol.asyncIterator]();
    const server = createMcpServer({ settings: readSettings(ENV), run: async () => 0 });
    let ended = false;
    const serving = serveOverStdio(server, stdin, stdout).then(() => {
      ended = true;
    });
    const logged: unknown[][] = [];
    const error = jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } } })}\n`);
      const answer = JSON.parse((await lines.next()).value as string) as { id: number; result: { serverInfo: { name: string } } };
      expect(answer).toMatchObject({ id: 1, result: { serverInfo: { name: "ephemera" } } });
      console.log("stray");
      expect(logged).toEqual([["stray"]]);
      await new Promise((r) => setImmediate(r));
      expect(ended).toBe(false);
      stdin.end();
      await serving;
      expect(ended).toBe(true);
      expect(console.log).toBe(originalLog);
    } finally {
      error.mockRestore();
    }
  });
});

describe("ephemera mcp", () => {
  const run = async (argv: string[], env: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false }, { env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  test("--help prints its usage", async () => {
    const { code, out } = await run(["mcp", "--help"], ENV);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: ephemera mcp \[configuration flags\]/);
    expect(out).toContain("docs/mcp.md");
  });

  test("with a missing setting it does not start: exit 2 with the setting's message, nothing on stdout", async () => {
    const { code, out, err } = await run(["mcp"], { AWS_REGION: "us-east-1" });
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/^ephemera: EPHEMERA_AUDIT_BUCKET is not set/);
  });
});
