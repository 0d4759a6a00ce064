import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { HeadBucketCommand, ListObjectsV2Command, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { auditRun } from "../../../../../harness/audit-trail";
import { runEphemera } from "../../../../../harness/cli";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../../harness/emulator";
import { emulatorClients, seedAuditBucket, seedEnvironment, seedTopic } from "../../../../../harness/seed-environments";
import { verifyAuditIn } from "../../../../../reaper/audit/verify-audit";
import type { AuditRecord } from "../../../../../reaper/audit/audit-record";
import { DISCARDED_ON_REQUEST } from "../../../../../reaper/decision/manual-plans";
import { ReaperRuntime } from "../../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../../reaper/config/read-settings";

// `ephemera release`: environments that are not due, released because their task is finished.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-release";

let e: Emulator;
let settings: Record<string, string>;
let releaseRun: string;

async function bucketExists(bucket: string): Promise<boolean> {
  const { s3, destroy } = emulatorClients(e);
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
  destroy();
  return exists;
}

async function dbStatus(id: string): Promise<string> {
  const { rds, destroy } = emulatorClients(e);
  const status = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })).then((o) => o.DBInstances?.[0]?.DBInstanceStatus ?? "?", () => "gone");
  destroy();
  return status;
}

beforeAll(async () => {
  e = emulator();
  const now = new Date();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_NOTIFICATION_TOPIC_ARN: topic, EPHEMERA_PRICE_LIST: "off" };
  await seedEnvironment(e, "pr-done", now, { expiresInHours: 6, secret: true });
  await seedEnvironment(e, "pr-kept", now, { expiresInHours: 6, protect: true, database: false });
  await seedEnvironment(e, "pr-other", now, { expiresInHours: 6, database: false });
  // Its owner asked for its data to be kept when it expires.
  await seedEnvironment(e, "pr-keep", now, { expiresInHours: 6, onExpiry: "pause", objects: 2 });
}, 120_000);

async function objectCount(bucket: string): Promise<number> {
  const { s3, destroy } = emulatorClients(e);
  const count = await s3.send(new ListObjectsV2Command({ Bucket: bucket })).then((o) => o.KeyCount ?? 0, () => -1);
  destroy();
  return count;
}

async function snapshotsOf(db: string): Promise<string[]> {
  const { rds, destroy } = emulatorClients(e);
  const out = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: db }));
  destroy();
  return (out.DBSnapshots ?? []).map((x) => x.DBSnapshotIdentifier!);
}

async function runRecords(runId: string): Promise<AuditRecord[]> {
  const run = await auditRun(settings, runId);
  expect(run.verified).toMatchObject({ ok: true, status: "complete" });
  return run.records;
}

