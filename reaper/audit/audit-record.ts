import { createHash } from "node:crypto";
import type { PhaseName, PlannedAction } from "../contracts/plan";
import { canonicalJson } from "./canonical-json";

/**
 * - `run-start`: opens a run's chain and holds the plan, and names the last finished run it knew of
 * - `action`: one per side of every action (`phase` before / after)
 * - `confirmed-gone`: a resource whose earlier action had an unknown outcome is confirmed gone
 * - `run-summary`: closes the chain, so a removed tail is detectable
 * - `run-closed`: closes, from a later run, the chain of a run that never finished
 * - `trace-sealed`: an environment this run reaped or released had this decision trace head (reaper/traces)
 */
export type AuditRecordType = "run-start" | "action" | "confirmed-gone" | "run-summary" | "run-closed" | "trace-sealed";

/**
 * `pending` is the before-record's; the rest are what happened. `unknown`: the request
 * may have been carried out (the connection was reset, or the answer was lost, after it
 * was sent); a later run reconciles it.
 */
export type AuditOutcome = "pending" | "done" | "already-done" | "not-applicable" | "failed" | "refused" | "unknown";

/** What the engine says about an event; the log adds the chain fields. */
export interface AuditEvent {
  readonly type: AuditRecordType;
  readonly env?: string;
  readonly resource?: { readonly kind: string; readonly id: string; readonly arn?: string; readonly region?: string };
  readonly action?: PlannedAction["type"];
  /** The plan phase the action belongs to (`namespace`, `database`, ...). */
  readonly step?: PhaseName;
  readonly reason?: string;
  /** Which side of the action this record is. */
  readonly phase?: "before" | "after";
  readonly outcome?: AuditOutcome;
  readonly errorCode?: string;
  readonly message?: string;
  readonly requestId?: string;
  /** Tags written, the final snapshot name, facts an adapter returned, the plan, the run's totals. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditEvent {
  readonly v: 1;
  readonly runId: string;
  /** 0 for the run-start record, then one more for each record. */
  readonly seq: number;
  /** When the record was written (ISO-8601 UTC). */
  readonly time: string;
  /** The previous record's hash; the run's genesis hash for seq 0. */
  readonly prevHash: string;
  /** sha256 (hex) over the canonical JSON of every other field, prevHash included. */
  readonly hash: string;
}

/** prevHash of a run's first record: fixed, and different for every run, so records cannot move between runs. */
export function genesisHash(runId: string): string {
  return sha256(`ephemera-audit/v1/genesis/${runId}`);
}

export function hashRecord(record: Omit<AuditRecord, "hash">): string {
  const { hash: _ignored, ...rest } = record as AuditRecord;
  return sha256(canonicalJson(rest));
}

export function sealRecord(record: Omit<AuditRecord, "hash">): AuditRecord {
  return { ...record, hash: hashRecord(record) };
}

/** sha256 of a text's UTF-8 bytes, in hex: the hash of every chain. */
export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
