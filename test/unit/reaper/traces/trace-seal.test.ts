import { AuditLog } from "../../../../reaper/audit/audit-log";
import { verifyAuditRunIn } from "../../../../reaper/audit/verify-audit";
import { appendTrace } from "../../../../reaper/traces/append-trace";
import { readLatestSeal, sealTrace, traceSealKey } from "../../../../reaper/traces/trace-seal";
import { verifyTrace } from "../../../../reaper/traces/verify-trace";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const NOW = new Date("2026-05-01T12:00:00.000Z");
const RUN = "20260501T120000Z-0000abcd";
const entry = (i: number) => ({ time: NOW.toISOString(), agent: "planner", data: { i } });

async function sealedRun(store: MemoryStateStore, env = "pr-1") {
  const audit = new AuditLog(store, RUN, { startedAt: NOW, clock: () => NOW });
  await audit.append({ type: "run-start", details: { plan: {}, previous: null } });
  const seal = await sealTrace(store, env, audit, () => NOW);
  await audit.append({ type: "run-summary", details: {} });
  return seal;
}

describe("sealTrace", () => {
  test("records the trace's head in the run's chain and points to it from trace-seals/<env>/; the run still verifies", async () => {
    const store = new MemoryStateStore();
    const appended = await appendTrace(store, "pr-1", [entry(0), entry(1)]);
    const seal = await sealedRun(store);
    expect(seal).toEqual({ runId: RUN, auditKey: "audit/2026/05/01/20260501T120000Z-0000abcd/000001.json", seq: 1, records: 2, headHash: appended.headHash });
    expect(JSON.parse(store.objects.get(seal.auditKey)!)).toMatchObject({ type: "trace-sealed", env: "pr-1", details: { records: 2, headHash: appended.headHash, lastBatchKey: appended.batches[0]!.key } });
    expect(JSON.parse(store.objects.get(traceSealKey("pr-1", NOW, RUN))!)).toEqual(seal);
    expect(await verifyAuditRunIn(store, RUN, { now: NOW })).toMatchObject({ ok: true, status: "complete", records: 3 });
    expect(await readLatestSeal(store, "pr-1")).toEqual({ ok: true, key: traceSealKey("pr-1", NOW, RUN), seal });
  });

  test("an environment with no trace is sealed with head null; its trace verifies empty", async () => {
    const store = new MemoryStateStore();
    const seal = await sealedRun(store);
    expect(seal).toMatchObject({ records: 0, headHash: null });
    expect(JSON.parse(store.objects.get(seal.auditKey)!).details).toEqual({ head: null });
    expect(await verifyTrace(store, "pr-1")).toMatchObject({ ok: true, status: "empty", seal });
  });

  test("a seal whose audit record was altered, or that points to another record, does not hold", async () => {
    const store = new MemoryStateStore();
    await appendTrace(store, "pr-1", [entry(0)]);
    const seal = await sealedRun(store);
    const record = JSON.parse(store.objects.get(seal.auditKey)!);
    store.objects.set(seal.auditKey, JSON.stringify({ ...record, details: { ...record.details, records: 0 } }));
    expect(await readLatestSeal(store, "pr-1")).toMatchObject({ ok: false, problem: `its audit record ${seal.auditKey} does not match its own hash (altered)` });
    store.objects.set(seal.auditKey, JSON.stringify(record));
    store.objects.set(traceSealKey("pr-1", NOW, RUN), JSON.stringify({ ...seal, auditKey: seal.auditKey.replace("000001", "000000") }));
    expect(await readLatestSeal(store, "pr-1")).toMatchObject({ ok: false, problem: expect.stringMatching(/is a run-start record, not pr-1's trace seal$/) });
    expect(await verifyTrace(store, "pr-1")).toMatchObject({ ok: false, status: "broken" });
  });

  test("an append racing the seal (the agent still writing while its environment is reaped) either is sealed or follows the seal: the trace verifies complete", async () => {
    const store = new MemoryStateStore();
    await appendTrace(store, "pr-1", [entry(0)]);
    const [, seal] = await Promise.all([appendTrace(store, "pr-1", [entry(1), entry(2)]), sealedRun(store)]);
    await appendTrace(store, "pr-1", [entry(3)]);
    expect([1, 3]).toContain(seal.records);
    expect(await verifyTrace(store, "pr-1")).toMatchObject({ ok: true, status: "complete", records: 4, seal });
  });

  test("the newest seal is found in one listing: a later one lists first", async () => {
    const store = new MemoryStateStore();
    await sealedRun(store);
    const later = new Date(NOW.getTime() + 60_000);
    const audit = new AuditLog(store, "20260501T120100Z-0000beef", { startedAt: later, clock: () => later });
    await audit.append({ type: "run-start", details: {} });
    await appendTrace(store, "pr-1", [entry(0)]);
    const seal = await sealTrace(store, "pr-1", audit, () => later);
    const listsBefore = store.requests.list;
    expect(await readLatestSeal(store, "pr-1")).toMatchObject({ ok: true, seal });
    expect(store.requests.list - listsBefore).toBe(1);
  });
});
