import { groupEnvironments } from "./group-environments";
import type { DiscoveredResource, Inventory } from "../contracts/kind-adapter";
import { checkpointSnapshotName, isProtected, SETTINGS, TAG, type TagKey } from "../model";
import type { Plan, PlannedAction, PlanPhase } from "../contracts/plan";
import { stateOf } from "./phases";

/** The label every environment restored from a baseline has from birth: the snapshot it came from. Never given to a new checkpoint. */
export const BASELINE_LABEL = "baseline";

/** A checkpoint's label: lowercase, DNS-label style, at most 40 characters. */
export const CHECKPOINT_LABEL = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** The environment's tags a checkpoint carries, copied from its database: who owns it, when it expires, its state. */
const COPIED_TAGS: readonly TagKey[] = [TAG.managedBy, TAG.env, TAG.owner, TAG.ttl, TAG.createdAt, TAG.expiresAt, TAG.extendedUntil, TAG.onExpiry, TAG.budgetUsd, TAG.state];

export interface CheckpointOptions {
  readonly now: Date;
  /** The checkpoint's label. @default - none: a label-less checkpoint, the first to go past the limit */
  readonly label?: string;
  /** Most checkpoints the environment keeps, its baseline not counted (EPHEMERA_MAX_CHECKPOINTS). */
  readonly maxCheckpoints: number;
  /** Never acted on, whatever its tags. @default - none (act still refuses the configured bucket) */
  readonly auditBucket?: string;
  /** Recorded with each action. @default "checkpoint asked for by an operator" */
  readonly reason?: string;
}

/** Why a checkpoint was refused. */
export type CheckpointRefusal = "not-found" | "protected" | "reaping" | "no-database" | "several-databases" | "incomplete" | "label" | "limit";

export type CheckpointDecision =
  | {
      readonly status: "checkpoint";
      readonly plan: Plan;
      /** The new snapshot's identifier. */
      readonly snapshot: string;
      readonly label?: string;
      /** The database it is a snapshot of. */
      readonly database: string;
      /** The label-less checkpoints deleted to stay within the limit, oldest first. */
      readonly replaced: readonly string[];
    }
  | { readonly status: "refused"; readonly code: CheckpointRefusal; readonly message: string };

/** An environment's checkpoints (its `rds-snapshot` resources), oldest first. */
export function checkpointsOf(resources: readonly DiscoveredResource[]): DiscoveredResource[] {
  const time = (r: DiscoveredResource) => String(r.facts?.createdAt ?? "");
  return resources.filter((r) => r.kind === "rds-snapshot").sort((a, b) => time(a).localeCompare(time(b)) || a.id.localeCompare(b.id));
}

/** A label's problem and its fix, or undefined when it is a good label for a new checkpoint. */
export function labelProblem(label: string, existing: readonly DiscoveredResource[]): string | undefined {
  if (label === BASELINE_LABEL) return `the label "${BASELINE_LABEL}" is reserved for the snapshot the environment was restored from; choose another, e.g. --name before-migration`;
  if (!CHECKPOINT_LABEL.test(label)) {
    return `the label ${JSON.stringify(label.slice(0, 80))} is not 1 to 40 lowercase letters, digits and hyphens starting with a letter (and not ending with a hyphen); use one such as --name before-migration`;
  }
  const taken = existing.find((r) => r.tags[TAG.checkpoint] === label);
  if (taken !== undefined) return `the environment already has a checkpoint labelled "${label}" (snapshot ${taken.id}); choose another label, or delete that one first`;
  return undefined;
}

/**
 * A checkpoint asked for by an operator (`ephemera checkpoint <env> [--name <label>]`): a
 * manual snapshot of the environment's database, tagged as the environment's (so it is
 * deleted with it) and `ephemera:checkpoint=<label>` (empty without one), named
 * `ephemera-<env>-<yyyymmddhhmmss>` (with `-2`, `-3`, … when that is taken). A paused
 * environment can be checkpointed: RDS snapshots a stopped instance.
 *
 * Past `maxCheckpoints` (the baseline not counted), the same plan deletes the oldest
 * label-less checkpoints, after the new one is taken (a later phase: if the snapshot fails,
 * nothing is deleted). A labelled checkpoint is never deleted this way: when all are
 * labelled, the checkpoint is refused. Refused, changing nothing, for an environment not
 * found, protected, being reaped, without a database (or with several), one a listing may
 * hide resources of, and a bad or taken label.
 */
