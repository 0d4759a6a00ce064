/** A source of the current time; every clock option in the engine is one, so tests and simulations can set it. */
export type Clock = () => Date;

/** The host's clock: the one default for every clock option. Coordination does not trust it alone (see reaper/state/clock-skew.ts). */
export const systemClock: Clock = () => new Date();
