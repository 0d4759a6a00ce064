import { randomBytes } from "node:crypto";

const RUN_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{8}$/;

/** `20260501T120000Z-3f9a1c2b`: sorts by start time, is safe in an S3 key, and tells where its records are. */
export function newRunId(startedAt: Date, random: string = randomBytes(4).toString("hex")): string {
  const iso = startedAt.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `${stamp}-${random}`;
}

/** The UTC start instant a run id made by {@link newRunId} carries; undefined for any other id. */
export function runIdStart(runId: string): Date | undefined {
  const m = RUN_ID.exec(runId);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Run ids become one S3 key segment: no '/', nothing that needs escaping. */
export function isUsableRunId(runId: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(runId);
}
