import type { DiscoveredResource, Inventory } from "../contracts/kind-adapter";
import { finalSnapshotName, isProtected, type OnExpiry, safestOnExpiry, TAG, tryParseOnExpiry } from "../model";
import { groupEnvironments } from "./group-environments";
import { deletePhases, holdsData, isPhase, markPhase, pausePlanPhases, resumePhases, stateOf } from "./phases";
import type { NoteCode, Plan, PlanNote, PlanPhase } from "../contracts/plan";

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

export interface ReleasePlanOptions extends ManualPlanOptions {
  /**
   * Release an environment whose `ephemera:on-expiry` is `pause` anyway, discarding the
   * data its owner asked to keep (`ephemera release --discard-data`). @default false: refused
   */
  readonly discardData?: boolean;
}

/** What the reason of a release that discarded an on-expiry pause environment's data adds. */
export const DISCARDED_ON_REQUEST = `its ${TAG.onExpiry} is pause (keep the data), and its data was discarded on request (--discard-data): databases get a final snapshot, everything else is deleted`;

/**
 * Its task is finished: the environment is reaped now, as an expired one would be, in
 * the same dependency order, but without warning its owner first (the release is the
 * deliberate act). Its `ephemera:on-expiry` still applies: `snapshot-delete` takes the final
 * snapshot. `pause` asked for its data to be kept, and a release would delete all but the
 * databases' final snapshots (buckets emptied, volumes and namespaces deleted), so it is
 * refused (`keeps-data`) unless `discardData` says to discard the data on purpose; then it
 * is released as `snapshot-delete`, and the reason says the data was discarded on request.
 * Refused, like a pause, for a protected environment or one a listing failure may hide,
 * and for a malformed on-expiry: the reaper never deletes on a guess.
 */
export function planRelease(envId: string, inventory: Inventory, options: ReleasePlanOptions = {}): Plan {
  const now = options.now ?? new Date();
  return manualPlan("release", envId, inventory, options, (resources, reason) => {
    const seen = new Set<OnExpiry>();
    for (const resource of resources) {
      const parsed = tryParseOnExpiry(resource.tags[TAG.onExpiry]);
      if (!parsed.ok) return { code: "malformed-on-expiry", message: `${TAG.onExpiry} on ${resource.kind} ${resource.id} is malformed (${parsed.error.message}); release refused` };
      seen.add(parsed.value);
    }
    const onExpiry = safestOnExpiry(seen);
    if (onExpiry === "pause" && options.discardData !== true) {
      return {
        code: "keeps-data",
        message:
          `${TAG.onExpiry} is pause on ${envId}: its owner asked for its data to be kept, and a release deletes it ` +
          `(buckets emptied, volumes and namespaces deleted; only databases get a final snapshot); release refused. ` +
          `Pause it instead (ephemera pause ${envId}), or release it with --discard-data (MCP: discardData: true) to discard its data on purpose`,
      };
    }
    const why = onExpiry === "pause" ? `${reason}; ${DISCARDED_ON_REQUEST}` : reason;
    const databases = resources.filter(holdsData);
    const snapshot =
      onExpiry === "delete" ? undefined : (db: DiscoveredResource) => finalSnapshotName(envId, now, databases.length > 1 ? db.id : undefined);
    return { reason: why, phases: [markPhase(resources, "reaping", why), ...deletePhases(resources, why, snapshot)].filter(isPhase) };
  });
}

/** A manual plan's phases, with the reason it records when that is not the one it was given; or why it is refused. */
export type Planned = PlanPhase[] | { readonly phases: PlanPhase[]; readonly reason: string } | { readonly code: NoteCode; readonly message: string };

/** The checks a manual plan makes before building its phases: found, not protected, fully seen. `phases` may refuse with a reason. */
export function manualPlan(
  intent: "pause" | "resume" | "release" | "rollback",
  envId: string,
  inventory: Inventory,
  options: ManualPlanOptions,
  phases: (resources: readonly DiscoveredResource[], reason: string) => Planned,
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
  const given = options.reason ?? "requested by an operator";
  const planned = phases(view.resources, given);
  if ("code" in planned) return empty({ level: "warning", code: planned.code, message: planned.message });
  const { phases: list, reason } = Array.isArray(planned) ? { phases: planned, reason: given } : planned;
  return {
    version: 1,
    createdAt: now.toISOString(),
    environments: [{ env: envId, intent, reason, phases: list }],
    deferred: [],
    notes: [],
  };
}
