import type { DiscoveredResource, Inventory } from "../kinds/kind-adapter";
import { finalSnapshotName, isProtected, type OnExpiry, safestOnExpiry, TAG, tryParseOnExpiry } from "../model";
import { groupEnvironments } from "./group-environments";
import { deletePhases, holdsData, isPhase, markPhase, pausePlanPhases, resumePhases, stateOf } from "./phases";
import type { Plan, PlanNote, PlanPhase } from "./plan";

export interface ManualPlanOptions {
  /** When the plan is made. @default now */
  readonly now?: Date;
  /** Never acted on, whatever its tags. @default - none (act still refuses the configured bucket) */
  readonly auditBucket?: string;
  /** Recorded with each action. @default "requested by an operator" */
  readonly reason?: string;
}

/**
 * A pause asked for by an operator or the budget handler: the same phases as a
 * budget pause. Refused (an empty plan with a note) for a protected environment or
 * one a listing failure may hide.
 */
export function planPause(envId: string, inventory: Inventory, options: ManualPlanOptions = {}): Plan {
  return manualPlan("pause", envId, inventory, options, (resources, reason) => pausePlanPhases(resources, reason));
}

/**
 * The exact reverse of a pause: the database starts first, then capacity, then the
 * workloads (each adapter restores the size it remembered), and only then are the
 * paused resources marked `active`. `decide` never resumes on its own.
 */
export function planResume(envId: string, inventory: Inventory, options: ManualPlanOptions = {}): Plan {
  return manualPlan("resume", envId, inventory, options, (resources, reason) => {
    const mark = resources
      .filter((r) => stateOf(r) === "paused")
      .map((resource) => ({ type: "tag" as const, resource, tags: { [TAG.state]: "active" }, reason }));
    return [...resumePhases(resources, reason), { name: "mark" as const, actions: mark }].filter(isPhase);
  });
}

/**
 * Its task is finished: the environment is reaped now, as an expired one would be, in
 * the same dependency order, but without warning its owner first (the release is the
 * deliberate act). Its `ephemera:on-expiry` still applies: `snapshot-delete` takes the final
 * snapshot, and `pause`, which asked for its data to be kept, becomes `snapshot-delete`.
 * Refused, like a pause, for a protected environment or one a listing failure may hide,
 * and for a malformed on-expiry: the reaper never deletes on a guess.
 */
export function planRelease(envId: string, inventory: Inventory, options: ManualPlanOptions = {}): Plan {
  const now = options.now ?? new Date();
  return manualPlan("release", envId, inventory, options, (resources, reason) => {
    const seen = new Set<OnExpiry>();
    for (const resource of resources) {
      const parsed = tryParseOnExpiry(resource.tags[TAG.onExpiry]);
      if (!parsed.ok) return `${TAG.onExpiry} on ${resource.kind} ${resource.id} is malformed (${parsed.error.message}); release refused`;
      seen.add(parsed.value);
    }
    const onExpiry = safestOnExpiry(seen);
    const databases = resources.filter(holdsData);
    const snapshot =
      onExpiry === "delete" ? undefined : (db: DiscoveredResource) => finalSnapshotName(envId, now, databases.length > 1 ? db.id : undefined);
    return [markPhase(resources, "reaping", reason), ...deletePhases(resources, reason, snapshot)].filter(isPhase);
  });
}

/** The checks a manual plan makes before building its phases: found, not protected, fully seen. `phases` may refuse with a reason. */
function manualPlan(
  intent: "pause" | "resume" | "release",
  envId: string,
  inventory: Inventory,
  options: ManualPlanOptions,
  phases: (resources: readonly DiscoveredResource[], reason: string) => PlanPhase[] | string,
): Plan {
  const now = options.now ?? new Date();
  const empty = (note: Omit<PlanNote, "env">): Plan => ({
    version: 1,
    createdAt: now.toISOString(),
    environments: [],
    deferred: [],
    notes: [{ ...note, env: envId }],
  });
  const view = groupEnvironments(inventory, options.auditBucket ?? "").environments.find((e) => e.env === envId);
  if (view === undefined) return empty({ level: "warning", code: "not-found", message: `no resources of environment ${envId} were found` });
  const guard = view.resources.find((r) => isProtected(r.tags));
  if (guard !== undefined) {
    return empty({
      level: "warning",
      code: "protected",
      resource: { kind: guard.kind, id: guard.id },
      message: `${TAG.protect} protects the whole environment; ${intent} refused`,
    });
  }
  if (view.failures.length > 0) {
    return empty({
      level: "warning",
      code: "fail-closed",
      message: `${intent} refused: a listing failed (${view.failures.map((f) => `${f.kind} in ${f.scope}`).join("; ")}), so resources may be unseen`,
    });
  }
  const reason = options.reason ?? "requested by an operator";
  const planned = phases(view.resources, reason);
  if (typeof planned === "string") return empty({ level: "warning", code: "malformed-on-expiry", message: planned });
  return {
    version: 1,
    createdAt: now.toISOString(),
    environments: [{ env: envId, intent, reason, phases: planned }],
    deferred: [],
    notes: [],
  };
}
