import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { REPO_ROOT } from "../../../../harness/paths";
import { EXAMPLE_POOL_GROUPS, poolSettings } from "../../../../harness/seed-environments";
import type { CliIo } from "../../../../reaper/contracts/cli-io";
import type { McpClientInfo } from "../../../../reaper/contracts/requester";
import { createMcpServer } from "../../../../reaper/mcp/mcp-server";
import { readSettings } from "../../../../reaper/config/read-settings";

const ENV = { EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit", AWS_REGION: "us-east-1" };
const POOL = JSON.stringify(poolSettings(2, EXAMPLE_POOL_GROUPS, { sourceDbInstance: "app-baseline" }));
const LISTING = { version: 1, complete: true, environments: [{ env: "pr-1", state: "active" }, { env: "pr-2", state: "paused" }], notes: [] };

/** A real server and client over an in-memory link; each tool call's command line goes to `run`, a stand-in for runCli. */
async function connect(
  run: (argv: readonly string[], io: CliIo, mcpClient?: McpClientInfo) => Promise<number>,
  env: Record<string, string> = ENV,
  configFlags: string[] = [],
  clientInfo = { name: "unit-test", version: "0" },
) {
  const server = createMcpServer({ settings: readSettings(env), run, configFlags });
  const client = new Client(clientInfo);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    call: (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** Answers every command with `code` and `stdout`, recording the command lines (and the MCP client each came with). */
function cli(code: number, stdout: unknown, stderr = "") {
  const calls: (readonly string[])[] = [];
  const clients: (McpClientInfo | undefined)[] = [];
  const run = async (argv: readonly string[], io: CliIo, mcpClient?: McpClientInfo) => {
    calls.push(argv);
    clients.push(mcpClient);
    if (stdout !== undefined) io.stdout(JSON.stringify(stdout, null, 2));
    if (stderr !== "") io.stderr(stderr);
    return code;
  };
  return { calls, clients, run };
}

describe("the ephemera MCP server", () => {
  test("is named ephemera, with the package's version", async () => {
    const s = await connect(cli(0, {}).run);
    const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(s.client.getServerVersion()).toMatchObject({ name: "ephemera", version });
    await s.close();
  });

  test("offers claim_database only when the settings configure a pool", async () => {
    const without = await connect(cli(0, {}).run);
    expect((await without.client.listTools()).tools.map((t) => t.name)).not.toContain("claim_database");
    await without.close();
    const withPool = await connect(cli(0, {}).run, { ...ENV, EPHEMERA_DATABASE_POOL: POOL });
    const claim = (await withPool.client.listTools()).tools.find((t) => t.name === "claim_database");
    expect(claim).toMatchObject({
      title: "Claim a warm database",
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      inputSchema: { required: ["env", "owner"] },
    });
    await withPool.close();
  });

  test("every tool describes each of its arguments", async () => {
    const s = await connect(cli(0, {}).run, { ...ENV, EPHEMERA_DATABASE_POOL: POOL });
    for (const t of (await s.client.listTools()).tools) {
      expect(t.description).toBeTruthy();
      for (const [name, property] of Object.entries(t.inputSchema.properties ?? {})) {
        expect({ tool: t.name, name, described: typeof (property as { description?: string }).description === "string" }).toEqual({ tool: t.name, name, described: true });
      }
    }
    await s.close();
  });

  test("a call runs its command with --json and the server's configuration flags, and returns its document", async () => {
    const fake = cli(0, { env: "pr-1", status: "extended", ok: true });
    const s = await connect(fake.run, ENV, ["--max-ttl=3d"]);
    const result = await s.call("extend_environment", { env: "pr-1", duration: "4h" });
    expect(fake.calls).toEqual([["extend", "--json", "--max-ttl=3d", "--", "pr-1", "4h"]]);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ env: "pr-1", status: "extended", ok: true });
    await s.close();
  });

  test("describe_environment returns the one environment's entry of the listing", async () => {
    const s = await connect(cli(0, LISTING).run);
    const result = await s.call("describe_environment", { env: "pr-2" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ env: "pr-2", state: "paused" });
    await s.close();
  });

  test("describe_environment of an environment that is not there is an error naming it", async () => {
    const s = await connect(cli(0, LISTING).run);
    const result = await s.call("describe_environment", { env: "pr-nope" });
    expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: "no environment pr-nope was found (list_environments shows the 2 there are)" }] });
    await s.close();
  });

  test("describe_environment of a malformed env id is refused with the CLI's message, without listing", async () => {
    const fake = cli(0, LISTING);
    const s = await connect(fake.run);
    const result = await s.call("describe_environment", { env: "PR-1" });
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toMatch(/^ephemera: env "PR-1" has uppercase letters; use lowercase letters/);
    expect(fake.calls).toEqual([]);
    await s.close();
  });

  test("describe_environment passes on a listing that failed", async () => {
    const s = await connect(cli(1, { ...LISTING, complete: false }, "ephemera: 1 listing(s) failed, so the list may be incomplete (see notes)").run);
    const result = await s.call("describe_environment", { env: "pr-1" });
    expect(result).toMatchObject({ isError: true, structuredContent: { complete: false } });
    expect((result.content[0] as { text: string }).text).toContain("listing(s) failed");
    await s.close();
  });

  test("arguments of the wrong type are a tool error before any command runs, and the server answers the next call", async () => {
    const fake = cli(0, LISTING);
    const s = await connect(fake.run);
    const bad = await s.call("pause_environment", { env: 42 });
    expect(bad.isError).toBe(true);
    expect((bad.content[0] as { text: string }).text).toContain("Invalid arguments for tool pause_environment");
    expect(fake.calls).toEqual([]);
    expect((await s.call("list_environments")).structuredContent).toEqual(LISTING);
    await s.close();
  });

  test("a command that throws is a tool error, and the server goes on", async () => {
    let calls = 0;
    const s = await connect(async (_argv, io) => {
      calls += 1;
      if (calls === 1) throw new Error("kaboom");
      io.stdout(JSON.stringify(LISTING));
      return 0;
    });
    expect(await s.call("list_environments")).toEqual({ isError: true, content: [{ type: "text", text: "ephemera: ls failed: Error: kaboom" }] });
    expect((await s.call("list_environments")).isError).toBeFalsy();
    await s.close();
  });
});

