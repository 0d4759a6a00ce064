import { groupEnvironments, ownersOf } from "../decision/group-environments";
import { auditDecision } from "../runtime/audit-decision";
import { checkAccount } from "../runtime/account-guard";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import type { AdmissionCounts, AdmissionLimit, AdmissionRequest, LiveEnvironment } from "./decide-admission";
import { provisioningRegister, provisioningStatus } from "./provisioning";
import { type CountedFrom, freshLiveIndex } from "./live-index";
import { takeTurn, type Turn } from "./take-turn";
import type { StateStore } from "../state/state-store";
import { type Isolation, systemClock } from "../model";

export interface AdmitRequest extends AdmissionRequest {
  /** The caller's ARN, for the reservation and the audit trail. */
  readonly by: string;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/**
 * `ephemera admit --json`. `status`: `admitted` (deploy now) or `refused` (do not: `limit`
 * and `reason` say which cap, with the count). `ok` is false when refused, or when the
 * decision could not be audited (`auditErrors`): deploy only on `ok`.
 */
export interface AdmitResult {
  readonly status: "admitted" | "refused";
  readonly ok: boolean;
  readonly env: string;
  readonly owner: string;
  /** The isolation level it asked for (`none` when none was given): admitted only when the platform offers it. */
  readonly isolation?: Isolation;
  /** How it was admitted: `new`, `reserved` (admitted before, still counting), `live` (its resources exist). */
  readonly basis?: "live" | "reserved" | "new";
  /**
   * What refused it: the account guard, a listing that failed (the count could be low), a
   * skewed clock, a cap or limit, or contention; in the order admit checks them. Each
   * member's comment says when (its row of docs/admission.md's table, generated from it).
   */
  readonly limit?:
    /** the account is not in `EPHEMERA_ALLOWED_ACCOUNTS` */
    | "account-guard"
    /** a listing failed, so environments could be uncounted (fail closed) */
    | "listing-failed"
    /** this host's clock is further from S3's than the limit (reservations hold by S3's clock) @setting maxClockSkewSeconds */
    | "clock-skew"
    | AdmissionLimit
    /** its request waited in the admission queue for 40 s without a decision (many admits at once, or a slow store); try again */
    | "contention";
  readonly reason: string;
  readonly counts?: AdmissionCounts;
  /**
   * What the live environments were counted from: `index`, the live-environment index of the
   * last full sweep (no older than EPHEMERA_ADMISSION_INDEX_MAX_AGE), or `discovery`, every
   * kind listed now (no fresh index). The index can miss an environment deployed without
   * `admit` since that sweep (docs/admission.md).
   */
  readonly countedFrom?: CountedFrom;
  /** Until when a new admission counts without the environment's resources. */
  readonly reservedUntil?: string;
  readonly runId?: string;
  readonly auditErrors?: readonly string[];
  /** Objects of the admission and provisioning registers that were passed over (malformed, or written far ahead), each with why. */
  readonly skipped?: readonly string[];
}

/**
 * The admission gate. Race-safe: the reservations are a versioned register, so of
 * concurrent admits that read the same reservations only one writes the next version;
 * the others wait their turn in the admission queue (take-turn.ts), where one write
 * decides every waiting admit in order, counting each granted before it. Fails closed: a listing that failed refuses,
 * because the environments it hid would not be counted. Holds are judged by S3's clock,
 * and a host whose clock is too far from it refuses.
 */
export async function admitEnvironment(runtime: ReaperRuntime, request: AdmitRequest): Promise<AdmitResult> {
  const clock = request.clock ?? systemClock;
  const { env, owner } = request;
  const base = { env, owner, isolation: request.isolation ?? "none" };
  const guard = await checkAccount(runtime.config, runtime.callerAccount);
  if (!guard.ok) return { ...base, status: "refused", ok: false, limit: "account-guard", reason: guard.error };

  const store = runtime.auditStore(clock);
  const counted = await liveEnvironments(runtime, store, clock);
  if (!counted.ok) return finish(runtime, { ...base, status: "refused", ok: false, limit: "listing-failed", reason: counted.reason }, request.by, clock);
  const { live, countedFrom } = counted;
  const switchRead = await provisioningRegister(store).read();
  const limits = { ...runtime.settings.admission, maxTtlMs: runtime.config.maxTtlMs };

  const turn = await takeTurn({
    store,
    request,
    limits,
    live,
    provisioningAt: (now) => provisioningStatus(switchRead.entry, now),
    countedFrom,
    maxClockSkewMs: runtime.config.maxClockSkewMs,
    clock,
  });
  // Objects the registers passed over (malformed, or written far ahead): named, never in the way.
  const skipped = [...switchRead.skipped, ...turn.skipped];
  const passedOver = skipped.length === 0 ? {} : { skipped };
  return finish(runtime, { ...resultOf(base, turn), ...passedOver }, request.by, clock);
}

function resultOf(base: Pick<AdmitResult, "env" | "owner" | "isolation">, turn: Turn): AdmitResult {
  if ("skew" in turn) return { ...base, status: "refused", ok: false, limit: "clock-skew", reason: turn.skew };
  if ("contention" in turn) {
    return { ...base, status: "refused", ok: false, limit: "contention", reason: `this admit's request was not decided in ${turn.contention.waitedMs} ms (${turn.contention.polls} polls of the reservations: many admits at once, or a store that answers slowly); try again` };
  }
  const { verdict, countedFrom, reservedUntil } = turn.decided;
  const how = { reason: verdict.reason, counts: verdict.counts, ...(countedFrom === undefined ? {} : { countedFrom }) };
  if (verdict.verdict === "refused") return { ...base, status: "refused", ok: false, limit: verdict.limit, ...how };
  return { ...base, status: "admitted", ok: true, basis: verdict.basis, ...how, ...(reservedUntil === undefined ? {} : { reservedUntil }) };
}

type Counted = { readonly ok: true; readonly live: readonly LiveEnvironment[]; readonly countedFrom: CountedFrom } | { readonly ok: false; readonly reason: string };

/**
 * The live environments: from the last full sweep's index when S3 says it is fresh (one
 * listing and one read), else from a full discovery, which refuses on a failed listing.
 */
async function liveEnvironments(runtime: ReaperRuntime, store: StateStore, clock: () => Date): Promise<Counted> {
  const lookup = await freshLiveIndex(store, runtime.settings.admission.indexMaxAgeMs, clock());
  if (lookup.fresh) return { ok: true, live: lookup.index.environments, countedFrom: { source: "index", runId: lookup.index.runId, ageSeconds: Math.round(lookup.ageMs / 1000) } };
  const inventory = await runtime.discover();
  if (inventory.failures.length > 0) {
    const failed = inventory.failures.map((f) => `${f.kind} in ${f.scope}${f.code ? `: ${f.code}` : ""}`).join("; ");
    return { ok: false, reason: `a listing failed (${failed}), so live environments may be uncounted; refused rather than risk going over the caps, try again` };
  }
  const live = groupEnvironments(inventory, runtime.config.auditBucket).environments.map((view) => ({ env: view.env, owners: ownersOf(view.resources) }));
  return { ok: true, live, countedFrom: { source: "discovery", why: lookup.why } };
}

/** Every decision is audited; one that cannot be is not ok, so the pipeline does not deploy on it. */
async function finish(runtime: ReaperRuntime, result: AdmitResult, by: string, clock: () => Date): Promise<AdmitResult> {
  const passedOver = result.skipped === undefined ? "" : `; passed over in the state store: ${result.skipped.join("; ")}`;
  const from = result.countedFrom === undefined ? "" : result.countedFrom.source === "index" ? `; counted from the live-environment index of run ${result.countedFrom.runId} (${result.countedFrom.ageSeconds} s old)` : `; counted by discovery (${result.countedFrom.why})`;
  const message = `${result.status === "admitted" ? "admitted" : `refused (${result.limit})`} ${result.env} for ${result.owner}, asked by ${by}: ${result.reason}${from}${passedOver}`;
  const audited = await auditDecision(runtime, { code: "admission", env: result.env, message }, clock);
  if (audited.error === undefined) return { ...result, runId: audited.runId };
  return { ...result, ok: false, runId: audited.runId, auditErrors: [audited.error] };
}
