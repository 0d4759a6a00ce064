import { InvalidValueError } from "./invalid-value-error";
import { fail, ok, type ParseOptions, type Result } from "./result";

export interface UsdOptions extends ParseOptions {
  /** A valid value as the caller writes it, for the advice. @default "25" */
  readonly example?: string;
}

/** An amount in US dollars as a person types it: whole dollars or dollars and cents, above 0. */
export function tryParseUsd(text: string, options: UsdOptions = {}): Result<number> {
  const trimmed = text.trim();
  if (/^\d{1,9}(\.\d{1,2})?$/.test(trimmed) && Number(trimmed) > 0) return ok(Number(trimmed));
  return fail(new InvalidValueError(options.field ?? "amount", text, "is not an amount in USD above 0", `use dollars and cents, such as ${options.example ?? '"25"'}`));
}