describe("ephemera release", () => {
  test("--dry-run shows the reap plan and changes nothing", async () => {
    const run = await runEphemera(["release", "pr-done", "--dry-run", "--json"], settings);
    expect(run.code).toBe(0);
    const result = run.json<{ status: string; plan: { environments: { intent: string; phases: { name: string }[] }[] } }>();
    expect(result.status).toBe("dry-run");
    expect(result.plan.environments[0]!.intent).toBe("release");
    expect(result.plan.environments[0]!.phases.map((p) => p.name)).not.toContain("notify");
    expect(await bucketExists("pr-done-artifacts")).toBe(true);
  });

  test("reaps an environment six hours before its expiry, with no warning to its owner, and leaves the others", async () => {
    const run = await runEphemera(["release", "pr-done", "--json"], settings);
    expect(run.code).toBe(0);
    const result = run.json<{ status: string; runId: string; actions: { action: string; outcome: string }[] }>();
    expect(result.status).toBe("done");
    releaseRun = result.runId;
    expect(result.actions.some((a) => a.action === "notify")).toBe(false);
    expect(result.actions.every((a) => a.outcome === "done" || a.outcome === "already-done")).toBe(true);
    expect(await bucketExists("pr-done-artifacts")).toBe(false);
    expect(await dbStatus("pr-done-db")).toMatch(/^(gone|deleting)$/);
    expect(await bucketExists("pr-other-artifacts")).toBe(true);
  });

  test("the audit trail records the release and who released it (the caller's ARN), in a run that verifies", async () => {
    const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
    try {
      const store = runtime.auditStore();
      expect((await verifyAuditIn(store)).find((r) => r.runId === releaseRun)).toMatchObject({ ok: true, status: "complete" });
      const keys = (await store.list("audit/")).filter((k) => k.includes(releaseRun));
      const records = await Promise.all(keys.map(async (k) => JSON.parse(await store.get(k)) as AuditRecord));
      expect(records.find((r) => r.type === "run-start")?.details?.plan).toMatchObject({ environments: [{ env: "pr-done", intent: "release" }] });
      const deletes = records.filter((rec) => rec.type === "action" && rec.action === "delete");
      expect(deletes.length).toBeGreaterThan(0);
      const caller = await runtime.callerArn();
      expect(caller).toMatch(/^arn:aws:/);
      for (const rec of deletes) expect(rec.reason).toBe(`released by ${caller} (ephemera release): its task is finished`);
    } finally {
      await runtime.destroy();
    }
  });

  test("a protected environment is refused (exit 1), and nothing of it is touched", async () => {
    const run = await runEphemera(["release", "pr-kept", "--json"], settings);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ status: "refused", message: expect.stringContaining("ephemera:protect protects the whole environment; release refused") });
    expect(await bucketExists("pr-kept-artifacts")).toBe(true);
  });

  test("an on-expiry pause environment is refused (exit 1) without --discard-data, naming it and why, the dry run too; nothing of it is touched", async () => {
    const auditBefore = await auditObjects();
    for (const argv of [["release", "pr-keep", "--json"], ["release", "pr-keep", "--dry-run", "--json"]]) {
      const run = await runEphemera(argv, settings);
      expect(run.code).toBe(1);
      expect(run.json()).toMatchObject({ env: "pr-keep", intent: "release", status: "refused", ok: false, code: "keeps-data" });
      const message = run.json<{ message: string }>().message;
      expect(message).toContain("ephemera:on-expiry is pause on pr-keep: its owner asked for its data to be kept");
      expect(message).toContain("--discard-data");
    }
    const text = await runEphemera(["release", "pr-keep"], settings);
    expect(text.code).toBe(1);
    expect(text.err).toMatch(/^ephemera: release pr-keep refused: ephemera:on-expiry is pause on pr-keep/);
    expect(text.err).toContain("release it with --discard-data");
    expect(await objectCount("pr-keep-artifacts")).toBe(2);
    expect(await dbStatus("pr-keep-db")).toBe("available");
    expect(await auditObjects()).toEqual(auditBefore);
  });

  test("--discard-data releases it: a final database snapshot, everything else deleted, and each reason says the data was discarded on request", async () => {
    const preview = await runEphemera(["release", "pr-keep", "--discard-data", "--dry-run", "--json"], settings);
    expect(preview.code).toBe(0);
    expect(preview.json()).toMatchObject({ status: "dry-run" });
    const run = await runEphemera(["release", "pr-keep", "--discard-data", "--json"], settings);
    expect(run.code).toBe(0);
    const result = run.json<{ status: string; runId: string }>();
    expect(result.status).toBe("done");
    expect(await bucketExists("pr-keep-artifacts")).toBe(false);
    expect(await dbStatus("pr-keep-db")).toMatch(/^(gone|deleting)$/);
    expect(await snapshotsOf("pr-keep-db")).toEqual([expect.stringMatching(/^ephemera-pr-keep-final-\d{12}$/)]);
    const records = await runRecords(result.runId);
    const caller = await callerArn();
    const reason = `released by ${caller} (ephemera release --discard-data): its task is finished; ${DISCARDED_ON_REQUEST}`;
    expect(records.find((r) => r.type === "run-start")?.details?.plan).toMatchObject({ environments: [{ env: "pr-keep", intent: "release", reason }] });
    const actions = records.filter((rec) => rec.type === "action");
    expect(actions.length).toBeGreaterThan(0);
    for (const rec of actions) expect(rec.reason).toBe(reason);
  });

  test("an environment that does not exist is bad input (exit 2); releasing one already gone says so", async () => {
    expect((await runEphemera(["release", "pr-nope"], settings)).code).toBe(2);
    const again = await runEphemera(["release", "pr-done", "--json"], settings);
    expect(again.json()).toMatchObject({ status: "not-found" });
  });
});

async function callerArn(): Promise<string> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  try {
    return await runtime.callerArn();
  } finally {
    await runtime.destroy();
  }
}

/** Every object version in the audit bucket: a refusal writes none. */
async function auditObjects(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: AUDIT_BUCKET }));
  destroy();
  return (out.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`).sort();
}
