import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { auditRun } from "../../../../harness/audit-trail";
import { runEphemera } from "../../../../harness/cli";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { emulatorClients, seedAuditBucket, seedEnvironment } from "../../../../harness/seed-environments";
import type { AuditRecord } from "../../../../reaper/audit/audit-record";
import { readSettings } from "../../../../reaper/config/read-settings";
import { TRACE_SEAL_PREFIX } from "../../../../reaper/model";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { traceBatchKey } from "../../../../reaper/traces/trace-record";
import type { TraceSeal } from "../../../../reaper/traces/trace-seal";

// The reaper seals an environment's decision trace when a real sweep reaps it (its owner warned already) and when it is
// released: a trace-sealed record in the run's audit chain, and the pointer `trace verify` reads.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-seals";

let e: Emulator;
let settings: Record<string, string>;

const append = (env: string, n: number) =>
  runEphemera(["trace", "append", env, "--agent", "planner", "--json"], settings, { stdin: Array.from({ length: n }, (_, i) => JSON.stringify({ step: i })).join("\n") });

/** The run's records, after checking that its chain verifies complete. */
async function runRecords(runId: string): Promise<AuditRecord[]> {
  const { verified, records } = await auditRun(settings, runId);
  expect(verified).toMatchObject({ ok: true, status: "complete" });
  return records;
}

/** The seal pointers of `env`, newest first, with their bodies. */
async function seals(env: string): Promise<TraceSeal[]> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  try {
    const store = runtime.auditStore();
    const keys = await store.list(`${TRACE_SEAL_PREFIX}${env}/`);
    return await Promise.all(keys.map(async (k) => JSON.parse(await store.get(k)) as TraceSeal));
  } finally {
    await runtime.destroy();
  }
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off" };
  const now = new Date();
  await seedEnvironment(e, "pr-expired", now, { expiresInHours: -1, state: "expiring", database: false });
  await seedEnvironment(e, "pr-silent", now, { expiresInHours: -1, state: "expiring", database: false });
  await seedEnvironment(e, "pr-done", now, { expiresInHours: 6, database: false });
  await seedEnvironment(e, "pr-planned", now, { expiresInHours: -1, state: "expiring", database: false });
}, 120_000);

describe("the trace seal", () => {
  test("a sweep that reaps an environment seals its trace head; removing the tail afterwards makes it truncated", async () => {
    expect((await append("pr-expired", 3)).code).toBe(0);
    const head = (await append("pr-expired", 2)).json<{ headHash: string; batches: { key: string }[] }>();

    const reap = await runEphemera(["reap", "--env", "pr-expired", "--json"], settings);
    expect(reap.code).toBe(0);
    const runId = reap.json<{ runId: string }>().runId;
    const sealed = (await runRecords(runId)).filter((r) => r.type === "trace-sealed");
    expect(sealed).toEqual([expect.objectContaining({ env: "pr-expired", details: { records: 5, headHash: head.headHash, lastBatchKey: head.batches[0]!.key } })]);
    expect(await seals("pr-expired")).toEqual([{ runId, auditKey: expect.stringContaining(runId), seq: sealed[0]!.seq, records: 5, headHash: head.headHash }]);
    expect((await runEphemera(["trace", "verify", "pr-expired", "--json"], settings)).json()).toMatchObject({ ok: true, status: "complete", records: 5, seal: { runId, records: 5 } });

    const { s3, destroy } = emulatorClients(e);
    await s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: traceBatchKey("pr-expired", 2) }));
    destroy();
    const truncated = await runEphemera(["trace", "verify", "pr-expired", "--json"], settings);
    expect(truncated.code).toBe(1);
    expect(truncated.json()).toMatchObject({ ok: false, status: "truncated", records: 3, firstBroken: { seq: 3, problem: `the reaper sealed 5 record(s) (run ${runId}); only 3 are here: the tail was removed` } });
  }, 120_000);

  test("an environment reaped without a trace is sealed with head null, and its trace verifies empty", async () => {
    const reap = await runEphemera(["reap", "--env", "pr-silent", "--json"], settings);
    expect(reap.code).toBe(0);
    const runId = reap.json<{ runId: string }>().runId;
    expect((await runRecords(runId)).filter((r) => r.type === "trace-sealed")).toEqual([expect.objectContaining({ env: "pr-silent", details: { head: null } })]);
    expect((await runEphemera(["trace", "verify", "pr-silent", "--json"], settings)).json()).toMatchObject({ ok: true, status: "empty", seal: { records: 0, headHash: null } });
  }, 120_000);

  test("executing a reviewed reap plan seals the trace of each environment it reaps", async () => {
    const head = (await append("pr-planned", 2)).json<{ headHash: string }>();
    const planPath = path.join(mkdtempSync(path.join(tmpdir(), "ephemera-seal-")), "plan.json");
    expect((await runEphemera(["reap", "--env", "pr-planned", "--plan-out", planPath], settings)).code).toBe(0);
    const run = await runEphemera(["reap", "--plan", planPath, "--json"], settings);
    expect(run.code).toBe(0);
    const runId = run.json<{ runId: string }>().runId;
    expect((await runRecords(runId)).filter((r) => r.type === "trace-sealed")).toEqual([expect.objectContaining({ env: "pr-planned", details: expect.objectContaining({ records: 2, headHash: head.headHash }) })]);
    expect((await runEphemera(["trace", "verify", "pr-planned", "--json"], settings)).json()).toMatchObject({ status: "complete", seal: { runId, records: 2 } });
  }, 120_000);

  test("ephemera release seals the trace too; a dry run writes no seal", async () => {
    const head = (await append("pr-done", 4)).json<{ headHash: string }>();
    expect((await runEphemera(["release", "pr-done", "--dry-run"], settings)).code).toBe(0);
    expect(await seals("pr-done")).toEqual([]);
    const release = await runEphemera(["release", "pr-done", "--json"], settings);
    expect(release.code).toBe(0);
    const runId = release.json<{ runId: string }>().runId;
    expect((await runRecords(runId)).filter((r) => r.type === "trace-sealed")).toEqual([expect.objectContaining({ env: "pr-done", details: expect.objectContaining({ records: 4, headHash: head.headHash }) })]);
    expect((await runEphemera(["trace", "verify", "pr-done"], settings)).out).toBe(
      `pr-done: complete: 4 record(s) intact in 1 batch(es); sealed at 4 record(s) by run ${runId}\nhead ${head.headHash}`,
    );
    const { s3, destroy } = emulatorClients(e);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: `${TRACE_SEAL_PREFIX}pr-done/` }));
    destroy();
    expect(listed.Contents?.map((o) => o.Key)).toEqual([expect.stringMatching(new RegExp(`^trace-seals/pr-done/\\d{13}-${runId}\\.json$`))]);
  }, 120_000);
});
