import * as path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Emulator, useEmulator } from "../../../../harness/emulator";
import { REPO_ROOT } from "../../../../harness/paths";
import { emulatorClients, seedAuditBucket, seedEnvironment } from "../../../../harness/seed-environments";
import { TRACE_PREFIX } from "../../../../reaper/model";

// record_decision and show_trace, driven by the SDK's client over stdio against one `ephemera mcp`:
// the records are the client's (its handshake name), never an argument's.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-mcp-traces";

let e: Emulator;
let client: Client;
const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const text = (result: CallToolResult) => result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

interface Shown {
  records: { seq: number; agent: string; time: string; data: Record<string, unknown> }[];
}

async function traceKeys(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: TRACE_PREFIX }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  await seedEnvironment(e, "pr-agent", new Date(), { expiresInHours: 6, database: false });
  const settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(REPO_ROOT, "scripts/run-ts.mjs"), "reaper/cli/bin.ts", "mcp"], cwd: REPO_ROOT, env: settings, stderr: "pipe" });
  client = new Client({ name: "trace-agent", version: "2.1" });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
});

describe("the MCP trace tools", () => {
  test("record_decision writes; show_trace only reads", async () => {
    const tools = (await client.listTools()).tools;
    expect(tools.find((t) => t.name === "record_decision")?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(tools.find((t) => t.name === "show_trace")?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
    expect(tools.find((t) => t.name === "record_decision")?.inputSchema.properties).not.toHaveProperty("agent");
  });

  test("a message, then several records, are appended under the client's name, in order; show_trace reads them back", async () => {
    const one = await call("record_decision", { env: "pr-agent", message: "chose blue-green", time: "2026-05-01T12:00:00Z" });
    expect(one.isError).toBeFalsy();
    expect(one.structuredContent).toMatchObject({ ok: true, records: 1, firstSeq: 0 });
    const more = await call("record_decision", { env: "pr-agent", records: [{ step: "migrate", ok: true }, { step: "verify", time: "2026-05-01T13:00:00Z" }], time: "2026-05-01T12:30:00Z" });
    expect(more.structuredContent).toMatchObject({ ok: true, records: 2, firstSeq: 1, lastSeq: 2 });

    const shown = (await call("show_trace", { env: "pr-agent" })).structuredContent as unknown as Shown;
    expect(shown.records.map((r) => [r.seq, r.agent, r.time, r.data])).toEqual([
      [0, "trace-agent", "2026-05-01T12:00:00.000Z", { message: "chose blue-green" }],
      [1, "trace-agent", "2026-05-01T12:30:00.000Z", { step: "migrate", ok: true }],
      [2, "trace-agent", "2026-05-01T13:00:00.000Z", { step: "verify" }],
    ]);
    const since = (await call("show_trace", { env: "pr-agent", since: "2026-05-01T12:15:00Z" })).structuredContent as unknown as Shown;
    expect(since.records.map((r) => r.seq)).toEqual([1, 2]);
  }, 60_000);

  test("a record may not speak for another agent, and bad input or an unknown environment writes nothing", async () => {
    const before = await traceKeys();
    const impostor = await call("record_decision", { env: "pr-agent", records: [{ agent: "someone-else", step: "x" }] });
    expect(impostor.isError).toBe(true);
    expect(text(impostor)).toContain(`line 1 names agent "someone-else", but these records are the MCP client "trace-agent"'s; leave "agent" out`);
    const both = await call("record_decision", { env: "pr-agent", message: "a", records: [{ b: 1 }] });
    expect(text(both)).toContain("give message (one record) or records (several), exactly one of them");
    const badTime = await call("record_decision", { env: "pr-agent", message: "a", time: "noon" });
    expect(badTime.isError).toBe(true);
    expect(text(badTime)).toContain('line 1: "time" "noon" is not an ISO-8601 date-time');
    const unknown = await call("record_decision", { env: "pr-gone", message: "a" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain("no resources of environment pr-gone were found");
    expect(await traceKeys()).toEqual(before);
  }, 60_000);
});
