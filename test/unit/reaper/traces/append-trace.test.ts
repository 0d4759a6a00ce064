import { appendTrace, nextBatch, TraceContentionError } from "../../../../reaper/traces/append-trace";
import { MAX_BATCH_BYTES, traceBatchKey, type TraceEntry, traceGenesisHash } from "../../../../reaper/traces/trace-record";
import { readTrace, readTraceHead } from "../../../../reaper/traces/trace-store";
import { verifyTraceChain } from "../../../../reaper/traces/verify-trace";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const entries = (n: number, from = 0, size = 10): TraceEntry[] =>
  Array.from({ length: n }, (_, i) => ({ time: "2026-05-01T12:00:00.000Z", agent: "planner", data: { i: from + i, pad: "x".repeat(size) } }));
const noWait = { sleep: async () => undefined };
const objects = (store: MemoryStateStore) => [...store.objects].filter(([k]) => k.startsWith("traces/")).map(([key, body]) => ({ key, body }));

describe("appendTrace", () => {
  test("a burst of 1,000 small records is two batches of 500: one listing (no head yet to read) and two writes", async () => {
    const store = new MemoryStateStore();
    const result = await appendTrace(store, "pr-1", entries(1000), noWait);
    expect(result).toMatchObject({ records: 1000, firstSeq: 0, lastSeq: 999, retries: 0 });
    expect(result.batches.map((b) => [b.batch, b.firstSeq, b.records])).toEqual([[1, 0, 500], [2, 500, 500]]);
    expect(store.requests).toEqual({ list: 1, get: 0, put: 2 });
    expect(verifyTraceChain("pr-1", objects(store), undefined)).toMatchObject({ status: "complete", records: 1000, batches: 2, headHash: result.headHash });
  });

  test("the next append chains on the head in one listing and one read, across batches", async () => {
    const store = new MemoryStateStore();
    await appendTrace(store, "pr-1", entries(3), noWait);
    const before = { ...store.requests };
    const second = await appendTrace(store, "pr-1", entries(2, 3), noWait);
    expect({ list: store.requests.list - before.list, get: store.requests.get - before.get, put: store.requests.put - before.put }).toEqual({ list: 1, get: 1, put: 1 });
    expect(second).toMatchObject({ firstSeq: 3, lastSeq: 4, batches: [{ batch: 2, key: traceBatchKey("pr-1", 2), firstSeq: 3, records: 2 }] });
    const batches = await readTrace(store, "pr-1");
    expect(batches[1]!.records[0]!.prevHash).toBe(batches[0]!.records[2]!.hash);
    expect(batches[0]!.records[0]!.prevHash).toBe(traceGenesisHash("pr-1"));
  });

  test("a batch stays under 1 MiB: large records make smaller batches", async () => {
    const store = new MemoryStateStore();
    const result = await appendTrace(store, "pr-1", entries(40, 0, 60_000), noWait);
    expect(result.batches.length).toBeGreaterThan(2);
    for (const key of result.batches.map((b) => b.key)) expect(Buffer.byteLength(store.objects.get(key)!)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(result.batches.reduce((n, b) => n + b.records, 0)).toBe(40);
  });

  test("concurrent appenders both land, in one chain: the one that lost re-reads the head and chains again", async () => {
    const store = new MemoryStateStore();
    const [a, b] = await Promise.all([appendTrace(store, "pr-1", entries(3, 0), noWait), appendTrace(store, "pr-1", entries(3, 100), noWait)]);
    expect(a.retries + b.retries).toBeGreaterThanOrEqual(1);
    expect([a.firstSeq, b.firstSeq].sort()).toEqual([0, 3]);
    const verdict = verifyTraceChain("pr-1", objects(store), undefined);
    expect(verdict).toMatchObject({ status: "complete", records: 6, batches: 2 });
  });

  test("a batch whose answer was lost after it landed counts as written: nothing is written twice, and the chain goes on from it", async () => {
    const store = new MemoryStateStore();
    const realPut = store.put.bind(store);
    let lost = 0;
    store.put = async (key, body, options) => {
      const out = await realPut(key, body, options);
      // The first batch lands, then its answer is lost (a reset after S3 stored it).
      if (key.startsWith("traces/") && lost++ === 0) throw Object.assign(new Error("socket hang up"), { name: "ECONNRESET" });
      return out;
    };
    const result = await appendTrace(store, "pr-1", entries(600), noWait);
    expect(result).toMatchObject({ records: 600, firstSeq: 0, lastSeq: 599, retries: 0 });
    expect(result.batches.map((b) => [b.batch, b.records])).toEqual([[1, 500], [2, 100]]);
    expect(objects(store)).toHaveLength(2);
    expect(verifyTraceChain("pr-1", objects(store), undefined)).toMatchObject({ status: "complete", records: 600, batches: 2 });
  });

  test("an appender that loses every try stops with a clear error and writes nothing more", async () => {
    const store = new MemoryStateStore();
    // Every batch key is taken by someone else before this appender gets to it.
    const realPut = store.put.bind(store);
    store.put = async (key, body, options) => {
      if (key.startsWith("traces/") && !store.objects.has(key)) await realPut(key, JSON.stringify(nextBatch("pr-1", await readTraceHead(store, "pr-1"), entries(1, 900))), {});
      return realPut(key, body, options);
    };
    const failure = appendTrace(store, "pr-1", entries(2), { ...noWait, attempts: 3 });
    await expect(failure).rejects.toThrow(TraceContentionError);
    await expect(failure).rejects.toThrow("3 batches of pr-1's trace were taken by other appenders first; 0 of the records were written");
  });

  test("a newest object that is not a batch stops the append before it writes", async () => {
    const store = new MemoryStateStore();
    store.objects.set(traceBatchKey("pr-1", 1), "{not json");
    await expect(appendTrace(store, "pr-1", entries(1), noWait)).rejects.toThrow(/is not JSON; run ephemera trace verify pr-1/);
    expect(store.requests.put).toBe(0);
  });
});
