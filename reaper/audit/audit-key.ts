import { AUDIT_PREFIX } from "../model";

/** Zero-padded so a plain key listing returns a run's records in order. */
const SEQ_DIGITS = 6;

/** `audit/<yyyy>/<mm>/<dd>/<run-id>/`, dated by the run's start so a run never straddles two folders. */
export function auditRunPrefix(runId: string, startedAt: Date): string {
  const iso = startedAt.toISOString();
  return `${AUDIT_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${runId}/`;
}

/** `audit/<yyyy>/<mm>/<dd>/<run-id>/<seq>.json` */
export function auditKey(runId: string, startedAt: Date, seq: number): string {
  return `${auditRunPrefix(runId, startedAt)}${String(seq).padStart(SEQ_DIGITS, "0")}.json`;
}

export interface ParsedAuditKey {
  readonly runId: string;
  readonly seq: number;
}

/** Reads a record key back; undefined for anything that is not one. */
export function parseAuditKey(key: string): ParsedAuditKey | undefined {
  const m = /^audit\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\/(\d+)\.json$/.exec(key);
  if (m === null) return undefined;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { runId: m[1]!, seq } : undefined;
}
