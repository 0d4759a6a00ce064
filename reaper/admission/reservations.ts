import type { StateStore } from "../state/state-store";
import { VersionedRegister } from "../state/versioned-register";
import { ADMISSION_PREFIX } from "../model";

/** An admitted environment whose resources may not exist yet: it counts against the caps until `until`. */
export interface Reservation {
  readonly env: string;
  readonly owner: string;
  /** When it was admitted (ISO-8601 UTC). */
  readonly at: string;
  /** When it stops counting unless the environment's resources exist by then (ISO-8601 UTC). */
  readonly until: string;
  /** The caller's ARN. */
  readonly by: string;
}

/** Every reservation that still counted when the register was last written. */
export interface Reservations {
  readonly holders: readonly Reservation[];
}

/** The admission reservations: a versioned register under `admissions/` in the audit bucket. */
export function reservationRegister(store: StateStore): VersionedRegister<Reservations> {
  return new VersionedRegister(store, ADMISSION_PREFIX, parseReservations);
}

/** The reservations still counting at `now`. */
export function heldAt(reservations: Reservations | undefined, now: Date): Reservation[] {
  return (reservations?.holders ?? []).filter((r) => Date.parse(r.until) > now.getTime());
}

function parseReservations(body: unknown): Reservations {
  const holders = (body as { holders?: unknown } | null)?.holders;
  if (!Array.isArray(holders)) throw new Error(`the admission register is malformed: ${JSON.stringify(body).slice(0, 200)}`);
  return {
    holders: holders.map((h: Partial<Record<keyof Reservation, unknown>>) => {
      if (typeof h.env !== "string" || typeof h.owner !== "string" || typeof h.at !== "string" || typeof h.until !== "string" || typeof h.by !== "string" || Number.isNaN(Date.parse(h.until))) {
        throw new Error(`an admission reservation is malformed: ${JSON.stringify(h).slice(0, 200)}`);
      }
      return { env: h.env, owner: h.owner, at: h.at, until: h.until, by: h.by };
    }),
  };
}
