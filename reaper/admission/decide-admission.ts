import { formatDuration, type Isolation, ownerKey, SETTINGS } from "../model";
import type { AdmissionLimits } from "../config/read-settings";
import type { ProvisioningStatus } from "./provisioning";
import type { Reservation } from "./reservations";

export interface AdmissionRequest {
  readonly env: string;
  readonly owner: string;
  readonly ttlMs: number;
  /** The budget asked for, in USD. @default - none given */
  readonly budgetUsd?: number;
  /** The isolation level asked for (`--isolation`). @default none */
  readonly isolation?: Isolation;
}

/** An environment whose resources exist, with the owners its resources name. */
export interface LiveEnvironment {
  readonly env: string;
  readonly owners: readonly string[];
}

export interface AdmissionInput {
  readonly request: AdmissionRequest;
  readonly limits: AdmissionLimits & { readonly maxTtlMs: number };
  readonly live: readonly LiveEnvironment[];
  /** Reservations still counting now. */
  readonly held: readonly Reservation[];
  readonly provisioning: ProvisioningStatus;
}

/**
 * Which rule refused an admission, in the order {@link decideAdmission} checks them. Each
 * member's comment says when (its row of docs/admission.md's table, generated from it),
 * and `@setting` names the setting of its cap.
 */
export type AdmissionLimit =
  /** `--ttl` is over the max TTL @setting maxTtl */
  | "max-ttl"
  /** `--budget-usd` is over the max budget @setting maxBudgetUsd */
  | "max-budget"
  /** `--isolation` asks for a level the platform does not offer (no sandbox nodes for it) @setting offeredIsolation */
  | "isolation-not-offered"
  /** the environment exists (or is admitted) for another owner */
  | "owner-mismatch"
  /** provisioning is paused (the provisioning switch) */
  | "provisioning-paused"
  /** the account has this many live environments @setting maxEnvironments */
  | "max-environments"
  /** the owner has this many @setting maxEnvironmentsPerOwner */
  | "max-environments-per-owner";

/** How many environments count against the caps, this one not included. */
export interface AdmissionCounts {
  readonly environments: number;
  readonly maxEnvironments: number;
  readonly owner: number;
  readonly maxEnvironmentsPerOwner: number;
}

/**
 * - `live`: its resources exist (a redeploy): admitted whatever the caps and the provisioning switch say
 * - `reserved`: admitted earlier and still counting: admitted again, nothing new is reserved
 * - `new`: admitted now: a reservation is to be written
 */
export type AdmissionVerdict =
  | { readonly verdict: "admitted"; readonly basis: "live" | "reserved" | "new"; readonly reason: string; readonly counts: AdmissionCounts }
  | { readonly verdict: "refused"; readonly limit: AdmissionLimit; readonly reason: string; readonly counts: AdmissionCounts };

/**
 * The admission gate's policy, a pure function. The request's own limits first (TTL,
 * budget, isolation level), then an environment that already exists or is already admitted is let in
 * again (for its owner), then the provisioning switch, then the account's and the
 * owner's caps. What counts: every live environment and every reservation still holding,
 * an environment that is both counting once. Owners are compared trimmed and
 * case-insensitive (`ownerKey`): `Alice@x` and `alice@x ` are one owner, for the cap and
 * for an owner mismatch alike.
 */
