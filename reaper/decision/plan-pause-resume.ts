import { groupEnvironments } from "./group-environments";
import type { Inventory } from "../kinds/kind-adapter";
import { isProtected, TAG } from "../model";
import type { Plan, PlanNote } from "./plan";
import { pausePlanPhases } from "./phases";

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

/** Shared by planPause and planResume: the checks a manual plan makes before building its phases. */
export function manualPlan(
  intent: "pause" | "resume",
  envId: string,
  inventory: Inventory,
  options: ManualPlanOptions,
  phases: (resources: Parameters<typeof pausePlanPhases>[0], reason: string) => ReturnType<typeof pausePlanPhases>,
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
