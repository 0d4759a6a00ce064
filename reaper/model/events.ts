/**
 * The JSON events the reaper Lambda is invoked with, other than SNS: the constructs
 * write them into schedules' inputs, the handler reads them.
 */

/** The backstop sweep: a rate/cron schedule with this input. */
export interface SweepEvent {
  readonly ephemera: "sweep";
}

/** An environment's one-shot `at()` schedule: a sweep of that environment alone, with the same rules. */
export interface ExpireEvent {
  readonly ephemera: "expire";
  readonly env: string;
}

export function sweepEvent(): SweepEvent {
  return { ephemera: "sweep" };
}

export function expireEvent(envId: string): ExpireEvent {
  return { ephemera: "expire", env: envId };
}

/** Which event this is, by its `ephemera` field; undefined for anything else. */
export function ephemeraEventType(event: unknown): "sweep" | "expire" | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const type = (event as { ephemera?: unknown }).ephemera;
  return type === "sweep" || type === "expire" ? type : undefined;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)`: when a one-shot schedule fires, read in the UTC time zone
 * it is given alongside. Seconds are cut, so a fractional instant is rounded up to the
 * next whole second: the schedule may fire up to a second late, never early.
 */
export function atExpression(instant: Date): string {
  const whole = new Date(Math.ceil(instant.getTime() / 1000) * 1000);
  return `at(${whole.toISOString().slice(0, 19)})`;
}
