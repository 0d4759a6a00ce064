import { backoffMs } from "../state/compare-and-set";
import { putIfAbsent } from "../state/put-if-absent";
import type { StateStore } from "../state/state-store";
import {
  chainTraceRecord,
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  type TraceBatch,
  traceBatchKey,
  type TraceEntry,
  type TraceRecord,
  traceGenesisHash,
  utf8Bytes,
} from "./trace-record";
import { readTraceHead, type TraceHead } from "./trace-store";

export interface AppendTraceOptions {
  /** Batches another appender took first, at most, before giving up. @default 10 */
  readonly attempts?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/** One batch an append wrote. */
export interface WrittenBatch {
  readonly batch: number;
  readonly key: string;
  readonly firstSeq: number;
  readonly records: number;
}

export interface AppendTraceResult {
  readonly env: string;
  /** Records written, and the seqs they took. */
  readonly records: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly batches: readonly WrittenBatch[];
  /** The trace's head after this append: its newest record's hash. */
  readonly headHash: string;
  /** Batches another appender wrote first, on which this one chained again. */
  readonly retries: number;
}

/** Every try lost to concurrent appenders: nothing more was written (the batches in `written` were). */
export class TraceContentionError extends Error {
  override readonly name = "TraceContention";
  constructor(
    env: string,
    attempts: number,
    readonly written: readonly WrittenBatch[],
  ) {
    const landed = written.reduce((n, b) => n + b.records, 0);
    super(`${attempts} batches of ${env}'s trace were taken by other appenders first; ${landed} of the records were written, the rest not: try the rest again`);
  }
}

/**
 * Appends `entries` (already checked: see parseTraceLines) to `env`'s trace, in order,
 * chained on its head: a batch of up to 500 records and 1 MiB per write-once object, so a
 * burst costs one listing, one read and one write per batch. When another appender wrote
 * the batch first, the head is read again and the rest chained on it (new seqs and
 * prevHash), up to `attempts` times, with a growing random wait so rivals do not collide in
 * step. Each batch is whole or absent; the chain never forks, because each batch number
 * has one writer (putIfAbsent).
 */
export async function appendTrace(store: StateStore, env: string, entries: readonly TraceEntry[], options: AppendTraceOptions = {}): Promise<AppendTraceResult> {
  if (entries.length === 0) throw new Error("nothing to append: no records");
  const attempts = options.attempts ?? 10;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const written: WrittenBatch[] = [];
  let head = await readTraceHead(store, env);
  let rest = entries;
  let lost = 0;
  while (rest.length > 0) {
    const batch = nextBatch(env, head, rest);
    const key = traceBatchKey(env, batch.batch);
    const put = await putIfAbsent(store, key, JSON.stringify(batch));
    if (put.status === "written") {
      const last = batch.records[batch.records.length - 1]!;
      written.push({ batch: batch.batch, key, firstSeq: batch.records[0]!.seq, records: batch.records.length });
      head = { batch: batch.batch, key, records: last.seq + 1, headHash: last.hash };
      rest = rest.slice(batch.records.length);
      continue;
    }
    if (++lost >= attempts) throw new TraceContentionError(env, lost, written);
    await sleep(backoffMs(lost, random));
    head = await readTraceHead(store, env);
  }
  return {
    env,
    records: entries.length,
    firstSeq: written[0]!.firstSeq,
    lastSeq: head!.records - 1,
    batches: written,
    headHash: head!.headHash,
    retries: lost,
  };
}

/** The next batch: as many of `entries` as fit (500 records, 1 MiB), chained on `head`. */
export function nextBatch(env: string, head: TraceHead | undefined, entries: readonly TraceEntry[]): TraceBatch {
  const batch = (head?.batch ?? 0) + 1;
  let seq = head?.records ?? 0;
  let prevHash = head?.headHash ?? traceGenesisHash(env);
  let bytes = utf8Bytes(JSON.stringify({ v: 1, env, batch, records: [] }));
  const records: TraceRecord[] = [];
  for (const entry of entries) {
    const record = chainTraceRecord(env, entry, seq, prevHash);
    const size = utf8Bytes(JSON.stringify(record)) + (records.length === 0 ? 0 : 1);
    if (records.length > 0 && (records.length >= MAX_BATCH_RECORDS || bytes + size > MAX_BATCH_BYTES)) break;
    records.push(record);
    bytes += size;
    seq += 1;
    prevHash = record.hash;
  }
  return { v: 1, env, batch, records };
}
