import type { InvalidValueError } from "./invalid-value-error";

/** Non-throwing outcome of a parse: the reaper branches on tags without using exceptions for control flow. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: InvalidValueError };

/** What every parser accepts: the name of the field being parsed, used in error messages. */
export interface ParseOptions {
  /** Named in the error message, so the operator knows which input or tag is wrong. */
  readonly field?: string;
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: InvalidValueError): Result<T> {
  return { ok: false, error };
}

/** Bridges a non-throwing parser to the throwing form synth-time callers want. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}
