import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { act } from "../../../reaper/action/act";
import { AuditLog } from "../../../reaper/audit/audit-log";
import { auditKey } from "../../../reaper/audit/audit-key";
import { newRunId } from "../../../reaper/audit/run-id";
import { putIfAbsent } from "../../../reaper/state/put-if-absent";
import { S3StateStore } from "../../../reaper/state/s3-state-store";
import { verifyAudit, verifyAuditRun } from "../../../reaper/audit/verify-audit";
import { decide } from "../../../reaper/decision/decide";
import { useEmulator } from "../../../harness/emulator";
import { startFaultProxy } from "../../../harness/fault-proxy";
import { CONFIG, environment, inventory } from "../../support/reaper-fixtures";
import { FakeWorld, RecordingNotifier } from "../../support/reaper-fakes";

const emulator = useEmulator();
const DAY = 86_400_000;
const LOCKED = "ephemera-audit-locked";
const PLAIN = "ephemera-audit-plain";

function s3(): S3Client {
  return new S3Client(emulator().clientConfig());
}

async function lockedBucket(client: S3Client): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
  await client.send(
    new PutObjectLockConfigurationCommand({
      Bucket: LOCKED,
      ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } },
    }),
  );
}

/** Writes a closed run of `actions` action records to `bucket` through the production store. */
async function writeRun(client: S3Client, bucket: string, startedAt = new Date(), actions = 4) {
  const runId = newRunId(startedAt);
  const store = new S3StateStore(client, bucket, { retentionDays: 30, lockMode: "GOVERNANCE", perObjectRetention: bucket === LOCKED });
  const log = new AuditLog(store, runId, { startedAt });
  await log.append({ type: "run-start", details: { plan: { version: 1 } } });
  for (let i = 0; i < actions; i++) {
    await log.append({ type: "action", env: "pr-1", resource: { kind: "s3-bucket", id: `b-${i}` }, action: "delete", phase: i % 2 === 0 ? "before" : "after", outcome: i % 2 === 0 ? "pending" : "done" });
  }
  await log.append({ type: "run-summary", details: {} });
  const key = (seq: number) => auditKey(runId, startedAt, seq);
  return { runId, key, records: actions + 2 };
}

async function body(client: S3Client, bucket: string, key: string): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

