import { InvalidValueError } from "./invalid-value-error";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";
import { DEFAULT_ON_EXPIRY, ON_EXPIRY_VALUES, type OnExpiry, TAG } from "./tags";

/**
 * An absent tag means the default; an unrecognised one is an error rather than a
 * fallback, because falling back to "delete" would destroy what "pause" meant to keep.
 */
export function tryParseOnExpiry(text: string | undefined, options: ParseOptions = {}): Result<OnExpiry> {
  if (text === undefined) return ok(DEFAULT_ON_EXPIRY);
  const value = ON_EXPIRY_VALUES.find((candidate) => candidate === text);
  if (value !== undefined) return ok(value);
  return fail(
    new InvalidValueError(
      options.field ?? TAG.onExpiry,
      text,
      "is not a known expiry action",
      `use one of ${ON_EXPIRY_VALUES.map((v) => `"${v}"`).join(", ")}, such as "${DEFAULT_ON_EXPIRY}"`,
    ),
  );
}

/** Throwing form of {@link tryParseOnExpiry}, for synth-time validation of construct props. */
export function parseOnExpiry(text: string | undefined, options?: ParseOptions): OnExpiry {
  return unwrap(tryParseOnExpiry(text, options));
}

/** Least irreversible first: when an environment's resources disagree, the reaper does the first of these that any asks for. */
export const SAFEST_FIRST: readonly OnExpiry[] = ["pause", "snapshot-delete", "delete"];

/** The safest of several on-expiry values ({@link SAFEST_FIRST}); the default when there are none. */
export function safestOnExpiry(values: Iterable<OnExpiry>): OnExpiry {
  const seen = new Set(values);
  return SAFEST_FIRST.find((value) => seen.has(value)) ?? DEFAULT_ON_EXPIRY;
}
