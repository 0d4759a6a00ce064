import { tracePrefix } from "../model";
import { mapWithLimit } from "../support/map-with-limit";
import type { StateStore, StoredKey } from "../state/state-store";
import { type TraceBatch, type TraceRecord, traceBatchOf } from "./trace-record";

/** The newest record of a trace, as the next append chains on it. */
export interface TraceHead {
  /** The newest batch: its number and key. */
  readonly batch: number;
  readonly key: string;
  /** Records in the trace: the next record's seq. */
  readonly records: number;
  /** The newest record's hash: the next record's prevHash. */
  readonly headHash: string;
}

/** One stored batch of a trace, as read back. */
export interface StoredTraceBatch extends TraceBatch {
  readonly key: string;
  /** When S3 wrote it (its LastModified, S3's clock). */
  readonly writtenAt?: Date;
}

/** Batches read at once. */
const READ_CONCURRENCY = 8;

/**
 * The trace's head in two requests however long the trace: one listing of one key (the
 * batch keys count down, so the newest lists first) and one read. Undefined for a trace
 * never written. Rejects when the newest object is not a well-formed batch: appending after
 * it would chain on something `trace verify` cannot vouch for.
 */
export async function readTraceHead(store: StateStore, env: string): Promise<TraceHead | undefined> {
  const listing = await store.scan(tracePrefix(env), { limit: 1 });
  const newest = listing.keys[0];
  if (newest === undefined) return undefined;
  const batch = parseTraceBatch(env, newest.key, await store.get(newest.key));
  const last = batch.records[batch.records.length - 1]!;
  return { batch: batch.batch, key: newest.key, records: last.seq + 1, headHash: last.hash };
}

/** Every key under the trace's prefix with its write time, oldest batch first (non-batch keys last). */
export async function listTraceKeys(store: StateStore, env: string): Promise<StoredKey[]> {
  const prefix = tracePrefix(env);
  const keys: StoredKey[] = [];
  for (let startAfter: string | undefined; ; ) {
    const page = await store.scan(prefix, startAfter === undefined ? {} : { startAfter });
    keys.push(...page.keys);
    if (page.keys.length < 1000) break;
    startAfter = page.keys[page.keys.length - 1]!.key;
  }
  const order = (k: StoredKey) => traceBatchOf(env, k.key) ?? Number.MAX_SAFE_INTEGER;
  return keys.sort((a, b) => order(a) - order(b));
}

/** Every object of the trace: its key, write time and body, oldest batch first. */
export async function readTraceObjects(store: StateStore, env: string): Promise<(StoredKey & { readonly body: string })[]> {
  const keys = await listTraceKeys(store, env);
  return mapWithLimit(keys, READ_CONCURRENCY, async (k) => ({ ...k, body: await store.get(k.key) }));
}

/** The trace's batches, oldest first; rejects on an object that is not a well-formed batch (`trace verify` says which). */
export async function readTrace(store: StateStore, env: string): Promise<StoredTraceBatch[]> {
  const objects = await readTraceObjects(store, env);
  return objects.map((o) => ({ ...parseTraceBatch(env, o.key, o.body), key: o.key, ...(o.writtenAt === undefined ? {} : { writtenAt: o.writtenAt }) }));
}

/** A batch's body, checked for its shape (not its chain: see verifyTraceChain). */
export function parseTraceBatch(env: string, key: string, body: string): TraceBatch {
  const bad = (problem: string) => new Error(`${key} ${problem}; run ephemera trace verify ${env}`);
  const n = traceBatchOf(env, key);
  if (n === undefined) throw bad("is not a batch key of this trace");
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw bad("is not JSON");
  }
  const batch = value as Partial<TraceBatch>;
  if (typeof value !== "object" || value === null || batch.batch !== n || batch.env !== env || !Array.isArray(batch.records) || batch.records.length === 0) {
    throw bad(`is not batch ${n} of ${env}'s trace`);
  }
  if (!batch.records.every(isRecordShaped)) throw bad("holds a record with fields missing");
  return batch as TraceBatch;
}

function isRecordShaped(value: unknown): value is TraceRecord {
  const r = value as Partial<TraceRecord>;
  return typeof value === "object" && value !== null && typeof r.seq === "number" && typeof r.hash === "string" && typeof r.prevHash === "string";
}
