import { InvalidValueError } from "./invalid-value-error";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";

const MINUTE = 60_000;

/** Largest unit first: the order both the grammar demands and the formatter writes. */
const UNITS = [
  ["w", 7 * 24 * 60 * MINUTE],
  ["d", 24 * 60 * MINUTE],
  ["h", 60 * MINUTE],
  ["m", MINUTE],
] as const;

/** Cap on the text itself, so a pathological tag is rejected before any arithmetic. */
export const MAX_DURATION_LENGTH = 32;

/** Default ceiling on a ttl: two weeks, long enough for any preview, short enough to bound a forgotten one. */
export const DEFAULT_MAX_TTL = 14 * 24 * 60 * MINUTE;

export interface DurationOptions extends ParseOptions {
  /** Longest duration accepted, in milliseconds; `Infinity` lifts the cap. @default DEFAULT_MAX_TTL (14 days) */
  readonly max?: number;
}

const TOKEN = /(\d+)(\.\d*)?([A-Za-z]*)/y;
const GRAMMAR = `whole units such as "90m" or "1d12h"`;

/** The one ttl grammar (`30m`, `8h`, `1d12h`, `1w2d3h30m`), shared by synth validation and the reaper. */
export function tryParseDuration(text: string, options: DurationOptions = {}): Result<number> {
  const field = options.field ?? "ttl";
  const max = options.max ?? DEFAULT_MAX_TTL;
  const invalid = (problem: string, advice = `use ${GRAMMAR}`): Result<number> =>
    fail(new InvalidValueError(field, text, problem, advice));

  if (text.trim() === "") return invalid("is empty", `use a duration such as "8h"`);
  if (text !== text.trim()) return invalid("has surrounding whitespace", `write it without spaces, such as "8h"`);
  if (text.length > MAX_DURATION_LENGTH) return invalid(`is longer than ${MAX_DURATION_LENGTH} characters`);
  if (text.startsWith("-")) return invalid("is negative", `use a positive duration such as "8h"`);

  let total = 0;
  let previousRank = -1;
  for (let at = 0; at < text.length; at = TOKEN.lastIndex) {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (match === null) return invalid("is not a duration");
    const [, digits, fraction, unit] = match as unknown as [string, string, string | undefined, string];
    if (fraction !== undefined) return invalid("is not a whole number of units");
    if (unit === "") return invalid(`has no unit after "${digits}"`, `add m, h, d or w, such as "8h"`);
    const rank = UNITS.findIndex(([name]) => name === unit);
    if (rank < 0) return invalid(`has unknown unit "${unit}"`, `use m, h, d or w (lowercase), such as "3d"`);
    if (/^0+$/.test(digits)) return invalid(`has a zero amount "${digits}${unit}"`, `leave it out, or use ${GRAMMAR}`);
    if (digits.startsWith("0")) {
      return invalid(`has a leading zero in "${digits}${unit}"`, `write amounts without one, such as "1d8h"`);
    }
    if (rank === previousRank) return invalid(`repeats unit "${unit}"`, `give each unit once, such as "1d12h"`);
    if (rank < previousRank) return invalid("has units out of order", `write the largest unit first, such as "1d12h"`);
    previousRank = rank;
    total += Number(digits) * UNITS[rank][1];
  }

  if (!Number.isSafeInteger(total)) return invalid("is too large", `use a duration such as "1w"`);
  if (total > max) {
    const limit = Number.isSafeInteger(max) && max >= MINUTE ? formatDuration(max - (max % MINUTE)) : undefined;
    return limit === undefined
      ? invalid("exceeds the maximum allowed here", "use a shorter duration")
      : invalid(`exceeds the maximum of "${limit}"`, `use at most "${limit}"`);
  }
  return ok(total);
}

/** Throwing form of {@link tryParseDuration}, for synth-time validation of construct props. */
export function parseDuration(text: string, options?: DurationOptions): number {
  return unwrap(tryParseDuration(text, options));
}

/**
 * Canonical rendering (largest unit first, zero units left out), so `parseDuration`
 * returns exactly `ms` for any positive whole number of minutes.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < MINUTE || ms % MINUTE !== 0) {
    throw new RangeError(`formatDuration needs a positive whole number of minutes in milliseconds, got ${ms}`);
  }
  let rest = ms;
  let text = "";
  for (const [name, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${name}`;
    rest -= count * size;
  }
  return text;
}
