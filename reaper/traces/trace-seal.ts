import { parseAuditKey } from "../audit/audit-key";
import type { AuditLog } from "../audit/audit-log";
import { type AuditRecord, hashRecord } from "../audit/audit-record";
import { parseAuditRecord } from "../audit/verify-audit-chain";
import { TRACE_SEAL_PREFIX } from "../model";
import { keyTakenError, putIfAbsent } from "../state/put-if-absent";
import { instantCountdown } from "../state/state-keys";
import type { StateStore } from "../state/state-store";
import { readTraceHead } from "./trace-store";

/**
 * What the reaper sealed of a trace when it reaped or released the environment: the
 * `trace-sealed` record of its audit chain, and this pointer to it. `records` 0 and
 * `headHash` null: the environment had no trace then.
 */
export interface TraceSeal {
  readonly runId: string;
  /** The audit record holding the seal. */
  readonly auditKey: string;
  readonly seq: number;
  readonly records: number;
  readonly headHash: string | null;
}

/** `trace-seals/<env>/`. */
export function traceSealPrefix(env: string): string {
  return `${TRACE_SEAL_PREFIX}${env}/`;
}

/** `trace-seals/<env>/<instant countdown>-<run id>.json`: the newest seal lists first. */
export function traceSealKey(env: string, at: Date, runId: string): string {
  return `${instantCountdown(traceSealPrefix(env), at)}-${runId}.json`;
}

/**
 * Seals `env`'s trace into the run's audit chain: reads its head (two requests), appends a
 * `trace-sealed` record with it, and writes the pointer that `trace verify` finds in one
 * listing. Rejects when any step fails: the caller (act) keeps that as an audit error and
 * never lets it hold up the reap.
 */
export async function sealTrace(store: StateStore, env: string, audit: AuditLog, clock: () => Date): Promise<TraceSeal> {
  const head = await readTraceHead(store, env);
  const details = head === undefined ? { head: null } : { records: head.records, headHash: head.headHash, lastBatchKey: head.key };
  const record = await audit.append({ type: "trace-sealed", env, reason: "the environment was reaped or released: its decision trace's head", details });
  const seal: TraceSeal = { runId: audit.runId, auditKey: audit.keyOf(record.seq), seq: record.seq, records: head?.records ?? 0, headHash: head?.headHash ?? null };
  const pointer = traceSealKey(env, clock(), audit.runId);
  const put = await putIfAbsent(store, pointer, JSON.stringify(seal));
  if (put.status === "taken") throw keyTakenError(pointer, "another seal is stored under it");
  return seal;
}

/** The newest seal, checked against its audit record; `problem` names what does not hold. */
export type SealRead = { readonly ok: true; readonly key: string; readonly seal: TraceSeal } | { readonly ok: false; readonly key: string; readonly problem: string };

/** The newest seal of `env`'s trace (one listing, two reads), or undefined when the reaper never sealed it. */
export async function readLatestSeal(store: StateStore, env: string): Promise<SealRead | undefined> {
  const newest = (await store.scan(traceSealPrefix(env), { limit: 1 })).keys[0];
  if (newest === undefined) return undefined;
  const key = newest.key;
  const pointer = parsePointer(await store.get(key));
  if (pointer === undefined) return { ok: false, key, problem: "the seal pointer is not JSON, or fields are missing" };
  const record = await store.get(pointer.auditKey).then(parseAuditRecord, () => undefined);
  if (record === undefined) return { ok: false, key, problem: `its audit record ${pointer.auditKey} cannot be read, or is not an audit record` };
  const problem = sealProblem(env, pointer, record);
  return problem === undefined ? { ok: true, key, seal: pointer } : { ok: false, key, problem: `its audit record ${pointer.auditKey} ${problem}` };
}

/** What does not hold between a pointer and the audit record it names. */
function sealProblem(env: string, pointer: TraceSeal, record: AuditRecord): string | undefined {
  if (hashRecord(record) !== record.hash) return "does not match its own hash (altered)";
  const at = parseAuditKey(pointer.auditKey);
  if (record.type !== "trace-sealed" || record.env !== env) return `is a ${record.type} record${record.env === undefined ? "" : ` of ${record.env}`}, not ${env}'s trace seal`;
  if (at?.runId !== record.runId || at.seq !== record.seq || record.runId !== pointer.runId || record.seq !== pointer.seq) return "is not where the pointer says";
  const details = record.details ?? {};
  const sealed = details.head === null ? { records: 0, headHash: null } : { records: details.records, headHash: details.headHash };
  if (sealed.records !== pointer.records || sealed.headHash !== pointer.headHash) return "seals another head than the pointer says";
  return undefined;
}

function parsePointer(body: string): TraceSeal | undefined {
  const value = parseObject(body) as Partial<TraceSeal> | undefined;
  if (value === undefined) return undefined;
  const fine = typeof value.runId === "string" && typeof value.auditKey === "string" && typeof value.seq === "number" && typeof value.records === "number" && (typeof value.headHash === "string" || value.headHash === null);
  return fine ? (value as TraceSeal) : undefined;
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
