import { InvalidValueError } from "./invalid-value-error";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";

const EXAMPLE = "2026-05-01T12:00:00Z";
/** The longest valid form (nanoseconds and an offset) is 35 characters; anything longer is garbage. */
const MAX_LENGTH = 40;

// Date.UTC would read year 0 as 1900, hence setUTCFullYear.
const FIRST_FORMATTABLE = new Date(0).setUTCFullYear(0, 0, 1);
const LAST_FORMATTABLE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DATE = String.raw`(\d{4})-(\d{2})-(\d{2})`;
const TIME = String.raw`(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?`;
const ZONE = String.raw`(Z|[+-]\d{2}:\d{2})`;
const ZONED = new RegExp(`^${DATE}T${TIME}${ZONE}$`);
const NAIVE = new RegExp(`^${DATE}T${TIME}$`);
const DATE_ONLY = new RegExp(`^${DATE}$`);

/**
 * ISO-8601 date-time with `Z` or an explicit `±HH:MM` offset. Zone-less times are
 * refused because guessing a zone is how other tools delete environments early.
 */
export function tryParseInstant(text: string, options: ParseOptions = {}): Result<Date> {
  const field = options.field ?? "time";
  const invalid = (problem: string, advice = `use an ISO-8601 date-time with a zone, such as "${EXAMPLE}"`) =>
    fail<Date>(new InvalidValueError(field, text, problem, advice));

  if (text.trim() === "") return invalid("is empty");
  if (text !== text.trim()) return invalid("has surrounding whitespace");
  if (text.length > MAX_LENGTH) return invalid("is not an ISO-8601 date-time");

  const zoned = ZONED.exec(text);
  if (zoned !== null) {
    const date = toDate(zoned.slice(1) as Fields);
    return date === undefined ? invalid("is not a real date and time") : ok(date);
  }
  if (NAIVE.test(text)) {
    return invalid("has no time zone", `add "Z" for UTC or an offset such as "+02:00", as in "${validOr(`${text}Z`)}"`);
  }
  if (DATE_ONLY.test(text)) {
    return invalid("is a date without a time", `add a time and zone, such as "${validOr(`${text}T00:00:00Z`)}"`);
  }
  return invalid("is not an ISO-8601 date-time");
}

/** Throwing form of {@link tryParseInstant}, for synth-time validation of construct props. */
export function parseInstant(text: string, options?: ParseOptions): Date {
  return unwrap(tryParseInstant(text, options));
}

/**
 * ISO-8601 UTC with `Z`; milliseconds only when non-zero, so tags stay short yet
 * `parseInstant` returns exactly the same instant.
 */
export function formatInstant(date: Date): string {
  const time = date.getTime();
  if (!isFormattable(time)) throw new RangeError(`formatInstant needs a date in years 0000-9999, got ${String(date)}`);
  const iso = date.toISOString();
  return time % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

/** Years 0000-9999 are the ones ISO-8601 writes with four digits, which is all `parseInstant` reads. */
export function isFormattable(time: number): boolean {
  return Number.isFinite(time) && time >= FIRST_FORMATTABLE && time <= LAST_FORMATTABLE;
}

type Fields = [string, string, string, string, string, string | undefined, string | undefined, string];

/** Field-by-field range checks, because `Date` silently rolls 2026-02-30 over into March. */
function toDate([y, mo, d, h, mi, s = "00", fraction = "", zone]: Fields): Date | undefined {
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = zone === "Z" ? 0 : offsetMinutes(zone);
  if (offset === undefined) return undefined;
  // Sub-millisecond digits round up: a parsed expiry may be late by under a millisecond, never early.
  const millis = Math.ceil(Number(fraction.padEnd(9, "0")) / 1e6);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offset, second, millis);
  return date;
}

function offsetMinutes(zone: string): number | undefined {
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Suggests the user's own value, repaired, when that repair is itself valid. */
function validOr(candidate: string): string {
  return tryParseInstant(candidate).ok ? candidate : EXAMPLE;
}
