import * as path from "node:path";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetBucketTaggingCommand, ListBucketsCommand, ListObjectsV2Command, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Emulator, useEmulator } from "../../../../harness/emulator";
import { REPO_ROOT } from "../../../../harness/paths";
import {
  emulatorClients,
  EXAMPLE_POOL_GROUPS,
  poolSettings,
  seedAuditBucket,
  seedBaselineSnapshot,
  seedEnvironment,
  seedRollbackable,
  seedTopic,
  seedWarmDatabase,
} from "../../../../harness/seed-environments";
import { AUDIT_PREFIX, LEASE_PREFIX, PLAN_PREFIX, TAG } from "../../../../reaper/model";

// Every tool's annotations, against what its command really does to an emulated account: a
// read-only tool changes nothing at all (not even an audit record); calling an idempotent tool a
// second time with the same arguments leaves the account as the first call left it (another
// audited run aside: the audit trail and the runs' leases record every call, by design); extend,
// the one tool that is not idempotent, moves the expiry again. One `ephemera mcp` over stdio, as
// an agent runs it, with a warm database pool so that claim_database is offered.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-hints";
const POOL = poolSettings(2, EXAMPLE_POOL_GROUPS, { snapshot: "app-baseline-1" });

let e: Emulator;
let client: Client;

const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const texts = (result: CallToolResult) => result.content.map((c) => (c.type === "text" ? c.text : `<${c.type}>`)).join("\n");

type Hints = { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
const hints = (readOnlyHint: boolean, destructiveHint: boolean, idempotentHint: boolean): Hints => ({ readOnlyHint, destructiveHint, idempotentHint, openWorldHint: true });

/** What each tool promises: read-only, destructive, idempotent (and every one reaches an AWS account: open world). */
const HINTS: Record<string, Hints> = {
  list_environments: hints(true, false, true),
  describe_environment: hints(true, false, true),
  admit_environment: hints(false, false, true),
  extend_environment: hints(false, false, false),
  pause_environment: hints(false, true, true),
  resume_environment: hints(false, false, true),
  release_environment: hints(false, true, true),
  checkpoint: hints(false, false, false),
  list_checkpoints: hints(true, false, true),
  rollback: hints(false, true, false),
  plan_reap: hints(false, false, false),
  execute_reap_plan: hints(false, true, false),
  claim_database: hints(false, false, true),
  verify_audit: hints(true, false, true),
  provisioning_status: hints(true, false, true),
  record_decision: hints(false, false, false),
  show_trace: hints(true, false, true),
};

/** Each tool's call in the table below, with arguments that make it act (a destructive one confirmed). */
const READ_ONLY: [string, Record<string, unknown>][] = [
  ["list_environments", {}],
  ["describe_environment", { env: "pr-read" }],
  ["verify_audit", {}],
  ["provisioning_status", {}],
  ["list_checkpoints", { env: "pr-checkpoint" }],
  ["show_trace", { env: "pr-read" }],
];
const IDEMPOTENT: [string, Record<string, unknown>][] = [
  ["admit_environment", { env: "pr-new", owner: "agent@example.com", ttl: "4h", budgetUsd: 20 }],
  ["pause_environment", { env: "pr-pause", confirm: "pr-pause" }],
  ["resume_environment", { env: "pr-pause" }],
  ["release_environment", { env: "pr-release", confirm: "pr-release" }],
];

/** The account as a sorted, comparable document: databases, buckets, secrets (with their versions), and the audit bucket's objects. */
async function account(): Promise<{ databases: unknown[]; buckets: unknown[]; secrets: unknown[]; auditObjects: string[] }> {
  const { rds, s3, secrets, destroy } = emulatorClients(e);
  try {
    const tags = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key!, t.Value!]).sort(([a], [b]) => a!.localeCompare(b!)));
    const dbs = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const databases = dbs.map((db) => ({ id: db.DBInstanceIdentifier, status: db.DBInstanceStatus, tags: tags(db.TagList) })).sort((a, b) => a.id!.localeCompare(b.id!));
    const buckets = [];
    for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      if (b.Name === AUDIT_BUCKET) continue;
      const tagSet = await s3.send(new GetBucketTaggingCommand({ Bucket: b.Name })).then((o) => o.TagSet, () => undefined);
      const objects = (await s3.send(new ListObjectsV2Command({ Bucket: b.Name }))).KeyCount ?? 0;
      buckets.push({ name: b.Name, tags: tags(tagSet), objects });
    }
    buckets.sort((a, b) => a.name!.localeCompare(b.name!));
    const secretList = [];
    for (const s of (await secrets.send(new ListSecretsCommand({}))).SecretList ?? []) {
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: s.ARN }));
      secretList.push({ name: s.Name, versions: Object.keys(described.VersionIdsToStages ?? {}).sort() });
    }
    secretList.sort((a, b) => a.name!.localeCompare(b.name!));
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: AUDIT_BUCKET }))).Versions ?? [];
    return { databases, buckets, secrets: secretList, auditObjects: versions.map((v) => `${v.Key}@${v.VersionId}`).sort() };
  } finally {
    destroy();
  }
}

