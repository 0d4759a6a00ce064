import { InvalidValueError } from "./invalid-value-error";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";

/** AWS's limit on a tag value, in Unicode characters. */
export const MAX_TAG_VALUE_LENGTH = 256;

/**
 * The characters every AWS service accepts in a tag value (RDS, S3 and the Resource
 * Groups Tagging API are the strictest): letters, digits, spaces and `_ . : / = + - @`.
 * Spaces are space separators only (no line or paragraph separators).
 */
const TAG_VALUE_CHARACTER = /[\p{L}\p{N}\p{Zs}_.:/=+\-@]/u;

const EXAMPLE = "team-web@example.com";

/**
 * An environment's owner (`ephemera:owner`): an e-mail address, a team handle or an SNS
 * topic ARN, written as an AWS tag value on every resource. Checked before anything is
 * written, so a value AWS would refuse never leaves a half-done claim or admission behind.
 * One rule for the constructs' `owner` prop and the CLI's `--owner`.
 */
export function tryParseOwner(text: string, options: ParseOptions = {}): Result<string> {
  const invalid = (problem: string, advice = `use letters, digits, spaces and _ . : / = + - @ only, such as "${EXAMPLE}"`): Result<string> =>
    fail(new InvalidValueError(options.field ?? "owner", text, problem, advice));

  if (text.trim() === "") return invalid("is empty", `name who is told about expiry and budget, such as "${EXAMPLE}"`);
  if (text !== text.trim()) return invalid("has surrounding whitespace", `write it without, such as "${EXAMPLE}"`);
  const characters = [...text];
  if (characters.length > MAX_TAG_VALUE_LENGTH) {
    return invalid(`is longer than ${MAX_TAG_VALUE_LENGTH} characters, the most an AWS tag value holds`, `use a shorter contact, such as "${EXAMPLE}"`);
  }
  const stray = characters.find((c) => !TAG_VALUE_CHARACTER.test(c));
  if (stray !== undefined) return invalid(`contains ${describeCharacter(stray)}, which AWS does not allow in a tag value`);
  return ok(text);
}

/** An invisible character (a control or an odd space) by its code point, anything else quoted. */
function describeCharacter(c: string): string {
  return /[\p{C}\p{Z}]/u.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}` : JSON.stringify(c);
}

/** Throwing form of {@link tryParseOwner}, for synth-time validation of construct props. */
export function parseOwner(text: string, options?: ParseOptions): string {
  return unwrap(tryParseOwner(text, options));
}

/**
 * The form owners are compared and counted in (the per-owner cap, an owner mismatch):
 * trimmed and case-insensitive, so `Alice@x` and `alice@x ` are one owner. The tags keep
 * the value as written.
 */
export function ownerKey(owner: string): string {
  return owner.trim().toLowerCase();
}
