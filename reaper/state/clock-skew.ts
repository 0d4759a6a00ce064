/**
 * The one clock for coordination is the store's (S3's): a lease's or a reservation's
 * expiry is judged against it, never against a host's. A host whose own clock is further
 * from it than `maxSkewMs` refuses to act at all, because everything it stamps or
 * measures by its own clock (a hold's renewal, a record's time) would be off by as much.
 * Returns the refusal, or undefined when the clocks agree (or the store has no clock).
 */
export function clockSkewError(serverTime: Date | undefined, hostNow: Date, maxSkewMs: number): string | undefined {
  if (serverTime === undefined) return undefined;
  const skew = hostNow.getTime() - serverTime.getTime();
  if (Math.abs(skew) <= maxSkewMs) return undefined;
  const seconds = (Math.abs(skew) / 1000).toFixed(1);
  return (
    `this host's clock is ${seconds} s ${skew > 0 ? "ahead of" : "behind"} S3's (host ${hostNow.toISOString()}, S3 ${serverTime.toISOString()}), ` +
    `more than the ${maxSkewMs / 1000} s allowed (EPHEMERA_MAX_CLOCK_SKEW); nothing was done: fix the host's clock (NTP)`
  );
}

/**
 * S3 gives its times to the second (`Date`, `LastModified`): an instant it names may be up
 * to this much earlier than the true one. Whoever compares two of them takes the side that
 * keeps runs apart.
 */
export const STORE_CLOCK_RESOLUTION_MS = 1000;