/** The account, with the audit trail and the runs' leases left out: what an idempotent call must leave as it found it. */
async function stateOfAccount() {
  const { auditObjects, ...rest } = await account();
  return { ...rest, registers: auditObjects.filter((k) => !k.startsWith(AUDIT_PREFIX) && !k.startsWith(LEASE_PREFIX)) };
}

/** What claim_database's second call must leave: the claimed database's tags and its secret's versions. */
async function claimed(env: string) {
  const { databases, secrets } = await stateOfAccount();
  return { databases: databases.filter((db) => (db as { tags: Record<string, string> }).tags[TAG.env] === env), secrets };
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  const now = new Date();
  await seedEnvironment(e, "pr-read", now, { expiresInHours: 5, database: false });
  await seedEnvironment(e, "pr-pause", now, { expiresInHours: 5 });
  await seedEnvironment(e, "pr-release", now, { expiresInHours: 5, objects: 1 });
  await seedEnvironment(e, "pr-extend", now, { expiresInHours: 5, database: false });
  await seedEnvironment(e, "pr-checkpoint", now, { expiresInHours: 5 });
  for (const suffix of ["aaaa0001", "aaaa0002"]) await seedWarmDatabase(e, suffix, "app-baseline-1");
  await seedBaselineSnapshot(e, "app-baseline", "app-baseline-snap");
  await seedRollbackable(e, "pr-rollback");
  const settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: topic,
    EPHEMERA_DATABASE_POOL: JSON.stringify(POOL),
    EPHEMERA_PRICE_LIST: "off",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(REPO_ROOT, "scripts/run-ts.mjs"), "reaper/cli/bin.ts", "mcp"],
    cwd: REPO_ROOT,
    env: settings,
    stderr: "pipe",
  });
  client = new Client({ name: "ephemera-hints-test", version: "1.0.0" });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
});

