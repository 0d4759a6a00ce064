import { AuditLog } from "../../../../reaper/audit/audit-log";
import { openRun } from "../../../../reaper/audit/run-ledger";
import { runIdStart } from "../../../../reaper/audit/run-id";
import { verifyAuditIn, verifyAuditRunIn } from "../../../../reaper/audit/verify-audit";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const EARLIER = "20260501T110000Z-0000aaaa";
const CRASHED = "20260501T113000Z-0000bbbb";
const NEW = "20260501T120000Z-0000cccc";
const NOW = runIdStart(NEW)!;
const MINUTE = 60_000;
const resource = { kind: "rds-instance", id: "pr-1-db", region: "us-east-1" };

const logOf = (store: MemoryStateStore, runId: string) => {
  const at = runIdStart(runId)!;
  return new AuditLog(store, runId, { startedAt: at, clock: () => at });
};

async function finishedRun(store: MemoryStateStore, runId = EARLIER) {
  const log = logOf(store, runId);
  await log.append({ type: "run-start", details: { plan: {} } });
  await log.append({ type: "run-summary", details: { totals: {} } });
}

/** A run that stopped with a delete started and never answered. */
async function crashedRun(store: MemoryStateStore, runId = CRASHED) {
  const log = logOf(store, runId);
  await log.append({ type: "run-start", details: { plan: {} } });
  await log.append({ type: "action", env: "pr-1", resource, action: "delete", step: "database", phase: "before", outcome: "pending" });
}

const open = (store: MemoryStateStore, more: Partial<Parameters<typeof openRun>[1]> = {}) =>
  openRun(store, { runId: NEW, now: NOW, clock: () => NOW, unfinishedAfterMs: 15 * MINUTE, ...more });

describe("opening a run against the audit trail", () => {
  test("names the last finished run and its final hash", async () => {
    const store = new MemoryStateStore();
    await finishedRun(store);
    const opening = await open(store);
    const summary = store.records().at(-1)!;
    expect(opening).toEqual({ previous: { runId: EARLIER, hash: summary.hash }, closed: [], unknownOutcomes: [] });
  });

  test("closes a run that stopped: a chained closing record, its open action becomes an unknown outcome, and it verifies as closed", async () => {
    const store = new MemoryStateStore();
    await finishedRun(store);
    await crashedRun(store);
    const opening = await open(store);

    expect(opening.closed).toEqual([{ runId: CRASHED, seq: 2, actionsWithUnknownOutcome: 1 }]);
    expect(opening.unknownOutcomes).toEqual([{ runId: CRASHED, seq: 1, env: "pr-1", resource }]);
    const closing = store.records().find((r) => r.type === "run-closed")!;
    expect(closing).toMatchObject({
      runId: CRASHED,
      seq: 2,
      details: { closedBy: NEW, actionsStarted: 1, actionsWithUnknownOutcome: [{ seq: 1, env: "pr-1", action: "delete", resource }] },
    });
    // The closed run is now the last finished one.
    expect(opening.previous).toEqual({ runId: CRASHED, hash: closing.hash });
    expect(await verifyAuditRunIn(store, CRASHED, { now: NOW })).toMatchObject({ ok: true, status: "closed", closedBy: NEW, records: 3 });
  });

  test("leaves alone a run that may still be running", async () => {
    const store = new MemoryStateStore();
    await crashedRun(store);
    const opening = await open(store, { unfinishedAfterMs: 60 * MINUTE });
    expect(opening).toEqual({ closed: [], unknownOutcomes: [] });
    expect(store.records().some((r) => r.type === "run-closed")).toBe(false);
    expect(await verifyAuditRunIn(store, CRASHED, { now: NOW, unfinishedAfterMs: 60 * MINUTE })).toMatchObject({ ok: true, status: "in-progress" });
  });

  test("a run that reached its run-summary but lost its end marker gets the marker back, not a closing record", async () => {
    const store = new MemoryStateStore();
    await finishedRun(store);
    const endKey = store.markers()[0]!;
    store.objects.delete(endKey);
    const opening = await open(store);
    expect(opening.closed).toEqual([]);
    expect(opening.previous?.runId).toBe(EARLIER);
    expect(store.markers()).toEqual([endKey]);
  });

  test("two runs opening at once close a stopped run once: the closing seq has one writer", async () => {
    const store = new MemoryStateStore();
    await crashedRun(store);
    const [a, b] = await Promise.all([open(store), open(store, { runId: "20260501T120000Z-0000dddd" })]);
    expect([...a.closed, ...b.closed]).toHaveLength(1);
    expect(store.records().filter((r) => r.type === "run-closed")).toHaveLength(1);
    expect(await verifyAuditRunIn(store, CRASHED, { now: NOW })).toMatchObject({ ok: true, status: "closed" });
  });

  test("a closing record is not written where the stopped run wrote on after all", async () => {
    const store = new MemoryStateStore();
    await crashedRun(store);
    store.taken.add(2);
    const opening = await open(store);
    expect(opening.closed).toEqual([]);
    expect(store.records().some((r) => r.type === "run-closed")).toBe(false);
  });

  test("an unknown outcome a later run confirmed gone is settled", async () => {
    const store = new MemoryStateStore();
    await crashedRun(store);
    await open(store);
    const later = logOf(store, "20260501T121500Z-0000eeee");
    await later.append({ type: "run-start" });
    await later.append({ type: "confirmed-gone", resource, details: { unknownIn: { runId: CRASHED, seq: 1 } } });
    expect((await open(store, { runId: "20260501T123000Z-0000ffff" })).unknownOutcomes).toEqual([]);
  });

  test("an audit bucket that cannot be listed is a problem the run reports, not a reason to stop", async () => {
    const store = new MemoryStateStore();
    store.list = async () => {
      throw Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    };
    expect(await open(store)).toEqual({ closed: [], unknownOutcomes: [], problem: "the audit bucket could not be listed (AccessDenied: Access Denied)" });
  });

  test("looks back two days by default: a run from three days ago is not reopened", async () => {
    const store = new MemoryStateStore();
    await crashedRun(store, "20260428T120000Z-00001111");
    expect((await open(store)).closed).toEqual([]);
    expect((await open(store, { days: 4 })).closed).toHaveLength(1);
  });
});

