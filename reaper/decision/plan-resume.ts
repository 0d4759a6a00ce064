import type { Inventory } from "../kinds/kind-adapter";
import { TAG } from "../model";
import { isPhase, resumePhases, stateOf } from "./phases";
import type { Plan } from "./plan";
import { manualPlan, type ManualPlanOptions } from "./plan-pause-resume";

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