describe("every tool's annotations match what it does", () => {
  test("the hints of every tool, as listed", async () => {
    const { tools } = await client.listTools();
    expect(Object.fromEntries(tools.map(({ name, annotations: { title: _title, ...rest } = {} }) => [name, rest]))).toEqual(HINTS);
    // The table below covers every tool.
    expect([...READ_ONLY, ...IDEMPOTENT].map(([name]) => name).concat("extend_environment", "claim_database", "checkpoint", "rollback", "plan_reap", "execute_reap_plan", "record_decision").sort()).toEqual(Object.keys(HINTS).sort());
  });

  test.each(READ_ONLY)("read-only %s changes nothing in the account, not even the audit bucket", async (name, args) => {
    expect(HINTS[name]).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
    const before = await account();
    const result = await call(name, args);
    expect({ name, isError: result.isError ?? false, text: result.isError ? texts(result) : "" }).toEqual({ name, isError: false, text: "" });
    expect(await account()).toEqual(before);
  });

  test.each(IDEMPOTENT)("idempotent %s, called again with the same arguments, leaves the account as its first call did", async (name, args) => {
    expect(HINTS[name]).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    const before = await stateOfAccount();
    const first = await call(name, args);
    expect({ name, isError: first.isError ?? false, text: first.isError ? texts(first) : "" }).toEqual({ name, isError: false, text: "" });
    const once = await stateOfAccount();
    // The first call did act (so the comparison below means something).
    expect(once).not.toEqual(before);
    await call(name, args);
    expect(await stateOfAccount()).toEqual(once);
  });

  test("extend_environment is not idempotent: a second call moves the expiry again", async () => {
    expect(HINTS.extend_environment).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    const first = await call("extend_environment", { env: "pr-extend", duration: "1h" });
    expect(first.isError).toBeFalsy();
    const once = await stateOfAccount();
    const second = await call("extend_environment", { env: "pr-extend", duration: "1h" });
    expect(second.isError).toBeFalsy();
    expect((second.structuredContent as { previousExpiresAt: string }).previousExpiresAt).toBe((first.structuredContent as { expiresAt: string }).expiresAt);
    expect(await stateOfAccount()).not.toEqual(once);
  });

  test("plan_reap is neither read-only nor idempotent, and not destructive: each call stores its own plan under its hash, and nothing else", async () => {
    expect(HINTS.plan_reap).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    const before = await account();
    const hashes = [];
    for (let i = 0; i < 2; i++) {
      const result = await call("plan_reap", { env: "pr-read" });
      expect(result.isError).toBeFalsy();
      hashes.push((result.structuredContent as { planHash: string }).planHash);
    }
    expect(new Set(hashes).size).toBe(2);
    const after = await account();
    expect({ ...after, auditObjects: after.auditObjects.filter((k) => !k.startsWith(PLAN_PREFIX)) }).toEqual(before);
    expect(after.auditObjects.filter((k) => k.startsWith(PLAN_PREFIX)).map((k) => k.split("@")[0])).toEqual(hashes.map((h) => `${PLAN_PREFIX}${h}.json`).sort());
  });

  test("execute_reap_plan is destructive and not idempotent: a plan runs once, and a second call is refused", async () => {
    expect(HINTS.execute_reap_plan).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false });
    const planHash = ((await call("plan_reap", { env: "pr-read" })).structuredContent as { planHash: string }).planHash;
    const first = await call("execute_reap_plan", { planHash, confirm: planHash });
    expect({ isError: first.isError ?? false, text: first.isError ? texts(first) : "" }).toEqual({ isError: false, text: "" });
    const second = await call("execute_reap_plan", { planHash, confirm: planHash });
    expect(second.isError).toBe(true);
    expect(texts(second)).toContain("was executed already");
  });

  test("record_decision is not idempotent: the same call again appends another record", async () => {
    const first = await call("record_decision", { env: "pr-read", message: "chose B" });
    expect(first.isError).toBeFalsy();
    const once = await stateOfAccount();
    const second = await call("record_decision", { env: "pr-read", message: "chose B" });
    expect(second.structuredContent).toMatchObject({ firstSeq: 1 });
    expect(await stateOfAccount()).not.toEqual(once);
  });

  test("checkpoint is not idempotent but not destructive: a second call takes a second snapshot, and removes nothing", async () => {
    expect(HINTS.checkpoint).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    const snapshots = async () => ((await call("list_checkpoints", { env: "pr-checkpoint" })).structuredContent as { checkpoints: { snapshot: string }[] }).checkpoints.map((c) => c.snapshot);
    const first = await call("checkpoint", { env: "pr-checkpoint" });
    expect(first.isError).toBeFalsy();
    const once = await snapshots();
    const second = await call("checkpoint", { env: "pr-checkpoint" });
    expect(second.isError).toBeFalsy();
    const twice = await snapshots();
    expect(twice).toHaveLength(once.length + 1);
    expect(twice).toEqual(expect.arrayContaining(once));
  });

  test("rollback is not idempotent: a second call to the same checkpoint replaces the database again", async () => {
    expect(HINTS.rollback).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false });
    const resourceId = async () => {
      const { rds, destroy } = emulatorClients(e);
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "pr-rollback-db" }));
      destroy();
      return out.DBInstances?.[0]?.DbiResourceId;
    };
    const ids = [await resourceId()];
    for (let i = 0; i < 2; i++) {
      const result = await call("rollback", { env: "pr-rollback", to: "baseline", confirm: "pr-rollback" });
      expect({ isError: result.isError ?? false, status: (result.structuredContent as { status?: string }).status, text: result.isError ? texts(result) : "" }).toEqual({ isError: false, status: "rolled-back", text: "" });
      ids.push(await resourceId());
    }
    expect(new Set(ids).size).toBe(3);
  }, 120_000);

  // enabled once claim-database returns the existing claim
  test("idempotent claim_database, called again for the same environment, returns its claim without rotating, re-tagging or moving the expiry", async () => {
    expect(HINTS.claim_database).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    const args = { env: "pr-claim", owner: "agent@example.com", ttl: "4h" };
    const first = await call("claim_database", args);
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent).toMatchObject({ status: "claimed", env: "pr-claim" });
    const once = await claimed("pr-claim");
    expect(once.databases).toHaveLength(1);
    // created-at is written at whole seconds: a second call a second later would move it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await call("claim_database", args);
    expect(second.isError).toBeFalsy();
    expect(second.structuredContent).toMatchObject({ status: "claimed", env: "pr-claim", database: (first.structuredContent as { database: string }).database });
    expect(await claimed("pr-claim")).toEqual(once);
  });
});
