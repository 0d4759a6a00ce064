import { AuditLog } from "../../../reaper/audit/audit-log";
import { auditKey, auditRunPrefix, parseAuditKey, parseAuditMarker } from "../../../reaper/audit/audit-key";
import { genesisHash, hashRecord } from "../../../reaper/audit/audit-record";
import { canonicalJson } from "../../../reaper/audit/canonical-json";
import { isUsableRunId, newRunId, runIdStart } from "../../../reaper/audit/run-id";
import { verifyAuditChain } from "../../../reaper/audit/verify-audit-chain";
import { verifyAuditIn, verifyAuditRunIn } from "../../../reaper/audit/verify-audit";
import { MemoryStateStore } from "../../support/reaper-fakes";
import { NOW } from "../../support/reaper-fixtures";

const RUN_ID = "20260501T120000Z-0123abcd";

/** A closed run of five records: run-start, two actions (before/after), run-summary. */
async function writtenRun(store = new MemoryStateStore(), runId = RUN_ID) {
  const log = new AuditLog(store, runId, { startedAt: NOW, clock: () => NOW });
  await log.append({ type: "run-start", details: { plan: { version: 1 } } });
  const resource = { kind: "rds-instance", id: "pr-1-db", region: "us-east-1" };
  await log.append({ type: "action", env: "pr-1", resource, action: "delete", step: "database", reason: "expired", phase: "before", outcome: "pending" });
  await log.append({ type: "action", env: "pr-1", resource, action: "delete", step: "database", reason: "expired", phase: "after", outcome: "done", requestId: "r-1" });
  await log.append({ type: "run-summary", details: { totals: {} } });
  return store;
}

/** The key of record `seq` of a run in the store (keys name each record's kind and hash). */
const keyIn = (store: MemoryStateStore, seq: number, runId = RUN_ID) => [...store.objects.keys()].find((k) => parseAuditKey(k)?.runId === runId && parseAuditKey(k)?.seq === seq)!;
const objects = (store: MemoryStateStore) => [...store.objects].filter(([key]) => parseAuditKey(key) !== undefined).map(([key, body]) => ({ key, body }));