describe("audit records in an Object Lock bucket", () => {
  test("are written with their own retention, which S3 reports on each record", async () => {
    const client = s3();
    await lockedBucket(client);
    const before = Date.now();
    const { key } = await writeRun(client, LOCKED);
    const head = await client.send(new HeadObjectCommand({ Bucket: LOCKED, Key: key(1) }));
    expect(head.ObjectLockMode).toBe("GOVERNANCE");
    const until = head.ObjectLockRetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 30 * DAY - 5_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 30 * DAY + 5_000);
    expect(head.ContentType).toBe("application/json");
  });

  test("cannot have a record version deleted", async () => {
    const client = s3();
    await lockedBucket(client);
    const { key, runId } = await writeRun(client, LOCKED);
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: LOCKED, Prefix: key(2) }));
    const versionId = versions.Versions?.[0]?.VersionId;
    expect(versionId).toBeDefined();
    await expect(client.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: key(2), VersionId: versionId }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    expect(await verifyAuditRun(client, LOCKED, runId)).toMatchObject({ ok: true });
  });

  test("verify: an intact run verifies, found by its run id alone", async () => {
    const client = s3();
    await lockedBucket(client);
    const { runId, records } = await writeRun(client, LOCKED);
    expect(await verifyAuditRun(client, LOCKED, runId)).toEqual({ runId, ok: true, status: "complete", records, finalHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("a write whose answer was lost, retried by the SDK, stands: the key holds exactly that record", async () => {
    const client = s3();
    await lockedBucket(client);
    const proxy = await startFaultProxy({ target: emulator().endpoint });
    try {
      const viaProxy = new S3Client({ ...emulator().clientConfig(), endpoint: proxy.url });
      const store = new S3StateStore(viaProxy, LOCKED, { retentionDays: 30, lockMode: "GOVERNANCE", perObjectRetention: true });
      proxy.inject("lost-answer");
      expect(await putIfAbsent(store, "audit/2026/05/01/run-x/000000.json", '{"a":1}')).toEqual({ status: "written" });
      expect(proxy.requests.map((r) => [r.action, r.fault])).toEqual([
        ["PutObject", "lost-answer"],
        ["PutObject", undefined],
        ["GetObject", undefined],
      ]);
      expect(await body(client, LOCKED, "audit/2026/05/01/run-x/000000.json")).toBe('{"a":1}');
      // Another body under the same key is "taken", and the stored body says by what.
      expect(await putIfAbsent(store, "audit/2026/05/01/run-x/000000.json", '{"a":2}')).toEqual({ status: "taken", stored: '{"a":1}' });
      await expect(store.put("audit/2026/05/01/run-x/000000.json", '{"a":2}', { exclusive: true })).rejects.toMatchObject({ name: "PreconditionFailed" });
    } finally {
      await proxy.stop();
    }
  });

  test("each key is written once: a second put to a record's key is refused and the record stays as it was", async () => {
    const client = s3();
    await lockedBucket(client);
    const { runId, key } = await writeRun(client, LOCKED);
    const store = new S3StateStore(client, LOCKED, { retentionDays: 30, lockMode: "GOVERNANCE", perObjectRetention: true });
    const original = await body(client, LOCKED, key(1));
    await expect(store.put(key(1), "{}", { exclusive: true })).rejects.toMatchObject({ name: "PreconditionFailed" });
    expect(await body(client, LOCKED, key(1))).toBe(original);
    expect(await verifyAuditRun(client, LOCKED, runId)).toMatchObject({ ok: true, status: "complete" });
  });

  test("a real act run over the emulator's bucket leaves a chain that verifies", async () => {
    const client = s3();
    await lockedBucket(client);
    const now = new Date();
    const plan = decide({ inventory: inventory(environment("pr-1", { state: "expiring" })), now, config: CONFIG });
    const world = new FakeWorld();
    const runId = newRunId(now);
    const result = await act({
      plan,
      adapters: world.adapters(["k8s-namespace", "eks-nodegroup", "rds-instance", "db-subnet-group", "secret", "s3-bucket", "security-group", "budget", "scheduler-schedule"]),
      ctx: world,
      audit: new AuditLog(new S3StateStore(client, LOCKED, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: true }), runId, { startedAt: now }),
      notifier: new RecordingNotifier(),
      config: { auditBucket: LOCKED, concurrency: 4 },
    });
    expect(result.environments[0]?.status).toBe("done");
    expect(await verifyAuditRun(client, LOCKED, runId)).toMatchObject({ runId, ok: true, status: "complete", records: 2 + 2 * result.actions.length });
  });
});

describe("tampering with records (in an unlocked bucket, where it is possible)", () => {
  async function plainRun() {
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: PLAIN }));
    return { client, ...(await writeRun(client, PLAIN)) };
  }

  test("a rewritten record is detected", async () => {
    const { client, runId, key } = await plainRun();
    const altered = (await body(client, PLAIN, key(2))).replace('"outcome":"done"', '"outcome":"failed"');
    await client.send(new PutObjectCommand({ Bucket: PLAIN, Key: key(2), Body: altered }));
    expect(await verifyAuditRun(client, PLAIN, runId)).toMatchObject({ ok: false, firstBroken: { seq: 2, problem: expect.stringContaining("altered") } });
  });

  test("a deleted record in the middle is detected", async () => {
    const { client, runId, key } = await plainRun();
    await client.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key(3) }));
    expect(await verifyAuditRun(client, PLAIN, runId)).toMatchObject({ ok: false, firstBroken: { seq: 3, problem: "record 3 is missing" } });
  });

  test("a deleted last record is detected by the run's end marker", async () => {
    const { client, runId, key, records } = await plainRun();
    await client.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key(records - 1) }));
    expect(await verifyAuditRun(client, PLAIN, runId)).toMatchObject({
      ok: false,
      status: "broken",
      firstBroken: { problem: expect.stringContaining(`end marker says the chain ended at record ${records - 1}`) },
    });
  });

  test("a deleted last record and end marker: in progress while the run could still be going, unfinished after", async () => {
    const { client, runId, key, records } = await plainRun();
    await client.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key(records - 1) }));
    await client.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key(records - 1).replace(/\d+\.json$/, "end.json") }));
    expect(await verifyAuditRun(client, PLAIN, runId)).toMatchObject({ ok: true, status: "in-progress" });
    expect(await verifyAuditRun(client, PLAIN, runId, { now: new Date(Date.now() + 3_600_000) })).toMatchObject({
      ok: false,
      status: "unfinished",
      firstBroken: { seq: records - 1, problem: expect.stringContaining("no run-summary") },
    });
  });

  test("swapped records are detected", async () => {
    const { client, runId, key } = await plainRun();
    const [one, two] = [await body(client, PLAIN, key(1)), await body(client, PLAIN, key(2))];
    await client.send(new PutObjectCommand({ Bucket: PLAIN, Key: key(1), Body: two }));
    await client.send(new PutObjectCommand({ Bucket: PLAIN, Key: key(2), Body: one }));
    expect(await verifyAuditRun(client, PLAIN, runId)).toMatchObject({ ok: false, firstBroken: { seq: 1, problem: expect.stringContaining("reordered") } });
  });

  test("verifyAudit reports each run under a prefix, the tampered one broken", async () => {
    const { client, runId, key } = await plainRun();
    const second = await writeRun(client, PLAIN, new Date(Date.now() + 1_000));
    await client.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: key(1) }));
    const results = await verifyAudit(client, PLAIN);
    expect(results.map((r) => [r.runId, r.ok])).toEqual(
      [
        [runId, false],
        [second.runId, true],
      ].sort(),
    );
  });
});
