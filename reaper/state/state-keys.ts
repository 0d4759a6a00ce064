import { ADMISSION_REQUEST_PREFIX, CLAIM_PREFIX, LEASE_PREFIX, PLAN_PREFIX, SPEND_PREFIX } from "../model";

/**
 * The one key scheme of the state store. Everything that has a newest version is kept
 * under countdown keys: version `n` of a register at `<prefix><LAST_SEQ - n, 12 digits>.json`,
 * a reading taken at instant `t` at `<prefix><LAST_MS - t, 13 digits>-…`, so a plain
 * listing returns the newest first and "the newest" is one listing of one key however
 * long the history. docs/architecture.md ("State in the audit bucket") has the table.
 */

/** The highest version a register can reach. */
export const LAST_SEQ = 999_999_999_999;
const SEQ_DIGITS = 12;

/** The largest epoch millisecond a reading key can hold (year 2286). */
const LAST_MS = 9_999_999_999_999;
const MS_DIGITS = 13;

/** Version `seq` (1 is the first) of the register under `prefix`. */
export function versionKey(prefix: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > LAST_SEQ) throw new RangeError(`a register version is 1 to ${LAST_SEQ}, not ${seq}`);
  return `${prefix}${String(LAST_SEQ - seq).padStart(SEQ_DIGITS, "0")}.json`;
}

/** The version a key under `prefix` names, or undefined when it is not a version key. */
export function versionOf(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const match = /^(\d{12})\.json$/.exec(key.slice(prefix.length));
  if (match === null) return undefined;
  const seq = LAST_SEQ - Number(match[1]);
  return seq >= 1 ? seq : undefined;
}

/** The countdown of an instant: keys built on it list the newest instant first. */
export function instantCountdown(prefix: string, at: Date): string {
  return `${prefix}${String(LAST_MS - at.getTime()).padStart(MS_DIGITS, "0")}`;
}

/** One environment's lease log: a register. */
export function leasePrefix(env: string): string {
  return `${LEASE_PREFIX}${env}/log/`;
}

/** Who holds a pool database: a register per database, written by claims and by the refill that retires it. */
export function claimPrefix(pool: string, database: string): string {
  return `${CLAIM_PREFIX}${pool}/${database}/`;
}

/** One run's spend readings. */
export function spendReadingKey(at: Date, runId: string): string {
  return `${instantCountdown(SPEND_PREFIX, at)}-${runId}.json`;
}

/** An admission request made at instant `at` (S3's clock): the newest lists first. */
export function admissionRequestKey(at: Date, id: string): string {
  return `${instantCountdown(ADMISSION_REQUEST_PREFIX, at)}-${id}.json`;
}

/** A reviewed reap plan (`ephemera reap --plan-out`), stored once under the sha256 of its body. */
export function planKey(hash: string): string {
  return `${PLAN_PREFIX}${hash}.json`;
}

/** The claim of the one run that executes the plan with this hash (`ephemera reap --plan`). */
export function planRunKey(hash: string): string {
  return `${PLAN_PREFIX}${hash}.run.json`;
}
