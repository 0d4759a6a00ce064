import { AUDIT_PREFIX } from "../model";

/** Zero-padded so a plain key listing returns a run's records in order. */
const SEQ_DIGITS = 6;

const seq6 = (seq: number) => String(seq).padStart(SEQ_DIGITS, "0");

/** `audit/<yyyy>/<mm>/<dd>/<run-id>/`, dated by the run's start so a run never straddles two folders. */
export function auditRunPrefix(runId: string, startedAt: Date): string {
  return `${auditDayPrefix(startedAt)}${runId}/`;
}

/** `audit/<yyyy>/<mm>/<dd>/`: every run that started that day (UTC). */
export function auditDayPrefix(day: Date): string {
  const iso = day.toISOString();
  return `${AUDIT_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`;
}

/**
 * `audit/<yyyy>/<mm>/<dd>/<run-id>/<seq>.json`. Records are written only where no object
 * is yet (`If-None-Match: *`), so each seq of a chain has one writer.
 */
export function auditKey(runId: string, startedAt: Date, seq: number): string {
  return `${auditRunPrefix(runId, startedAt)}${seq6(seq)}.json`;
}

export interface ParsedAuditKey {
  readonly runId: string;
  readonly seq: number;
}

/** Reads a record key back; undefined for anything that is not one (markers included). */
export function parseAuditKey(key: string): ParsedAuditKey | undefined {
  const m = /^audit\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\/(\d+)\.json$/.exec(key);
  if (m === null) return undefined;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { runId: m[1]!, seq } : undefined;
}

/**
 * Small objects beside a run's records, so that a listing shows how runs stand without
 * reading every record:
 * - `end`: the run's chain has ended (run-summary or closing record); body: its seq, type and hash;
 * - `unknown-<seq>`: record `seq` is an action whose outcome is unknown; body: the resource;
 * - `gone-<run>-<seq>`: this run confirmed gone the resource of that unknown outcome.
 */
export type AuditMarker =
  | { readonly marker: "end"; readonly runId: string }
  | { readonly marker: "unknown"; readonly runId: string; readonly seq: number }
  | { readonly marker: "gone"; readonly runId: string; readonly of: { readonly runId: string; readonly seq: number } };

export function auditMarkerKey(marker: AuditMarker, startedAt: Date): string {
  const prefix = auditRunPrefix(marker.runId, startedAt);
  switch (marker.marker) {
    case "end":
      return `${prefix}end.json`;
    case "unknown":
      return `${prefix}unknown-${seq6(marker.seq)}.json`;
    case "gone":
      return `${prefix}gone-${marker.of.runId}-${seq6(marker.of.seq)}.json`;
  }
}

export function parseAuditMarker(key: string): AuditMarker | undefined {
  const m = /^audit\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\/(end|unknown-(\d+)|gone-([^/]+)-(\d+))\.json$/.exec(key);
  if (m === null) return undefined;
  const runId = m[1]!;
  if (m[2] === "end") return { marker: "end", runId };
  if (m[3] !== undefined) return { marker: "unknown", runId, seq: Number(m[3]) };
  return { marker: "gone", runId, of: { runId: m[4]!, seq: Number(m[5]) } };
}
