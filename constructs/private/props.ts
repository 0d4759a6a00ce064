import { Token } from "../core";
import { InvalidValueError, parseEnvId } from "../../reaper/model";

/**
 * Prop checks shared by the constructs. Each throws an InvalidValueError that names
 * the prop and shows a valid value, so `cdktf synth` tells the caller what to change.
 * Values that are Terraform tokens (known only at apply) are never checked here.
 */

/** True when `value` is a plain literal the construct can check at synth time. */
export function isLiteral(value: string | number | undefined): boolean {
  return value !== undefined && !Token.isUnresolved(value);
}

/** An integer within [min, max], or the default when undefined. */
export function integerProp(field: string, value: number | undefined, fallback: number, min: number, max: number, example: number): number {
  if (value === undefined) return fallback;
  if (Token.isUnresolved(value)) return value;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidValueError(field, String(value), `is not a whole number from ${min} to ${max}`, `use a value such as ${example}`);
  }
  return value;
}

/** A non-empty list, checked only when it is a literal list. */
export function nonEmptyListProp(field: string, value: readonly string[] | undefined, example: string): readonly string[] {
  if (value === undefined || (!Token.isUnresolved(value) && value.length === 0)) {
    throw new InvalidValueError(field, JSON.stringify(value ?? null), "is empty", `pass at least one, such as [${example}]`);
  }
  return value;
}

/** A required string prop that must not be empty. */
export function requiredStringProp(field: string, value: string | undefined, example: string): string {
  if (value === undefined || (!Token.isUnresolved(value) && value.trim() === "")) {
    throw new InvalidValueError(field, value ?? "", "is empty", `pass one, such as "${example}"`);
  }
  return value;
}

/**
 * A prop that must pass `valid` when it is a literal (undefined and tokens pass
 * unchecked), else an InvalidValueError naming `field`, with `problem` and `fix`.
 */
export function checkedProp<T extends string | undefined>(field: string, value: T, valid: (value: string) => boolean, problem: string, fix: string): T {
  if (value !== undefined && isLiteral(value) && !valid(value)) throw new InvalidValueError(field, value, problem, fix);
  return value;
}

/** Each literal item of a literal list must pass `valid`, as checkedProp; a token list, and tokens in a list, pass unchecked. */
export function checkedListProp(field: string, list: readonly string[] | undefined, valid: (item: string) => boolean, problem: string, fix: string): void {
  if (list === undefined || Token.isUnresolved(list)) return;
  for (const item of list) checkedProp(field, item, valid, problem, fix);
}

export function envIdProp(envId: string): string {
  return parseEnvId(envId, { field: "envId" });
}

/**
 * The default name of a per-environment resource: `<envId>-<construct id>`, with the
 * id lower-cased and anything but letters, digits and '-' turned into '-'. Two
 * constructs of one kind in one environment therefore get different names.
 */
export function envScopedName(envId: string, constructId: string): string {
  const slug = constructId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "");
  return slug === "" ? envId : `${envId}-${slug}`;
}

/**
 * A name AWS accepts for RDS identifiers, IAM roles, node groups and the like:
 * starts with a letter, letters/digits/'-', no "--", no trailing '-', at most `max` characters.
 */
export function nameProp(field: string, value: string, max: number, example: string): string {
  if (Token.isUnresolved(value)) return value;
  const problem =
    value === "" ? "is empty"
    : value.length > max ? `is longer than ${max} characters`
    : !/^[A-Za-z]/.test(value) ? "does not start with a letter"
    : /[^A-Za-z0-9-]/.test(value) ? `contains ${JSON.stringify(/[^A-Za-z0-9-]/.exec(value)![0])}`
    : value.includes("--") ? "contains \"--\""
    : value.endsWith("-") ? "ends with '-'"
    : undefined;
  if (problem !== undefined) {
    throw new InvalidValueError(field, value, problem, `use letters, digits and single '-', starting with a letter, at most ${max} characters, such as "${example}"`);
  }
  return value;
}
