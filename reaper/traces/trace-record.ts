import { sha256 } from "../audit/audit-record";
import { canonicalJson } from "../audit/canonical-json";
import { tracePrefix } from "../model";
import { versionKey, versionOf } from "../state/state-keys";

/**
 * One decision of an agent, as its environment's trace keeps it: `seq` counts from 0 over
 * the whole trace (across batches), `hash` is sha256 (hex) over the canonical JSON of every
 * other field, `prevHash` the record before's hash (the environment's genesis hash for seq 0).
 */
export interface TraceRecord {
  readonly v: 1;
  readonly env: string;
  readonly seq: number;
  /** ISO-8601 UTC: the time the writer gave, or its clock's when it gave none. A claim, not a proof. */
  readonly time: string;
  readonly agent: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

/** What a writer says of one record; the chain fields are added when it is written. */
export type TraceEntry = Pick<TraceRecord, "time" | "agent" | "data">;

/** One write-once object of a trace: records `records[0].seq` onwards. */
export interface TraceBatch {
  readonly v: 1;
  readonly env: string;
  /** 1 for the first batch ever written; its key is `versionKey(tracePrefix(env), batch)`. */
  readonly batch: number;
  readonly records: readonly TraceRecord[];
}

/** The largest record, as its canonical JSON's UTF-8 bytes (chain fields included). */
export const MAX_RECORD_BYTES = 64 * 1024;
/** The largest batch object (its JSON's UTF-8 bytes), and the most records in one. */
export const MAX_BATCH_BYTES = 1024 * 1024;
export const MAX_BATCH_RECORDS = 500;

/** prevHash of an environment's first record: fixed per environment, so records cannot move between traces. */
export function traceGenesisHash(env: string): string {
  return sha256(`ephemera-trace/v1/genesis/${env}`);
}

export function hashTraceRecord(record: Omit<TraceRecord, "hash">): string {
  const { hash: _ignored, ...rest } = record as TraceRecord;
  return sha256(canonicalJson(rest));
}

/** The record at `seq` after `prevHash`, hashed. */
export function chainTraceRecord(env: string, entry: TraceEntry, seq: number, prevHash: string): TraceRecord {
  const record = { v: 1 as const, env, seq, time: entry.time, agent: entry.agent, data: entry.data, prevHash };
  return { ...record, hash: hashTraceRecord(record) };
}

/** Where batch `n` of `env`'s trace is kept: countdown keys, so the newest batch lists first. */
export function traceBatchKey(env: string, batch: number): string {
  return versionKey(tracePrefix(env), batch);
}

/** The batch number a key of `env`'s trace names; undefined for anything else. */
export function traceBatchOf(env: string, key: string): number | undefined {
  return versionOf(tracePrefix(env), key);
}

/** UTF-8 bytes of a text. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