/** EARLIER, finished; then NEW, whose run-start names EARLIER as the run before it. */
async function twoLinkedRuns(): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  await finishedRun(store);
  const opening = await open(store);
  const log = logOf(store, NEW);
  await log.append({ type: "run-start", details: { previous: opening.previous ?? null } });
  await log.append({ type: "run-summary" });
  return store;
}

describe("verifying the links between runs", () => {
  test("a run named as the one before another, but removed whole, is missing", async () => {
    const store = await twoLinkedRuns();
    for (const key of [...store.objects.keys()].filter((k) => k.includes(EARLIER))) store.objects.delete(key);

    const results = await verifyAuditIn(store, "audit/", { now: NOW });
    expect(results.map((r) => [r.runId, r.status])).toEqual([
      [EARLIER, "missing"],
      [NEW, "complete"],
    ]);
  });

  test("a finished run whose final record was replaced by a valid-looking one breaks the link", async () => {
    const store = await twoLinkedRuns();
    // Rewrite EARLIER's summary with a recomputed, self-consistent hash.
    const rewritten = new MemoryStateStore();
    const at = runIdStart(EARLIER)!;
    const forged = new AuditLog(rewritten, EARLIER, { startedAt: at, clock: () => at });
    await forged.append({ type: "run-start", details: { plan: {} } });
    await forged.append({ type: "run-summary", details: { totals: { forged: true } } });
    for (const [key, body] of rewritten.objects) store.objects.set(key, body);

    const results = await verifyAuditIn(store, "audit/", { now: NOW });
    expect(results.find((r) => r.runId === EARLIER)).toMatchObject({ ok: false, status: "broken", firstBroken: { problem: expect.stringMatching(/not the one run .* saw/) } });
  });
});
