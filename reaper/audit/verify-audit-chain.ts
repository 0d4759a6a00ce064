import { parseAuditKey } from "./audit-key";
import { type AuditRecord, genesisHash, hashRecord } from "./audit-record";

/** One stored record as read back: where it was and what it says. */
export interface StoredAuditObject {
  readonly key: string;
  readonly body: string;
}

export interface AuditRunVerification {
  readonly runId: string;
  /** True when the chain is complete from the run-start record to the run-summary record and nothing was altered. */
  readonly ok: boolean;
  /** Records found. */
  readonly records: number;
  /** The first place the chain does not hold. */
  readonly firstBroken?: { readonly seq: number; readonly key?: string; readonly problem: string };
}

/**
 * Checks one run's records: consecutive seqs from 0, each stored under its own seq,
 * each hash matching its content, each prevHash matching the record before (the
 * genesis hash for the first), a run-start record first and a run-summary record
 * last. An altered, removed, reordered or appended record, or a removed tail, breaks it.
 */
export function verifyAuditChain(runId: string, objects: readonly StoredAuditObject[]): AuditRunVerification {
  const broken = (seq: number, problem: string, key?: string): AuditRunVerification => ({
    runId,
    ok: false,
    records: objects.length,
    firstBroken: { seq, ...(key === undefined ? {} : { key }), problem },
  });

  const entries: { seq: number; key: string; body: string }[] = [];
  for (const object of objects) {
    const parsed = parseAuditKey(object.key);
    if (parsed === undefined || parsed.runId !== runId) return broken(-1, "is not a record key of this run", object.key);
    entries.push({ seq: parsed.seq, key: object.key, body: object.body });
  }
  entries.sort((a, b) => a.seq - b.seq);
  if (entries.length === 0) return broken(0, "the run has no records");

  let prevHash = genesisHash(runId);
  let last: AuditRecord | undefined;
  for (const [expected, entry] of entries.entries()) {
    if (entry.seq !== expected) {
      return entry.seq > expected
        ? broken(expected, `record ${expected} is missing`)
        : broken(entry.seq, `record ${entry.seq} is stored twice`, entry.key);
    }
    const record = parseRecord(entry.body);
    if (record === undefined) return broken(expected, "is not an audit record (not JSON, or fields missing)", entry.key);
    if (record.runId !== runId) return broken(expected, `belongs to run ${JSON.stringify(record.runId)}`, entry.key);
    if (record.seq !== expected) {
      return broken(expected, `is stored as record ${expected} but says it is record ${record.seq} (moved or reordered)`, entry.key);
    }
    if (hashRecord(record) !== record.hash) return broken(expected, "its hash does not match its content (altered)", entry.key);
    if (record.prevHash !== prevHash) {
      return broken(
        expected,
        expected === 0
          ? "does not start from this run's genesis hash"
          : "its prevHash is not the previous record's hash (a record before it was altered, removed or reordered)",
        entry.key,
      );
    }
    if (expected === 0 && record.type !== "run-start") return broken(0, `the first record is a ${record.type}, not run-start`, entry.key);
    if (last?.type === "run-summary") return broken(expected, "follows the run-summary record (appended after the run closed)", entry.key);
    prevHash = record.hash;
    last = record;
  }
  if (last?.type !== "run-summary") {
    return broken(
      entries.length,
      `no run-summary record after record ${entries.length - 1}: the tail was removed, or the run did not finish`,
    );
  }
  return { runId, ok: true, records: entries.length };
}

function parseRecord(body: string): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const r = value as Partial<AuditRecord>;
  const fine =
    typeof r.runId === "string" &&
    typeof r.seq === "number" &&
    typeof r.type === "string" &&
    typeof r.prevHash === "string" &&
    typeof r.hash === "string";
  return fine ? (r as AuditRecord) : undefined;
}
