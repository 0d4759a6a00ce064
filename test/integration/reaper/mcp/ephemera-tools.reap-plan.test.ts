import * as path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Emulator, useEmulator } from "../../../../harness/emulator";
import { REPO_ROOT } from "../../../../harness/paths";
import { bucketExists, emulatorClients, seedAuditBucket, seedEnvironment, seedTopic } from "../../../../harness/seed-environments";

// plan_reap and execute_reap_plan, driven by the SDK's client over stdio against one `ephemera mcp`:
// the plan's hash is what executes it, only with confirm equal to that hash, and exactly as planned.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-mcp-plan";

let e: Emulator;
let client: Client;
let planHash: string;
const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const text = (result: CallToolResult) => result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

async function auditBucketKeys(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  const now = new Date();
  await seedEnvironment(e, "pr-gone", now, { expiresInHours: -2, state: "expiring", database: false });
  await seedEnvironment(e, "pr-live", now, { expiresInHours: 5, database: false });
  const settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_NOTIFICATION_TOPIC_ARN: topic, EPHEMERA_PRICE_LIST: "off", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(REPO_ROOT, "scripts/run-ts.mjs"), "reaper/cli/bin.ts", "mcp"], cwd: REPO_ROOT, env: settings, stderr: "pipe" });
  client = new Client({ name: "reap-plan-test", version: "0" });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
});

describe("plan_reap and execute_reap_plan", () => {
  test("plan_reap returns the plan, its hash and the environments it would act on, stored under the hash; nothing is acted on", async () => {
    const result = await call("plan_reap", {});
    expect(result.isError).toBeFalsy();
    const made = result.structuredContent as { planHash: string; reviewed: { format: string; hash: string }; environments: { env: string; intent: string }[] };
    planHash = made.planHash;
    expect(made.reviewed).toMatchObject({ format: "ephemera-reap-plan/v1", hash: planHash });
    expect(made.environments).toEqual([expect.objectContaining({ env: "pr-gone", intent: "reap" })]);
    expect(await auditBucketKeys()).toEqual([`plans/${planHash}.json`]);
    expect(await bucketExists(e, "pr-gone-artifacts")).toBe(true);
  });

  test("execute_reap_plan without confirm equal to the hash is a tool error naming confirm, and nothing is done", async () => {
    for (const confirm of [undefined, "yes", "pr-gone"]) {
      const result = await call("execute_reap_plan", { planHash, ...(confirm === undefined ? {} : { confirm }) });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain(`confirm must equal the planHash "${planHash}" to execute the plan`);
    }
    expect(await auditBucketKeys()).toEqual([`plans/${planHash}.json`]);
    expect(await bucketExists(e, "pr-gone-artifacts")).toBe(true);
  });

  test("a dry run needs no confirm, reports what would run, and claims nothing", async () => {
    const result = await call("execute_reap_plan", { planHash, dryRun: true });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: "dry-run", planHash, plan: { environments: [{ env: "pr-gone", intent: "reap" }] }, skipped: [] });
    expect(await auditBucketKeys()).toEqual([`plans/${planHash}.json`]);
  });

  test("confirmed, it executes the plan by its hash: the planned environment is reaped and the other left, once", async () => {
    const result = await call("execute_reap_plan", { planHash, confirm: planHash });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: "executed", ok: true, planHash, environments: [{ env: "pr-gone", intent: "reap", status: "done" }] });
    expect(await bucketExists(e, "pr-gone-artifacts")).toBe(false);
    expect(await bucketExists(e, "pr-live-artifacts")).toBe(true);
    const again = await call("execute_reap_plan", { planHash, confirm: planHash });
    expect(again.isError).toBe(true);
    expect(again.structuredContent).toMatchObject({ status: "refused", code: "executed" });
  });

  test("a hash no plan is stored under is refused, naming --plan-out", async () => {
    const unknown = "0".repeat(64);
    const result = await call("execute_reap_plan", { planHash: unknown, confirm: unknown });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: "refused", code: "not-stored" });
    expect(text(result)).toContain("make one with --plan-out");
  });
});
