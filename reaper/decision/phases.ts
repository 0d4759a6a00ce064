import type { DiscoveredResource } from "../contracts/kind-adapter";
import { type EnvState, TAG } from "../model";
import { kindRow } from "../contracts/kind-catalog";
import {
  DELETE_PHASE_ORDER,
  PAUSE_PHASE_ORDER,
  type PhaseName,
  type PlannedAction,
  type PlanPhase,
} from "../contracts/plan";

/** The `ephemera:state` a resource carries; no tag (or an unknown value) reads as `active`. */
export function stateOf(resource: DiscoveredResource): EnvState {
  const value = resource.tags[TAG.state];
  return value === "expiring" || value === "paused" || value === "reaping" ? value : "active";
}

/** Tags every resource not already in `state` (so a repeated run writes nothing new); undefined when none needs it. */
export function markPhase(resources: readonly DiscoveredResource[], state: EnvState, reason: string): PlanPhase | undefined {
  const actions: PlannedAction[] = resources
    .filter((r) => stateOf(r) !== state)
    .map((resource) => ({ type: "tag", resource, tags: { [TAG.state]: state }, reason }));
  return actions.length === 0 ? undefined : { name: "mark", actions };
}

/**
 * Marks an environment `expiring` without erasing a pause: paused resources of the
 * kinds that pause keep `paused` (a later resume or re-pause reads it), and the rest
 * carry the warning, which is what "warned" is read from.
 */
export function warnPhase(resources: readonly DiscoveredResource[], reason: string): PlanPhase | undefined {
  const keepsPause = (r: DiscoveredResource) => stateOf(r) === "paused" && pausePhaseOf(r) !== undefined;
  const marked = resources.filter((r) => !keepsPause(r));
  // An environment made only of paused, pausable resources still needs its warning mark.
  return markPhase(marked.length > 0 ? marked : resources, "expiring", reason);
}

/** Ordered delete phases; `finalSnapshot` names the final snapshot of each resource that holds data, when wanted. */
export function deletePhases(
  resources: readonly DiscoveredResource[],
  reason: string,
  finalSnapshot?: (resource: DiscoveredResource) => string,
): PlanPhase[] {
  return grouped(resources, (r) => kindRow(r.kind).deletePhase, DELETE_PHASE_ORDER, (resource) =>
    holdsData(resource) && finalSnapshot !== undefined
      ? { type: "delete", resource, finalSnapshotName: finalSnapshot(resource), reason }
      : { type: "delete", resource, reason },
  );
}

/** Ordered pause phases over the kinds that cost money while idle. */
export function pausePhases(resources: readonly DiscoveredResource[], reason: string): PlanPhase[] {
  return grouped(resources, pausePhaseOf, PAUSE_PHASE_ORDER, (resource) => ({
    type: "pause",
    resource,
    reason,
  }));
}

/** The exact reverse of {@link pausePhases}: the database first, the workloads last. */
export function resumePhases(resources: readonly DiscoveredResource[], reason: string): PlanPhase[] {
  return grouped(resources, pausePhaseOf, [...PAUSE_PHASE_ORDER].reverse(), (resource) => ({
    type: "resume",
    resource,
    reason,
  }));
}

function grouped(
  resources: readonly DiscoveredResource[],
  phaseOf: (r: DiscoveredResource) => PhaseName | undefined,
  order: readonly PhaseName[],
  action: (r: DiscoveredResource) => PlannedAction,
): PlanPhase[] {
  return order
    .map((name) => ({ name, actions: resources.filter((r) => phaseOf(r) === name).map(action) }))
    .filter((phase) => phase.actions.length > 0);
}

/**
 * A whole pause: pause what costs money, mark every resource paused, then (for a budget
 * pause) tell the owner. A resource already tagged paused is not paused again, because
 * pausing a node group already at 0 would remember 0 as its size; a database AWS
 * restarted (status `available`) is the exception.
 */
export function pausePlanPhases(resources: readonly DiscoveredResource[], reason: string, notify?: PlanPhase): PlanPhase[] {
  const running = resources.filter((r) => stateOf(r) !== "paused" || isRestartedWhilePaused(r));
  return [...pausePhases(running, reason), markPhase(resources, "paused", reason), notify].filter(isPhase);
}

/** A paused resource AWS started again on its own (RDS does after 7 days stopped): it is paused again. */
export function isRestartedWhilePaused(resource: DiscoveredResource): boolean {
  const restarted = kindRow(resource.kind).restartedStatus;
  return restarted !== undefined && stateOf(resource) === "paused" && resource.status === restarted;
}

/** Its kind holds data (a final snapshot is taken on `snapshot-delete`). */
export function holdsData(resource: DiscoveredResource): boolean {
  return kindRow(resource.kind).holdsData;
}

function pausePhaseOf(resource: DiscoveredResource): PhaseName | undefined {
  return kindRow(resource.kind).pausePhase;
}

export function isPhase(phase: PlanPhase | undefined): phase is PlanPhase {
  return phase !== undefined && phase.actions.length > 0;
}