describe("audit records", () => {
  test("are stored under audit/<yyyy>/<mm>/<dd>/<run-id>/<seq>.json, and the run's end is marked beside them", async () => {
    const store = await writtenRun();
    const records = store.records() as { hash: string; seq: number }[];
    expect([...store.objects.keys()].sort()).toEqual([...[0, 1, 2, 3].map((n) => `audit/2026/05/01/${RUN_ID}/00000${n}.json`), `audit/2026/05/01/${RUN_ID}/end.json`]);
    expect(parseAuditKey(keyIn(store, 3))).toEqual({ runId: RUN_ID, seq: 3 });
    expect(parseAuditKey(`audit/2026/05/01/${RUN_ID}/end.json`)).toBeUndefined();
    expect(parseAuditMarker(`audit/2026/05/01/${RUN_ID}/end.json`)).toEqual({ marker: "end", runId: RUN_ID });
    expect(JSON.parse(store.objects.get(`audit/2026/05/01/${RUN_ID}/end.json`)!)).toEqual({ seq: 3, type: "run-summary", hash: records.find((r) => r.seq === 3)!.hash });
    expect(parseAuditKey("audit/2026/05/01/x.json")).toBeUndefined();
    expect(auditRunPrefix(RUN_ID, NOW)).toBe(`audit/2026/05/01/${RUN_ID}/`);
  });

  test("an action of unknown outcome is marked beside the records with its resource, for a later run to reconcile", async () => {
    const store = new MemoryStateStore();
    const log = new AuditLog(store, RUN_ID, { startedAt: NOW, clock: () => NOW });
    await log.append({ type: "run-start" });
    const resource = { kind: "k8s-namespace", id: "shared/env-pr-1" };
    await log.append({ type: "action", env: "pr-1", resource, action: "delete", phase: "after", outcome: "unknown" });
    const key = `audit/2026/05/01/${RUN_ID}/unknown-000001.json`;
    expect(parseAuditMarker(key)).toEqual({ marker: "unknown", runId: RUN_ID, seq: 1 });
    expect(JSON.parse(store.objects.get(key)!)).toEqual({ env: "pr-1", resource, action: "delete" });
  });

  test("a record is written only where no object is yet: a taken key stops the chain, it is never overwritten", async () => {
    const store = new MemoryStateStore();
    const log = new AuditLog(store, RUN_ID, { startedAt: NOW, clock: () => NOW });
    await log.append({ type: "run-start" });
    store.taken.add(1);
    await expect(log.append({ type: "action", reason: "late" })).rejects.toMatchObject({ name: "PreconditionFailed" });
    expect(store.objects.size).toBe(1);
  });

  test("carry run id, seq, time, prevHash and a hash over everything else", async () => {
    const store = await writtenRun();
    const [first, second] = store.records() as { prevHash: string; hash: string; seq: number; runId: string; time: string }[];
    expect(first).toMatchObject({ v: 1, runId: RUN_ID, seq: 0, time: NOW.toISOString(), prevHash: genesisHash(RUN_ID) });
    expect(second!.prevHash).toBe(first!.hash);
    expect(hashRecord(second as never)).toBe(second!.hash);
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("the genesis hash differs for every run, so records cannot be moved between runs", () => {
    expect(genesisHash("run-a")).not.toBe(genesisHash("run-b"));
  });

  test("canonical JSON sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: undefined } })).toBe('{"a":{"d":[1,{"y":null,"z":true}]},"b":1}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });

  test("a failed write does not advance the chain: the next record takes its place", async () => {
    const store = new MemoryStateStore();
    const log = new AuditLog(store, RUN_ID, { startedAt: NOW });
    await log.append({ type: "run-start" });
    store.failWhen = () => true;
    await expect(log.append({ type: "action", reason: "lost" })).rejects.toThrow("unavailable");
    store.failWhen = () => false;
    await log.append({ type: "run-summary" });
    expect(log.length).toBe(2);
    expect(await verifyAuditRunIn(store, RUN_ID)).toEqual({ runId: RUN_ID, ok: true, status: "complete", records: 2, finalHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("concurrent appends are chained one after another", async () => {
    const store = new MemoryStateStore();
    const log = new AuditLog(store, RUN_ID, { startedAt: NOW });
    await log.append({ type: "run-start" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append({ type: "action", reason: `r${i}` })));
    await log.append({ type: "run-summary" });
    expect(await verifyAuditRunIn(store, RUN_ID)).toMatchObject({ ok: true, records: 22 });
  });

  test("a run id must be usable as one S3 key segment", () => {
    expect(() => new AuditLog(new MemoryStateStore(), "../escape", { startedAt: NOW })).toThrow("cannot be used");
    expect(isUsableRunId(newRunId(NOW))).toBe(true);
  });

  test("a run id made by newRunId says when the run started", () => {
    const id = newRunId(new Date("2026-05-01T12:34:56.789Z"), "deadbeef");
    expect(id).toBe("20260501T123456Z-deadbeef");
    expect(runIdStart(id)).toEqual(new Date("2026-05-01T12:34:56Z"));
    expect(runIdStart("hand-made")).toBeUndefined();
  });
});

describe("verifying a run's chain", () => {
  test("an intact chain verifies", async () => {
    expect(verifyAuditChain(RUN_ID, objects(await writtenRun()))).toEqual({ runId: RUN_ID, ok: true, status: "complete", records: 4, finalHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("an altered record is detected at that record", async () => {
    const store = await writtenRun();
    store.objects.set(keyIn(store, 2), store.objects.get(keyIn(store, 2))!.replace('"outcome":"done"', '"outcome":"failed"'));
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken).toEqual({ seq: 2, key: keyIn(store, 2), problem: expect.stringContaining("altered") });
  });

  test("an altered record whose hash was recomputed is detected at the next record", async () => {
    const store = await writtenRun();
    const record = JSON.parse(store.objects.get(keyIn(store, 1))!);
    record.reason = "nothing to see";
    record.hash = hashRecord(record);
    store.objects.set(keyIn(store, 1), JSON.stringify(record));
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken).toMatchObject({ seq: 2, problem: expect.stringContaining("prevHash") });
  });

  test("a deleted record in the middle is detected", async () => {
    const store = await writtenRun();
    store.objects.delete(keyIn(store, 1));
    expect(verifyAuditChain(RUN_ID, objects(store))).toMatchObject({ ok: false, firstBroken: { seq: 1, problem: "record 1 is missing" } });
  });

  test("a deleted last record (the run summary) is detected", async () => {
    const store = await writtenRun();
    store.objects.delete(keyIn(store, 3));
    expect(verifyAuditChain(RUN_ID, objects(store))).toMatchObject({ ok: false, firstBroken: { seq: 3, problem: expect.stringContaining("no run-summary") } });
  });

  test("a deleted tail is detected", async () => {
    const store = await writtenRun();
    store.objects.delete(keyIn(store, 3));
    store.objects.delete(keyIn(store, 2));
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken?.problem).toMatch(/tail was removed/);
  });

  test("reordered records are detected", async () => {
    const store = await writtenRun();
    const [one, two] = [store.objects.get(keyIn(store, 1))!, store.objects.get(keyIn(store, 2))!];
    store.objects.set(keyIn(store, 1), two);
    store.objects.set(keyIn(store, 2), one);
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken).toMatchObject({ seq: 1, problem: expect.stringContaining("reordered") });
  });

  test("a record appended after the run summary is detected", async () => {
    const store = await writtenRun();
    const summary = JSON.parse(store.objects.get(keyIn(store, 3))!);
    const extra = { ...summary, seq: 4, prevHash: summary.hash, type: "action", reason: "late" };
    extra.hash = hashRecord(extra);
    store.objects.set(auditKey(RUN_ID, NOW, 4), JSON.stringify(extra));
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken).toMatchObject({ seq: 4, problem: expect.stringContaining("after the run closed") });
  });

  test("a record copied in from another run is detected", async () => {
    const other = await writtenRun(new MemoryStateStore(), "20260501T120000Z-ffffffff");
    const store = await writtenRun();
    store.objects.set(keyIn(store, 1), [...other.objects.values()][1]!);
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken).toMatchObject({ seq: 1, problem: expect.stringContaining("belongs to run") });
  });

  test("a record that is not JSON is detected", async () => {
    const store = await writtenRun();
    store.objects.set(keyIn(store, 0), "garbage");
    expect(verifyAuditChain(RUN_ID, objects(store)).firstBroken).toMatchObject({ seq: 0, problem: expect.stringContaining("not an audit record") });
  });

  test("a run with no records does not verify", () => {
    expect(verifyAuditChain(RUN_ID, [])).toMatchObject({ ok: false, firstBroken: { seq: 0 } });
  });

  test("verifyAudit checks every run under a prefix and says which one is broken", async () => {
    const store = await writtenRun();
    await writtenRun(store, "20260501T130000Z-00000002");
    store.objects.delete(keyIn(store, 1, "20260501T130000Z-00000002"));
    const results = await verifyAuditIn(store, "audit/2026/05/01/");
    expect(results.map((r) => [r.runId, r.ok])).toEqual([
      [RUN_ID, true],
      ["20260501T130000Z-00000002", false],
    ]);
  });

  test("a run id not made by newRunId is found by searching every day", async () => {
    const store = await writtenRun(new MemoryStateStore(), "manual-run-1");
    expect(await verifyAuditRunIn(store, "manual-run-1")).toMatchObject({ ok: true, records: 4 });
  });
});
