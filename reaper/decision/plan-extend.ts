import { groupEnvironments } from "./group-environments";
import type { Inventory } from "../contracts/kind-adapter";
import { expiryOf, formatDuration, formatInstant, isProtected, TAG } from "../model";
import type { Plan, PlannedAction } from "../contracts/plan";
import { stateOf } from "./phases";

export interface ExtendOptions {
  readonly now: Date;
  /** How much longer, in milliseconds (already parsed with the ttl grammar). */
  readonly by: number;
  /** The most life an environment can have ahead of it after an extension. */
  readonly maxTtlMs: number;
  /** Never acted on, whatever its tags. @default - none (act still refuses the configured bucket) */
  readonly auditBucket?: string;
  /** Recorded with each action. @default "extended by an operator" */
  readonly reason?: string;
}

export type ExtendDecision =
  | {
      readonly status: "extend";
      readonly plan: Plan;
      readonly previousExpiresAt: string;
      readonly expiresAt: string;
      /** True when the extension asked for was cut to now + max TTL. */
      readonly capped: boolean;
    }
  | { readonly status: "unchanged"; readonly previousExpiresAt: string; readonly expiresAt: string; readonly message: string }
  | { readonly status: "refused"; readonly code: "not-found" | "protected" | "unknown-expiry" | "reaping"; readonly message: string };

/**
 * An extension asked for by an operator (`ephemera extend <env> <duration>`).
 *
 * The new expiry is `max(current expiry, now) + duration`: extending adds time to what
 * is left, and an environment already past its expiry (warned, not yet reaped) gets the
 * duration from now. It is capped at `now + maxTtl`, so no environment ever has more
 * than the max TTL ahead of it (each extension is a deliberate, audited act, so a
 * long-lived environment stays possible, but never by accident). An extension never
 * shortens: when the cap is at or before the current expiry nothing changes.
 *
 * The plan writes `ephemera:extended-until` on every resource (the expiry is the latest
 * over all of them, so one would do; all of them keeps any one resource's tags
 * self-explaining). Refused for a protected environment (nothing to extend), an
 * unknown expiry (fix the tag instead: the reaper never acts on it anyway) and one being reaped.
 */
export function planExtend(envId: string, inventory: Inventory, options: ExtendOptions): ExtendDecision {
  const { now } = options;
  const view = groupEnvironments(inventory, options.auditBucket ?? "").environments.find((e) => e.env === envId);
  if (view === undefined) return { status: "refused", code: "not-found", message: `no resources of environment ${envId} were found` };
  const guard = view.resources.find((r) => isProtected(r.tags));
  if (guard !== undefined) {
    return {
      status: "refused",
      code: "protected",
      message: `${TAG.protect} on ${guard.kind} ${guard.id} protects the whole environment: it never expires, so there is nothing to extend`,
    };
  }
  if (view.resources.some((r) => stateOf(r) === "reaping")) {
    return { status: "refused", code: "reaping", message: `environment ${envId} is being reaped (${TAG.state}=reaping); it can no longer be extended` };
  }
  const expiry = expiryOf(
    view.resources.map((r) => r.tags),
    { maxTtl: options.maxTtlMs },
  );
  if (!expiry.known) {
    return {
      status: "refused",
      code: "unknown-expiry",
      message: `the expiry of ${envId} is unknown (${expiry.reason}), so the reaper never acts on it; fix that tag instead of extending`,
    };
  }

  const current = expiry.expiresAt.getTime();
  const wanted = Math.max(current, now.getTime()) + options.by;
  const cap = now.getTime() + options.maxTtlMs;
  // Whole seconds, rounded up: readable tags and schedule expressions, never earlier than asked.
  const target = Math.ceil(Math.min(wanted, cap) / 1000) * 1000;
  const previousExpiresAt = formatInstant(expiry.expiresAt);
  const expiresAt = formatInstant(new Date(target));
  if (target <= current) {
    return {
      status: "unchanged",
      previousExpiresAt,
      expiresAt: previousExpiresAt,
      message:
        `${envId} already expires at ${previousExpiresAt}, and an extension is capped at now + max TTL ` +
        `(${maxTtlText(options.maxTtlMs)}, ${formatInstant(new Date(cap))}); nothing changed`,
    };
  }
  const capped = wanted > cap;
  const reason =
    `${options.reason ?? "extended by an operator"}: expiry ${previousExpiresAt} → ${expiresAt}` +
    (capped ? " (capped at now + max TTL)" : "");
  const actions: PlannedAction[] = view.resources.map((resource) => ({
    type: "tag",
    resource,
    tags: { [TAG.extendedUntil]: expiresAt },
    reason,
  }));
  return {
    status: "extend",
    previousExpiresAt,
    expiresAt,
    capped,
    plan: {
      version: 1,
      createdAt: now.toISOString(),
      environments: [{ env: envId, intent: "extend", reason, expiresAt, phases: [{ name: "mark", actions }] }],
      deferred: [],
      notes: [],
    },
  };
}

function maxTtlText(ms: number): string {
  return Number.isSafeInteger(ms) && ms >= 60_000 && ms % 60_000 === 0 ? formatDuration(ms) : `${ms} ms`;
}