export function planCheckpoint(envId: string, inventory: Inventory, options: CheckpointOptions): CheckpointDecision {
  const found = environmentDatabase(envId, inventory, options.auditBucket ?? "");
  if ("code" in found) return { status: "refused", ...found };
  const { resources, database } = found;
  const existing = checkpointsOf(resources);
  const label = options.label;
  const problem = label === undefined ? undefined : labelProblem(label, existing);
  if (problem !== undefined) return { status: "refused", code: "label", message: problem };

  const excess = existing.length + 1 - options.maxCheckpoints;
  const replaceable = existing.filter((r) => r.tags[TAG.checkpoint] === "");
  if (excess > replaceable.length) {
    return {
      status: "refused",
      code: "limit",
      message:
        `${envId} has ${existing.length} checkpoints, the most it keeps (${SETTINGS.maxCheckpoints.env}=${options.maxCheckpoints}; its baseline not counted), ` +
        `and only label-less ones are deleted to make room: ${replaceable.length === 0 ? "every one is labelled" : `${replaceable.length} is label-less`}. ` +
        `Delete a labelled one first (aws rds delete-db-snapshot --db-snapshot-identifier <snapshot>), or raise ${SETTINGS.maxCheckpoints.env}`,
    };
  }
  const replaced = excess > 0 ? replaceable.slice(0, excess) : [];
  const snapshot = freeName(envId, options.now, new Set(existing.map((r) => r.id)));
  const reason = `${options.reason ?? "checkpoint asked for by an operator"}: snapshot ${snapshot} of ${database.id}${label === undefined ? "" : ` labelled ${label}`}`;
  const tags: Record<string, string> = { ...Object.fromEntries(COPIED_TAGS.flatMap((key) => (database.tags[key] === undefined ? [] : [[key, database.tags[key]]]))), [TAG.checkpoint]: label ?? "" };
  const phases: PlanPhase[] = [{ name: "database", actions: [{ type: "checkpoint", resource: database, snapshot, tags, reason }] }];
  const deletes: PlannedAction[] = replaced.map((resource) => ({
    type: "delete",
    resource,
    reason: `${reason}: the oldest label-less checkpoint past ${SETTINGS.maxCheckpoints.env}=${options.maxCheckpoints}`,
  }));
  if (deletes.length > 0) phases.push({ name: "resources", actions: deletes });
  return {
    status: "checkpoint",
    snapshot,
    ...(label === undefined ? {} : { label }),
    database: database.id,
    replaced: replaced.map((r) => r.id),
    plan: { version: 1, createdAt: options.now.toISOString(), environments: [{ env: envId, intent: "checkpoint", reason, phases }], deferred: [], notes: [] },
  };
}

/** The environment's resources and its one database, or why it cannot be checkpointed. */
function environmentDatabase(
  envId: string,
  inventory: Inventory,
  auditBucket: string,
): { resources: readonly DiscoveredResource[]; database: DiscoveredResource } | { code: CheckpointRefusal; message: string } {
  const view = groupEnvironments(inventory, auditBucket).environments.find((e) => e.env === envId);
  if (view === undefined) return { code: "not-found", message: `no resources of environment ${envId} were found; check the id (ephemera ls lists them)` };
  const guard = view.resources.find((r) => isProtected(r.tags));
  if (guard !== undefined) {
    return { code: "protected", message: `${TAG.protect} on ${guard.kind} ${guard.id} protects the whole environment: the reaper and its commands never act on it; remove the tag to checkpoint it` };
  }
  if (view.resources.some((r) => stateOf(r) === "reaping")) {
    return { code: "reaping", message: `environment ${envId} is being reaped or released (${TAG.state}=reaping); its checkpoints go with it, so none can be taken` };
  }
  const failures = inventory.failures.filter((f) => (f.kind === "rds-instance" || f.kind === "rds-snapshot") && (f.env === undefined || f.env === envId));
  if (failures.length > 0) {
    return { code: "incomplete", message: `a listing failed (${failures.map((f) => `${f.kind}: ${f.code ?? f.message}`).join("; ")}), so ${envId}'s databases and checkpoints may not all be seen; try again` };
  }
  const databases = view.resources.filter((r) => r.kind === "rds-instance");
  if (databases.length === 0) return { code: "no-database", message: `environment ${envId} has no database (rds-instance) to checkpoint` };
  if (databases.length > 1) {
    return { code: "several-databases", message: `environment ${envId} has ${databases.length} databases (${databases.map((d) => d.id).join(", ")}); a checkpoint is of one, and which is not yet choosable` };
  }
  return { resources: view.resources, database: databases[0]! };
}

/** `ephemera-<env>-<yyyymmddhhmmss>`, or with the first free `-2`, `-3`, … when a checkpoint of that second exists. */
function freeName(envId: string, now: Date, taken: ReadonlySet<string>): string {
  let name = checkpointSnapshotName(envId, now);
  for (let n = 2; taken.has(name); n++) name = checkpointSnapshotName(envId, now, String(n));
  return name;
}
