import * as path from "node:path";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Emulator, useEmulator } from "../../../../harness/emulator";
import { REPO_ROOT } from "../../../../harness/paths";
import { emulatorClients, seedAuditBucket, seedBaselineSnapshot, seedRollbackable } from "../../../../harness/seed-environments";
import { TAG } from "../../../../reaper/model";

// The rollback tool, driven by the SDK's client over stdio against one `ephemera mcp`: refused
// without confirm, a dry run that changes nothing, then the rollback itself.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-mcp-rollback";

let e: Emulator;
let client: Client;
const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const text = (result: CallToolResult) => result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

async function databases(): Promise<string[]> {
  const { rds, destroy } = emulatorClients(e);
  const out = await rds.send(new DescribeDBInstancesCommand({}));
  destroy();
  return (out.DBInstances ?? []).filter((db) => db.TagList?.some((t) => t.Key === TAG.env)).map((db) => `${db.DBInstanceIdentifier} ${db.TagList?.find((t) => t.Key === TAG.restoredFrom)?.Value ?? "-"}`).sort();
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  await seedBaselineSnapshot(e, "app-baseline", "app-baseline-snap");
  await seedRollbackable(e, "pr-roll");
  const settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(REPO_ROOT, "scripts/run-ts.mjs"), "reaper/cli/bin.ts", "mcp"], cwd: REPO_ROOT, env: settings, stderr: "pipe" });
  client = new Client({ name: "rollback-test", version: "0" });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
});

describe("the MCP rollback tool", () => {
  test("is destructive and not idempotent", async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === "rollback");
    expect(tool?.annotations).toMatchObject({ destructiveHint: true, idempotentHint: false, readOnlyHint: false });
  });

  test("without confirm equal to the env id it is a tool error naming confirm, and nothing changes", async () => {
    for (const confirm of [undefined, "yes"]) {
      const result = await call("rollback", { env: "pr-roll", to: "baseline", ...(confirm === undefined ? {} : { confirm }) });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('confirm must equal the environment id "pr-roll" to roll back it');
    }
    expect(await databases()).toEqual(["pr-roll-db -"]);
  });

  test("a dry run returns the steps and changes nothing; confirmed, the checkpoint is swapped in under the same identifier", async () => {
    const dry = await call("rollback", { env: "pr-roll", to: "baseline", dryRun: true });
    expect(dry.isError).not.toBe(true);
    const planned = (dry.structuredContent ?? JSON.parse(text(dry))) as { status: string; plan: { environments: { phases: { actions: { type: string }[] }[] }[] } };
    expect(planned.status).toBe("dry-run");
    expect(planned.plan.environments[0]!.phases.flatMap((p) => p.actions.map((a) => a.type))).toEqual(["restore-checkpoint", "set-password", "rename", "rename", "tag", "delete"]);
    expect(await databases()).toEqual(["pr-roll-db -"]);

    const done = await call("rollback", { env: "pr-roll", to: "baseline", confirm: "pr-roll" });
    expect(text(done)).toContain('"status": "rolled-back"');
    expect((await databases()).filter((d) => !d.startsWith("pr-roll-db-replaced"))).toEqual(["pr-roll-db app-baseline-snap"]);
  }, 120_000);
});
