/** Longest stretch of an offending value quoted in a message, so a huge tag cannot flood the logs. */
const QUOTE_LIMIT = 48;

/**
 * The one error the model raises: it names the field and the value so an operator
 * can find the bad tag, and its advice always shows a valid example to copy.
 */
export class InvalidValueError extends Error {
  override readonly name = "InvalidValueError";

  /**
   * @param field what was being parsed, as the caller knows it ("ttl", "ephemera:expires-at")
   * @param problem what is wrong, phrased to follow the quoted value ("is empty")
   * @param advice how to fix it, including a valid example ("use a duration such as \"8h\"")
   */
  constructor(
    readonly field: string,
    readonly value: string,
    problem: string,
    advice: string,
  ) {
    super(`${field} ${quote(value)} ${problem}; ${advice}`);
  }
}

/** JSON quoting escapes control characters, so a hostile tag cannot forge log lines. */
export function quote(value: string): string {
  if (value.length <= QUOTE_LIMIT) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, QUOTE_LIMIT))}… (${value.length} characters)`;
}
