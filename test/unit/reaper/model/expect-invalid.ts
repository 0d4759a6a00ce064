import { InvalidValueError } from "../../../../reaper/model";
import type { Result } from "../../../../reaper/model";
import { quote } from "../../../../reaper/model/invalid-value-error";

/**
 * Asserts the contract every parse error keeps: it names the field, quotes the value,
 * and its last quoted string is a valid example (checked with `isValid`).
 */
export function expectInvalid<T>(
  result: Result<T>,
  field: string,
  value: string,
  isValid: (example: string) => boolean,
): InvalidValueError {
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected, got ${String(result.value)}`);
  const { error } = result;
  expect(error).toBeInstanceOf(InvalidValueError);
  expect(error.field).toBe(field);
  expect(error.value).toBe(value);
  expect(error.message.startsWith(`${field} ${quote(value)} `)).toBe(true);
  const example = lastQuoted(error.message.slice(error.message.lastIndexOf("; ")));
  expect(example).toBeDefined();
  expect(isValid(example ?? "")).toBe(true);
  return error;
}

function lastQuoted(text: string): string | undefined {
  return [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]).pop();
}
