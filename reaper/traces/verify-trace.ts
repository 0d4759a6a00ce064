import type { StateStore } from "../state/state-store";
import { hashTraceRecord, type TraceRecord, traceBatchOf, traceGenesisHash } from "./trace-record";
import { readLatestSeal, type SealRead, type TraceSeal } from "./trace-seal";
import { readTraceObjects } from "./trace-store";

/**
 * - `complete`: intact from the genesis hash, and holding the head the reaper last sealed (if it sealed one)
 * - `truncated`: intact, but shorter than what the reaper sealed: its tail was removed
 * - `broken`: a record altered, removed or reordered, a batch missing or stored twice, or the seal itself does not hold
 * - `empty`: no record, and none sealed
 */
export type TraceStatus = "complete" | "truncated" | "broken" | "empty";

export interface TraceVerification {
  readonly env: string;
  /** complete or empty. */
  readonly ok: boolean;
  readonly status: TraceStatus;
  /** Records and batches found intact from the start. */
  readonly records: number;
  readonly batches: number;
  /** The last intact record's hash. */
  readonly headHash?: string;
  /** The newest seal (null: the reaper never sealed this trace). */
  readonly seal: TraceSeal | null;
  /** The first place that does not hold: the record's seq when there is one, and the object's key. */
  readonly firstBroken?: { readonly seq?: number; readonly key?: string; readonly problem: string };
}

/** One stored object of the trace. */
export interface StoredTraceObject {
  readonly key: string;
  readonly body: string;
}

/** How far the chain held. */
interface Walk {
  readonly records: number;
  readonly batches: number;
  /** Each intact record's hash and batch key, by seq. */
  readonly hashes: readonly { readonly hash: string; readonly key: string }[];
  readonly firstBroken?: NonNullable<TraceVerification["firstBroken"]>;
}

/** `env`'s trace as stored (every object, one listing, a read each) against the newest seal (one listing, two reads). */
export async function verifyTrace(store: StateStore, env: string): Promise<TraceVerification> {
  const [objects, seal] = await Promise.all([readTraceObjects(store, env), readLatestSeal(store, env)]);
  return verifyTraceChain(env, objects, seal);
}

/**
 * Checks a trace: batches numbered 1, 2, ... with none missing; in them records with seqs
 * 0, 1, ... in order, each hash matching its content and each prevHash the record before's
 * (the environment's genesis hash for the first); then that it holds the newest seal's record
 * `records - 1` with the sealed hash. Pure: `objects` in any order.
 */
export function verifyTraceChain(env: string, objects: readonly StoredTraceObject[], seal: SealRead | undefined): TraceVerification {
  const walk = walkChain(env, objects);
  const sealed = seal?.ok === true ? seal.seal : null;
  const base = { env, records: walk.records, batches: walk.batches, seal: sealed, ...(walk.records === 0 ? {} : { headHash: walk.hashes[walk.records - 1]!.hash }) };
  const verdict = (status: TraceStatus, firstBroken?: TraceVerification["firstBroken"]): TraceVerification => ({
    ...base,
    ok: status === "complete" || status === "empty",
    status,
    ...(firstBroken === undefined ? {} : { firstBroken }),
  });
  if (walk.firstBroken !== undefined) return verdict("broken", walk.firstBroken);
  if (seal?.ok === false) return verdict("broken", { key: seal.key, problem: `the newest seal does not hold: ${seal.problem}` });
  if (sealed !== null && sealed.records > 0) {
    if (walk.records < sealed.records) {
      return verdict("truncated", {
        seq: walk.records,
        problem: `the reaper sealed ${sealed.records} record(s) (run ${sealed.runId}); only ${walk.records} are here: the tail was removed`,
      });
    }
    const at = walk.hashes[sealed.records - 1]!;
    if (at.hash !== sealed.headHash) {
      return verdict("broken", { seq: sealed.records - 1, key: at.key, problem: `is not the record the reaper sealed (run ${sealed.runId}): the trace was rewritten` });
    }
  }
  return verdict(walk.records === 0 ? "empty" : "complete");
}

/** The chain from the genesis hash, as far as it holds. */
function walkChain(env: string, objects: readonly StoredTraceObject[]): Walk {
  const hashes: { hash: string; key: string }[] = [];
  let prevHash = traceGenesisHash(env);
  let batches = 0;
  const order = (o: StoredTraceObject) => traceBatchOf(env, o.key) ?? -1;
  const stop = (problem: string, key: string, seq?: number): Walk => ({ records: hashes.length, batches, hashes, firstBroken: { seq: seq ?? hashes.length, key, problem } });
  for (const object of [...objects].sort((a, b) => order(a) - order(b))) {
    const n = traceBatchOf(env, object.key);
    if (n === undefined) return stop(`is not a batch of this trace (${env}'s batches are traces/${env}/<12 digits>.json)`, object.key);
    if (n !== batches + 1) return stop(`batch ${batches + 1} is missing (removed): the records after record ${hashes.length - 1} are not all there`, object.key);
    const records = batchRecords(env, n, object.body);
    if (typeof records === "string") return stop(records, object.key);
    for (const record of records) {
      const problem = recordProblem(env, record, hashes.length, prevHash);
      if (problem !== undefined) return stop(problem, object.key);
      hashes.push({ hash: record.hash, key: object.key });
      prevHash = record.hash;
    }
    batches = n;
  }
  return { records: hashes.length, batches, hashes };
}

/** The records of batch `n`, or what is wrong with it. */
function batchRecords(env: string, n: number, body: string): readonly TraceRecord[] | string {
  let value: { v?: unknown; env?: unknown; batch?: unknown; records?: unknown };
  try {
    value = JSON.parse(body) as typeof value;
  } catch {
    return `is not JSON (altered)`;
  }
  if (typeof value !== "object" || value === null || value.env !== env || value.batch !== n) return `is not batch ${n} of ${env}'s trace (altered, or moved from elsewhere)`;
  if (!Array.isArray(value.records) || value.records.length === 0) return "holds no records (altered)";
  return value.records as TraceRecord[];
}

/** What is wrong with the record found where record `seq` should be, after `prevHash`. */
function recordProblem(env: string, record: TraceRecord, seq: number, prevHash: string): string | undefined {
  if (typeof record !== "object" || record === null || typeof record.seq !== "number" || typeof record.hash !== "string") return `record ${seq} is not a trace record (fields missing)`;
  if (record.seq < seq) return `record ${record.seq} appears again where record ${seq} should be (stored twice, or reordered)`;
  if (record.seq > seq) return `record ${seq} is missing: record ${record.seq} is where it should be (removed, or reordered)`;
  if (record.env !== env) return `record ${seq} belongs to ${JSON.stringify(record.env)}'s trace`;
  if (hashTraceRecord(record) !== record.hash) return `record ${seq}'s hash does not match its content (altered)`;
  if (record.prevHash !== prevHash) {
    return seq === 0 ? "record 0 does not start from this environment's genesis hash" : `record ${seq}'s prevHash is not record ${seq - 1}'s hash (a record before it was altered, removed or reordered)`;
  }
  return undefined;
}
