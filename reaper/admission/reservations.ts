import type { StateStore } from "../state/state-store";
import { VersionedRegister } from "../state/versioned-register";
import { ADMISSION_PREFIX } from "../model";
import type { AdmissionVerdict } from "./decide-admission";
import type { CountedFrom } from "./live-index";

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

/** How another admit decided a waiting request (reaper/admission/admission-requests.ts): its admit reads it here. */
export interface AdmissionDecision {
  /** The request's id. */
  readonly id: string;
  /** When S3 wrote the request: the decision is kept while the request could still be listed as waiting. */
  readonly at: string;
  readonly verdict: AdmissionVerdict;
  /** Until when a new admission counts without the environment's resources. */
  readonly reservedUntil?: string;
  /** What the deciding admit counted the live environments from. */
  readonly countedFrom?: CountedFrom;
}

/** Every reservation that still counted when the register was last written, and the recent decisions of waiting requests. */
export interface Reservations {
  readonly holders: readonly Reservation[];
  /** @default - none */
  readonly decided?: readonly AdmissionDecision[];
}

/** The admission reservations: a versioned register under `admissions/` in the audit bucket. */
export function reservationRegister(store: StateStore): VersionedRegister<Reservations> {
  return new VersionedRegister(store, ADMISSION_PREFIX, parseReservations);
}

/** The reservations still counting at `now`. */
export function heldAt(reservations: Reservations | undefined, now: Date): Reservation[] {
  return (reservations?.holders ?? []).filter((r) => Date.parse(r.until) > now.getTime());
}

/** The decisions still kept at `now`: those of requests written less than `keepMs` before it. */
export function decidedAt(reservations: Reservations | undefined, now: Date, keepMs: number): AdmissionDecision[] {
  return (reservations?.decided ?? []).filter((d) => Date.parse(d.at) > now.getTime() - keepMs);
}

function parseReservations(body: unknown): Reservations {
  const value = body as { holders?: unknown; decided?: unknown } | null;
  const holders = value?.holders;
  if (!Array.isArray(holders)) throw new Error(`the admission register is malformed: ${JSON.stringify(body).slice(0, 200)}`);
  const decided = value?.decided;
  if (decided !== undefined && !Array.isArray(decided)) throw new Error(`the admission register's decisions are malformed: ${JSON.stringify(decided).slice(0, 200)}`);
  return {
    holders: holders.map((h: Partial<Record<keyof Reservation, unknown>>) => {
      if (typeof h.env !== "string" || typeof h.owner !== "string" || typeof h.at !== "string" || typeof h.until !== "string" || typeof h.by !== "string" || Number.isNaN(Date.parse(h.until))) {
        throw new Error(`an admission reservation is malformed: ${JSON.stringify(h).slice(0, 200)}`);
      }
      return { env: h.env, owner: h.owner, at: h.at, until: h.until, by: h.by };
    }),
    ...(decided === undefined ? {} : { decided: decided.map(parseDecision) }),
  };
}

function parseDecision(d: Partial<Record<keyof AdmissionDecision, unknown>>): AdmissionDecision {
  const verdict = d.verdict as Partial<Record<string, unknown>> | undefined;
  const wellFormed =
    typeof d.id === "string" && typeof d.at === "string" && !Number.isNaN(Date.parse(d.at)) && typeof verdict === "object" && verdict !== null &&
    (verdict.verdict === "admitted" || verdict.verdict === "refused") && typeof verdict.reason === "string" && typeof verdict.counts === "object";
  if (!wellFormed) throw new Error(`an admission decision is malformed: ${JSON.stringify(d).slice(0, 200)}`);
  return d as AdmissionDecision;
}