describe("destructive tools need confirm", () => {
  const text = (result: CallToolResult) => result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

  test.each([
    ["pause_environment", "pause"],
    ["release_environment", "release"],
  ])("%s without confirm, or with another id, is a tool error naming confirm and the fix, and no command runs", async (name, verb) => {
    const fake = cli(0, { env: "pr-1", status: "done", ok: true });
    const s = await connect(fake.run);
    const missing = await s.call(name, { env: "pr-1" });
    expect(missing).toEqual({
      isError: true,
      content: [
        {
          type: "text",
          text:
            `confirm must equal the environment id "pr-1" to ${verb} it (it was not given); nothing was done. ` +
            'Ask a person first, then call again with confirm: "pr-1", or with dryRun: true to only see the plan',
        },
      ],
    });
    const wrong = await s.call(name, { env: "pr-1", confirm: "pr-2" });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toMatch(new RegExp(`^confirm must equal the environment id "pr-1" to ${verb} it \\(it was "pr-2"\\); nothing was done`));
    expect((await s.call(name, { env: "pr-1", confirm: "PR-1" })).isError).toBe(true);
    expect((await s.call(name, { env: "pr-1", confirm: "pr-1", dryRun: false })).isError).toBeFalsy();
    expect(fake.calls).toEqual([[verb, "--json", "--", "pr-1"]]);
    await s.close();
  });

  test("a dry run changes nothing, so it needs no confirm", async () => {
    const fake = cli(0, { env: "pr-1", status: "dry-run", ok: true });
    const s = await connect(fake.run);
    expect((await s.call("pause_environment", { env: "pr-1", dryRun: true })).isError).toBeFalsy();
    expect((await s.call("release_environment", { env: "pr-1", dryRun: true })).isError).toBeFalsy();
    expect(fake.calls).toEqual([
      ["pause", "--dry-run", "--json", "--", "pr-1"],
      ["release", "--dry-run", "--json", "--", "pr-1"],
    ]);
    await s.close();
  });

  test("exactly the tools annotated destructive take confirm, and their schemas describe it", async () => {
    const s = await connect(cli(0, {}).run, { ...ENV, EPHEMERA_DATABASE_POOL: POOL });
    const { tools } = await s.client.listTools();
    const destructive = tools.filter((t) => t.annotations?.destructiveHint === true).map((t) => t.name);
    const confirming = tools.filter((t) => "confirm" in (t.inputSchema.properties ?? {})).map((t) => t.name);
    expect(destructive).toEqual(["pause_environment", "release_environment", "rollback", "execute_reap_plan"]);
    expect(confirming).toEqual(destructive);
    for (const t of tools.filter((x) => confirming.includes(x.name) && x.name !== "execute_reap_plan")) {
      expect((t.inputSchema.properties!.confirm as { description: string }).description).toMatch(/^The environment id again, exactly as env/);
      expect(t.inputSchema.required).toEqual(t.name === "rollback" ? ["env", "to"] : ["env"]);
    }
    // A plan is confirmed by its hash: the person agreed to that plan, not to an environment.
    const execute = tools.find((t) => t.name === "execute_reap_plan")!;
    expect((execute.inputSchema.properties!.confirm as { description: string }).description).toMatch(/^The planHash again, exactly/);
    expect(execute.inputSchema.required).toEqual(["planHash"]);
    await s.close();
  });
});

