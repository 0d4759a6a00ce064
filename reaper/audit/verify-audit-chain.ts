import { parseAuditKey } from "./audit-key";
import { type AuditRecord, genesisHash, hashRecord } from "./audit-record";
import { runIdStart } from "./run-id";

/** One stored record as read back: where it was and what it says. */
export interface StoredAuditObject {
  readonly key: string;
  readonly body: string;
}

/**
 * - `complete`: from its run-start to its run-summary
 * - `closed`: the run stopped (a crash, a timeout, an unreachable bucket) and a later run
 *   closed its chain (`closedBy`); what was recorded holds
 * - `in-progress`: no end yet, and the run started too recently to have stopped for good
 * - `unfinished`: no end, and no run closed it: the tail was removed, or the run stopped
 *   and no run has come since
 * - `missing`: a later run names it as the run before it, and none of its records is there
 * - `broken`: a record was altered, removed, reordered or added
 */
export type AuditRunStatus = "complete" | "closed" | "in-progress" | "unfinished" | "missing" | "broken";

export interface AuditRunVerification {
  readonly runId: string;
  /** True when the run is complete, closed by a later run, or still in progress, and nothing was altered. */
  readonly ok: boolean;
  readonly status: AuditRunStatus;
  /** Records found. */
  readonly records: number;
  /** The run that closed this one's chain. */
  readonly closedBy?: string;
  /** The last finished run this one's run-start names (null: it knew of none). */
  readonly previous?: { readonly runId: string; readonly hash: string } | null;
  /** Its final record's hash (complete or closed runs). */
  readonly finalHash?: string;
  /** The first place the chain does not hold. */
  readonly firstBroken?: { readonly seq: number; readonly key?: string; readonly problem: string };
}

export interface VerifyChainOptions {
  /** When verification happens: a run that started within `unfinishedAfterMs` of it may still be running. @default now */
  readonly now?: Date;
  /** @default 15 minutes */
  readonly unfinishedAfterMs?: number;
}

const DEFAULT_UNFINISHED_AFTER_MS = 15 * 60_000;

/**
 * Checks one run's records: consecutive seqs from 0, each stored under its own seq,
 * each hash matching its content,
 * each prevHash matching the record before (the genesis hash for the first), a run-start
 * record first, and at the end a run-summary or a closing record by a later run, with
 * nothing after it. An altered, removed, reordered or appended record breaks the chain;
 * a run with no end is `in-progress` while it may still be running, else `unfinished`.
 */
export function verifyAuditChain(runId: string, objects: readonly StoredAuditObject[], options: VerifyChainOptions = {}): AuditRunVerification {
  const broken = (seq: number, problem: string, key?: string): AuditRunVerification => ({
    runId,
    ok: false,
    status: "broken",
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
  let first: AuditRecord | undefined;
  for (const [expected, entry] of entries.entries()) {
    if (entry.seq !== expected) {
      return entry.seq > expected
        ? broken(expected, `record ${expected} is missing`)
        : broken(entry.seq, `record ${entry.seq} is stored twice`, entry.key);
    }
    const record = parseAuditRecord(entry.body);
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
    if (last?.type === "run-summary" || last?.type === "run-closed") {
      return broken(expected, `follows the ${last.type} record (appended after the run closed)`, entry.key);
    }
    if (record.type === "run-closed" && typeof record.details?.closedBy !== "string") {
      return broken(expected, "is a closing record that does not say which run closed it", entry.key);
    }
    prevHash = record.hash;
    last = record;
    first ??= record;
  }

  const previous = previousOf(first!);
  const base = { runId, records: entries.length, ...(previous === undefined ? {} : { previous }) };
  if (last!.type === "run-summary") return { ...base, ok: true, status: "complete", finalHash: last!.hash };
  if (last!.type === "run-closed") return { ...base, ok: true, status: "closed", closedBy: last!.details!.closedBy as string, finalHash: last!.hash };
  const startedAt = runIdStart(runId);
  const now = options.now ?? new Date();
  const stillRunning = startedAt !== undefined && now.getTime() - startedAt.getTime() < (options.unfinishedAfterMs ?? DEFAULT_UNFINISHED_AFTER_MS);
  const firstBroken = {
    seq: entries.length,
    problem: `no run-summary and no closing record after record ${entries.length - 1}: the tail was removed, or the run stopped and no run has closed it since`,
  };
  return stillRunning ? { ...base, ok: true, status: "in-progress" } : { ...base, ok: false, status: "unfinished", firstBroken };
}

/** The run-start's link to the run before it: undefined in runs written before runs were linked. */
function previousOf(start: AuditRecord): AuditRunVerification["previous"] | undefined {
  const previous = start.details?.previous;
  if (previous === null) return null;
  if (typeof previous !== "object" || previous === undefined) return undefined;
  const { runId, hash } = previous as { runId?: unknown; hash?: unknown };
  return typeof runId === "string" && typeof hash === "string" ? { runId, hash } : undefined;
}

/** A stored body read as an audit record: undefined when it is not JSON or lacks a chain field. */
export function parseAuditRecord(body: string): AuditRecord | undefined {
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
