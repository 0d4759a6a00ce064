import type { DiscoveredResource, Inventory } from "../kinds/kind-adapter";
import { isProtected, TAG } from "../model";
import { groupEnvironments } from "./group-environments";
import { isPhase, pausePlanPhases, resumePhases, stateOf } from "./phases";
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

/** The checks a manual plan makes before building its phases: found, not protected, fully seen. */
function manualPlan(
  intent: "pause" | "resume",
  envId: string,
  inventory: Inventory,
  options: ManualPlanOptions,
  phases: (resources: readonly DiscoveredResource[], reason: string) => PlanPhase[],
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
  return {
    version: 1,
    createdAt: now.toISOString(),
    environments: [{ env: envId, intent, reason, phases: phases(view.resources, reason) }],
    deferred: [],
    notes: [],
  };
}