export function decideAdmission(input: AdmissionInput): AdmissionVerdict {
  const { request, limits, live, held, provisioning } = input;
  const counting = new Map<string, readonly string[]>();
  for (const e of live) counting.set(e.env, e.owners);
  for (const r of held) counting.set(r.env, [...new Set([...(counting.get(r.env) ?? []), r.owner])]);
  const requester = ownerKey(request.owner);
  const ownedByRequester = (owners: readonly string[]) => owners.some((o) => ownerKey(o) === requester);
  const others = [...counting].filter(([env]) => env !== request.env);
  const counts: AdmissionCounts = {
    environments: others.length,
    maxEnvironments: limits.maxEnvironments,
    owner: others.filter(([, owners]) => ownedByRequester(owners)).length,
    maxEnvironmentsPerOwner: limits.maxEnvironmentsPerOwner,
  };
  const refuse = (limit: AdmissionLimit, reason: string): AdmissionVerdict => ({ verdict: "refused", limit, reason, counts });

  if (request.ttlMs > limits.maxTtlMs) {
    return refuse("max-ttl", `the ttl ${formatDuration(request.ttlMs)} is over the max TTL of ${formatDuration(limits.maxTtlMs)} (${SETTINGS.maxTtl.env}); ask for ${formatDuration(limits.maxTtlMs)} or less`);
  }
  if (request.budgetUsd !== undefined && request.budgetUsd > limits.maxBudgetUsd) {
    return refuse("max-budget", `the budget $${request.budgetUsd} is over the max budget of $${limits.maxBudgetUsd} (${SETTINGS.maxBudgetUsd.env}); ask for $${limits.maxBudgetUsd} or less`);
  }

  const isolation = request.isolation ?? "none";
  if (!limits.offeredIsolation.includes(isolation)) {
    const offered = limits.offeredIsolation.map((level) => `"${level}"`).join(", ");
    return refuse(
      "isolation-not-offered",
      `the isolation "${isolation}" is not offered here: this platform offers ${offered} (${SETTINGS.offeredIsolation.env}); ask for one of those, or ask the platform team to build ${isolation} nodes and offer it`,
    );
  }

  const existing = counting.get(request.env);
  if (existing !== undefined) {
    if (existing.length > 0 && !ownedByRequester(existing)) {
      return refuse("owner-mismatch", `${request.env} already exists for owner ${existing.join(", ")}, not ${request.owner}; use another environment id, or the same owner`);
    }
    const isLive = live.some((e) => e.env === request.env);
    return {
      verdict: "admitted",
      basis: isLive ? "live" : "reserved",
      reason: isLive ? `${request.env} is live already: a redeploy is never refused by the caps` : `${request.env} was admitted already and still counts`,
      counts,
    };
  }

  if (provisioning.paused) {
    const change = provisioning.change!;
    return refuse(
      "provisioning-paused",
      `provisioning is paused (since ${change.at}, by ${change.source}: ${change.reason}); new environments are refused until spend falls back or an operator runs: ephemera provisioning resume`,
    );
  }
  if (counts.environments >= limits.maxEnvironments) {
    return refuse(
      "max-environments",
      `the account has ${counts.environments} live environments, at the cap of ${limits.maxEnvironments} (${SETTINGS.maxEnvironments.env}); wait until one is released or reaped, or raise the cap`,
    );
  }
  if (counts.owner >= limits.maxEnvironmentsPerOwner) {
    return refuse(
      "max-environments-per-owner",
      `owner ${request.owner} has ${counts.owner} live environments, at the cap of ${limits.maxEnvironmentsPerOwner} (${SETTINGS.maxEnvironmentsPerOwner.env}); release one first (ephemera release <env>)`,
    );
  }
  return {
    verdict: "admitted",
    basis: "new",
    reason: `admitted: ${counts.environments + 1} of ${limits.maxEnvironments} environments, ${counts.owner + 1} of ${limits.maxEnvironmentsPerOwner} for ${request.owner}`,
    counts,
  };
}

/** What deciding several requests in turn leaves: the reservations now holding, and each request's verdict. */
export interface TurnOutcome<R extends AdmissionRequest> {
  readonly held: readonly Reservation[];
  readonly verdicts: readonly { readonly request: R; readonly verdict: AdmissionVerdict; readonly reservedUntil?: string }[];
}

/**
 * {@link decideAdmission} for several requests, in the order given: each is decided on what
 * the ones before it were granted, so of requests that race for the last places the
 * earliest get them, and one write of the reservations records every verdict.
 */
export function decideInTurn<R extends AdmissionRequest & { readonly by: string }>(
  requests: readonly R[],
  context: Omit<AdmissionInput, "request"> & { readonly now: Date },
): TurnOutcome<R> {
  let held = context.held;
  const verdicts = requests.map((request) => {
    const verdict = decideAdmission({ ...context, request, held });
    if (verdict.verdict !== "admitted" || verdict.basis !== "new") return { request, verdict };
    const until = new Date(context.now.getTime() + context.limits.holdMs).toISOString();
    held = [...held, { env: request.env, owner: request.owner, at: context.now.toISOString(), until, by: request.by }];
    return { request, verdict, reservedUntil: until };
  });
  return { held, verdicts };
}
