import { appendTrace } from "../../../../reaper/traces/append-trace";
import { traceBatchKey, type TraceEntry } from "../../../../reaper/traces/trace-record";
import type { SealRead } from "../../../../reaper/traces/trace-seal";
import { verifyTraceChain } from "../../../../reaper/traces/verify-trace";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const entries = (n: number, from: number): TraceEntry[] => Array.from({ length: n }, (_, i) => ({ time: "2026-05-01T12:00:00.000Z", agent: "planner", data: { i: from + i } }));

/** Three appends of two records: batches 1, 2, 3 holding records 0-1, 2-3, 4-5. */
async function sixRecords(): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  for (const from of [0, 2, 4]) await appendTrace(store, "pr-1", entries(2, from));
  return store;
}
const objects = (store: MemoryStateStore) => [...store.objects].filter(([k]) => k.startsWith("traces/")).map(([key, body]) => ({ key, body }));
const B = (n: number) => traceBatchKey("pr-1", n);
/** Rewrites batch `n`'s body through `change`. */
function tamper(store: MemoryStateStore, n: number, change: (batch: { batch: number; records: Record<string, unknown>[] }) => unknown): void {
  store.objects.set(B(n), JSON.stringify(change(JSON.parse(store.objects.get(B(n))!))));
}
const sealOf = (records: number, headHash: string | null): SealRead => ({ ok: true, key: "trace-seals/pr-1/x.json", seal: { runId: "run-1", auditKey: "audit/k", seq: 3, records, headHash } });
const headOf = (store: MemoryStateStore, seq: number) => {
  const all = [1, 2, 3].flatMap((n) => (store.objects.has(B(n)) ? (JSON.parse(store.objects.get(B(n))!) as { records: { seq: number; hash: string }[] }).records : []));
  return all.find((r) => r.seq === seq)!.hash;
};

describe("verifyTraceChain", () => {
  test("an untouched trace is complete; no trace is empty", async () => {
    const store = await sixRecords();
    expect(verifyTraceChain("pr-1", objects(store), undefined)).toMatchObject({ ok: true, status: "complete", records: 6, batches: 3, seal: null });
    expect(verifyTraceChain("pr-1", [], undefined)).toMatchObject({ ok: true, status: "empty", records: 0 });
  });

  test("an altered record is broken at its seq and batch", async () => {
    const store = await sixRecords();
    tamper(store, 2, (b) => ({ ...b, records: [{ ...b.records[0], data: { i: 99 } }, b.records[1]] }));
    expect(verifyTraceChain("pr-1", objects(store), undefined)).toMatchObject({
      ok: false,
      status: "broken",
      records: 2,
      firstBroken: { seq: 2, key: B(2), problem: "record 2's hash does not match its content (altered)" },
    });
  });

  test("a removed record, and two records swapped, are broken where the first is missing", async () => {
    const removed = await sixRecords();
    tamper(removed, 2, (b) => ({ ...b, records: [b.records[1]] }));
    expect(verifyTraceChain("pr-1", objects(removed), undefined).firstBroken).toEqual({ seq: 2, key: B(2), problem: "record 2 is missing: record 3 is where it should be (removed, or reordered)" });
    const swapped = await sixRecords();
    tamper(swapped, 3, (b) => ({ ...b, records: [b.records[1], b.records[0]] }));
    expect(verifyTraceChain("pr-1", objects(swapped), undefined)).toMatchObject({ status: "broken", firstBroken: { seq: 4, key: B(3) } });
  });

  test("a removed batch is broken at the batch after the gap; a batch stored twice at its first repeated record", async () => {
    const gap = await sixRecords();
    gap.objects.delete(B(2));
    expect(verifyTraceChain("pr-1", objects(gap), undefined)).toMatchObject({ status: "broken", firstBroken: { seq: 2, key: B(3), problem: expect.stringMatching(/^batch 2 is missing \(removed\)/) } });
    const twice = await sixRecords();
    tamper(twice, 3, () => ({ ...JSON.parse(twice.objects.get(B(2))!), batch: 3 }));
    expect(verifyTraceChain("pr-1", objects(twice), undefined).firstBroken).toEqual({ seq: 4, key: B(3), problem: "record 2 appears again where record 4 should be (stored twice, or reordered)" });
  });

  test("a removed tail cannot be told without a seal; with one it is truncated, naming the first missing seq", async () => {
    const store = await sixRecords();
    const sealed = sealOf(6, headOf(store, 5));
    expect(verifyTraceChain("pr-1", objects(store), sealed)).toMatchObject({ ok: true, status: "complete" });
    store.objects.delete(B(3));
    expect(verifyTraceChain("pr-1", objects(store), undefined)).toMatchObject({ ok: true, status: "complete", records: 4 });
    expect(verifyTraceChain("pr-1", objects(store), sealed)).toMatchObject({ ok: false, status: "truncated", records: 4, firstBroken: { seq: 4, problem: expect.stringContaining("the reaper sealed 6 record(s) (run run-1); only 4 are here") } });
  });

  test("records appended after the seal keep it complete; a tail removed and written again is broken at the sealed record", async () => {
    const store = await sixRecords();
    const sealed = sealOf(6, headOf(store, 5));
    await appendTrace(store, "pr-1", entries(1, 6));
    expect(verifyTraceChain("pr-1", objects(store), sealed)).toMatchObject({ status: "complete", records: 7 });
    store.objects.delete(traceBatchKey("pr-1", 4));
    store.objects.delete(B(3));
    await appendTrace(store, "pr-1", entries(2, 40));
    expect(verifyTraceChain("pr-1", objects(store), sealed)).toMatchObject({ status: "broken", records: 6, firstBroken: { seq: 5, key: B(3), problem: expect.stringMatching(/^is not the record the reaper sealed/) } });
  });

  test("a seal that does not hold is broken, naming the seal", async () => {
    const store = await sixRecords();
    expect(verifyTraceChain("pr-1", objects(store), { ok: false, key: "trace-seals/pr-1/x.json", problem: "its audit record audit/k does not match its own hash (altered)" })).toMatchObject({
      status: "broken",
      firstBroken: { key: "trace-seals/pr-1/x.json", problem: "the newest seal does not hold: its audit record audit/k does not match its own hash (altered)" },
    });
  });

  test("an object that is not a batch key, or a batch of another environment, is broken", async () => {
    const store = await sixRecords();
    store.objects.set("traces/pr-1/notes.txt", "hello");
    expect(verifyTraceChain("pr-1", objects(store), undefined)).toMatchObject({ status: "broken", firstBroken: { key: "traces/pr-1/notes.txt" } });
    const moved = await sixRecords();
    tamper(moved, 1, (b) => ({ ...b, env: "pr-2" }));
    expect(verifyTraceChain("pr-1", objects(moved), undefined).firstBroken).toMatchObject({ seq: 0, key: B(1), problem: expect.stringMatching(/^is not batch 1 of pr-1's trace/) });
  });
});