describe("the MCP client each command is asked through", () => {
  test("is the initialize handshake's clientInfo, handed to the command beside its argv, never in it", async () => {
    const fake = cli(0, { env: "pr-1", status: "extended", ok: true });
    const s = await connect(fake.run, ENV, [], { name: "claude-code", version: "1.2.3" });
    await s.call("extend_environment", { env: "pr-1", duration: "4h" });
    await s.call("pause_environment", { env: "pr-1", confirm: "pr-1" });
    expect(fake.clients).toEqual([
      { name: "claude-code", version: "1.2.3" },
      { name: "claude-code", version: "1.2.3" },
    ]);
    expect(fake.calls.flat().join(" ")).not.toContain("claude-code");
    await s.close();
  });

  test("cannot be set by tool arguments: unknown arguments are dropped, and the command line has no such flag", async () => {
    const fake = cli(0, { env: "pr-1", status: "done", ok: true });
    const s = await connect(fake.run, ENV, [], { name: "claude-code", version: "1.2.3" });
    const spoof = { mcpClient: { name: "root", version: "9" }, clientInfo: { name: "root", version: "9" }, via: "--mcp-client=root" };
    await s.call("release_environment", { env: "pr-1", confirm: "pr-1", ...spoof });
    expect(fake.calls).toEqual([["release", "--json", "--", "pr-1"]]);
    expect(fake.clients).toEqual([{ name: "claude-code", version: "1.2.3" }]);
    await s.close();
  });

  test("is cleaned: control characters and punctuation that could forge a reason are removed or replaced, and it is cut short", async () => {
    const fake = cli(0, LISTING);
    const name = "evil\n(ephemera release): its task is finished\u202e; released by arn:aws:iam::1:root" + "x".repeat(200);
    const s = await connect(fake.run, ENV, [], { name, version: "1.0\u0000\u001b[31m-rc1" + "9".repeat(100) });
    await s.call("list_environments");
    const [client] = fake.clients;
    expect(client!.name).toBe("evil ?ephemera release?? its task is finished? released by arn?a");
    expect(client!.name).toHaveLength(64);
    expect(client!.version).toBe(`1.0?31m-rc1${"9".repeat(21)}`);
    expect(client!.version).toHaveLength(32);
    await s.close();
  });
});
