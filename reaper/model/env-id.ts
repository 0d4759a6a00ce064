import { InvalidValueError } from "./invalid-value-error";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";

/**
 * Leaves room within the 63-character DNS label (and AWS name limits) for the
 * prefixes and suffixes constructs add to the id.
 */
export const MAX_ENV_ID_LENGTH = 40;

const EXAMPLE = "pr-123";

/** An environment id: DNS-label safe, so it can name a namespace, a database and a hostname as-is. */
export function tryParseEnvId(text: string, options: ParseOptions = {}): Result<string> {
  const invalid = (problem: string, example = EXAMPLE): Result<string> =>
    fail(
      new InvalidValueError(
        options.field ?? "envId",
        text,
        problem,
        `use lowercase letters, digits and '-', starting with a letter, such as "${example}"`,
      ),
    );

  if (text === "") return invalid("is empty");
  if (text.length > MAX_ENV_ID_LENGTH) return invalid(`is longer than ${MAX_ENV_ID_LENGTH} characters`);
  if (/[A-Z]/.test(text)) {
    const lower = text.toLowerCase();
    return invalid("has uppercase letters", tryParseEnvId(lower).ok ? lower : EXAMPLE);
  }
  const stray = /[^a-z0-9-]/.exec(text);
  if (stray !== null) return invalid(`contains ${JSON.stringify(stray[0])}`);
  if (!/^[a-z]/.test(text)) return invalid("does not start with a letter");
  if (text.endsWith("-")) return invalid("ends with '-'");
  return ok(text);
}

/** Throwing form of {@link tryParseEnvId}, for synth-time validation of construct props. */
export function parseEnvId(text: string, options?: ParseOptions): string {
  return unwrap(tryParseEnvId(text, options));
}
