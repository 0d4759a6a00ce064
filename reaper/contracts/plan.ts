import type { DiscoveredResource, KindName } from "./kind-adapter";
import type { OnExpiry } from "../model";

/**
 * What the reaper means to do, as plain JSON-serialisable data: printed for a dry
 * run (`renderPlan`), written to the audit bucket at the start of a run, and
 * executed by `act`. `decide`, `planPause` and `planResume` produce it.
 */
export interface Plan {
  readonly version: 1;
  /** The clock `decide` was given (ISO-8601 UTC). */
  readonly createdAt: string;
  /** Environments to act on, in execution order (earliest expiry first, then id). */
  readonly environments: readonly EnvironmentPlan[];
  /** Environments with destructive actions held back by the blast-radius cap, in the order they would run. */
  readonly deferred: readonly DeferredEnvironment[];
  /** Everything skipped or worth a human's attention, sorted by environment. */
  readonly notes: readonly PlanNote[];
}

/**
 * Why an environment is in the plan:
 * - `warn`: expiry is near (or past) and the owner has not been told: notify, then mark `expiring`
 * - `reap`: expired, notified, on-expiry `delete` or `snapshot-delete`: mark `reaping`, delete in phases
 * - `pause`: over budget, or expired with on-expiry `pause`: scale to zero and stop, then mark `paused`
 * - `restop`: paused, but AWS restarted its database after 7 days: stop it again
 * - `resume`: asked for by an operator (`planResume`): the exact reverse of `pause`
 * - `unwarn`: marked `expiring` but extended out of the warning window: back to `active`
 * - `refill`: the warm pool (env `pool:<name>`) is topped up, and its stale or broken databases deleted
 * - `claim`: an environment takes a warm pool database (reaper/pool): it is tagged the environment's, and its master password rotated
 * - `warn-budget`: at its burn rate the environment reaches its budget within the warning window: notify, then mark it warned for that limit
 * - `extend`: asked for by an operator (`planExtend`): write `ephemera:extended-until` on every resource
 * - `release`: its task is finished (`planRelease`): reaped now, like an expired environment but with no warning first
 * - `checkpoint`: asked for by an operator (`planCheckpoint`): a manual snapshot of its database, and the oldest label-less checkpoints over the limit deleted
 * - `rollback`: its database goes back to a checkpoint (`planRollback`): restored beside it, swapped in under its identifier, the replaced one kept as a checkpoint
 */
export type Intent = "warn" | "reap" | "pause" | "restop" | "resume" | "unwarn" | "extend" | "warn-budget" | "claim" | "refill" | "release" | "checkpoint" | "rollback";

/** The ordered phases of one environment; `act` starts a phase only when every action of the previous one succeeded. */
export interface EnvironmentPlan {
  readonly env: string;
  readonly intent: Intent;
  readonly reason: string;
  /** The environment's expiry, when known. */
  readonly expiresAt?: string;
  readonly onExpiry?: OnExpiry;
  readonly phases: readonly PlanPhase[];
}

export type PhaseName =
  | "notify"
  | "mark"
  | "namespace"
  | "nodegroup"
  | "database"
  | "database-dependencies"
  | "resources"
  | "network"
  | "identity"
  | "billing";

export interface PlanPhase {
  readonly name: PhaseName;
  readonly actions: readonly PlannedAction[];
}

export type PlannedAction =
  | TagAction
  | DeleteAction
  | PauseAction
  | ResumeAction
  | NotifyAction
  | RotateCredentialsAction
  | RestoreAction
  | CheckpointAction
  | RestoreCheckpointAction
  | RenameAction
  | SetPasswordAction;

/** Operations that stop spending or remove data: never planned for an environment the reaper cannot fully see. */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<PlannedAction["type"]> = new Set(["delete", "pause"]);

export interface TagAction {
  readonly type: "tag";
  readonly resource: DiscoveredResource;
  readonly tags: Readonly<Record<string, string>>;
  readonly reason: string;
}

export interface DeleteAction {
  readonly type: "delete";
  readonly resource: DiscoveredResource;
  /** Set for a database of a `snapshot-delete` environment. */
  readonly finalSnapshotName?: string;
  readonly reason: string;
}

export interface PauseAction {
  readonly type: "pause";
  readonly resource: DiscoveredResource;
  readonly reason: string;
}

export interface ResumeAction {
  readonly type: "resume";
  readonly resource: DiscoveredResource;
  readonly reason: string;
}

/** A warm pool database restored from the baseline snapshot; `resource` is the database to be, with its identifier and tags. */
export interface RestoreAction {
  readonly type: "restore";
  readonly resource: DiscoveredResource;
  readonly from: RestoreSpec;
  readonly reason: string;
}

/** What a pool database is restored from and as. */
export interface RestoreSpec {
  readonly snapshot: string;
  readonly instanceClass: string;
  readonly subnetGroup: string;
  /**
   * The database's own security group, which the restore creates first (or finds by its
   * name, on a retry), with the database's tags and no ingress: it admits nothing until a
   * claiming environment imports it and adds its rules (poolMemberSecurityGroupName).
   */
  readonly securityGroup: { readonly vpcId: string; readonly name: string };
}

/**
 * A checkpoint of an environment's database: a manual snapshot named `snapshot`, created with
 * `tags` (the environment's, and `ephemera:checkpoint`). `resource` is the database (an `rds-instance`).
 */
export interface CheckpointAction {
  readonly type: "checkpoint";
  readonly resource: DiscoveredResource;
  /** The new snapshot's identifier, e.g. `ephemera-pr-123-20260501120000`. */
  readonly snapshot: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly reason: string;
}

/**
 * A rollback's database: the checkpoint restored as `resource.id` beside the environment's
 * own, into the same subnet group and security groups, with `resource.tags`. Done once the
 * restored database is available (the wait keeps the environment's lease).
 */
export interface RestoreCheckpointAction {
  readonly type: "restore-checkpoint";
  readonly resource: DiscoveredResource;
  readonly from: CheckpointRestoreSpec;
  readonly reason: string;
}

/** What a rollback restores its database from and as: the replaced database's class, subnet group and security groups. */
export interface CheckpointRestoreSpec {
  readonly snapshot: string;
  readonly instanceClass: string;
  readonly subnetGroup: string;
  readonly securityGroupIds: readonly string[];
}

/** A database's new identifier (its endpoint follows it). Done once it is available under `to`. */
export interface RenameAction {
  readonly type: "rename";
  readonly resource: DiscoveredResource;
  readonly to: string;
  readonly reason: string;
}

/**
 * The master password of `resource` set to the one in the environment's credentials secret
 * (`secretArn`), so the secret the workloads read opens the database. Done once it is available.
 */
export interface SetPasswordAction {
  readonly type: "set-password";
  readonly resource: DiscoveredResource;
  readonly secretArn: string;
  readonly reason: string;
}

/**
 * A new master password, set on the database and written to the environment's credentials
 * secret (created, or found on a retry), so no earlier holder knows it and the environment
 * owns where it is kept.
 */
export interface RotateCredentialsAction {
  readonly type: "rotate-credentials";
  readonly resource: DiscoveredResource;
  readonly secret: CredentialsSecretSpec;
  readonly reason: string;
}

/** The environment's credentials secret a rotation writes: whose it is, and the tags it is created with. */
export interface CredentialsSecretSpec {
  /** The environment that owns the secret (its `ephemera:env`): a retry finds the secret by it. */
  readonly env: string;
  /** The environment's tags (`ephemera:managed-by` and `ephemera:env` among them), so the reaper reaps the secret with the environment. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface NotifyAction {
  readonly type: "notify";
  readonly topicArn: string;
  /** The `ephemera:owner` value(s) the message is for. */
  readonly owner: string;
  readonly subject: string;
  readonly message: string;
  readonly reason: string;
}

export interface DeferredEnvironment {
  readonly env: string;
  readonly intent: Intent;
  readonly expiresAt?: string;
  readonly reason: string;
}

export type NoteCode =
  | "unmanaged"
  | "invalid-env"
  | "audit-bucket"
  | "protected"
  | "unknown-expiry"
  | "ttl-over-max"
  | "malformed-on-expiry"
  | "keeps-data"
  | "conflicting-on-expiry"
  | "fail-closed"
  | "listing-failure"
  | "deferred"
  | "no-notification-topic"
  | "budget-alert-unknown-env"
  | "over-budget"
  | "spend-unknown"
  | "pool"
  | "spend-meter"
  | "awaiting-notification"
  | "stale-state"
  | "no-database"
  | "unknown-checkpoint"
  | "rollback-conflict"
  | "reaping"
  | "not-found"
  | "admission"
  | "provisioning";

export interface PlanNote {
  readonly level: "info" | "warning";
  readonly code: NoteCode;
  readonly env?: string;
  readonly resource?: { readonly kind: KindName; readonly id: string };
  readonly message: string;
}

/**
 * Teardown order: what runs on a thing goes before the thing (workloads before the
 * node group, the database before its subnet group and secret), instances before the
 * security groups their interfaces hold, the IAM roles once nothing runs as them, and
 * the budget and schedules last so the environment stays watched until it is gone. Each kind's phase is its catalog row's.
 */
export const DELETE_PHASE_ORDER: readonly PhaseName[] = [
  "namespace",
  "nodegroup",
  "database",
  "database-dependencies",
  "resources",
  "network",
  "identity",
  "billing",
];

/**
 * Pause order: workloads first (so nothing crash-loops on a vanishing node), then
 * capacity, then the database. Resume runs the reverse. Kinds without a pause phase in
 * the catalog cost nothing idle and are only tagged.
 */
export const PAUSE_PHASE_ORDER: readonly PhaseName[] = ["namespace", "nodegroup", "resources", "database"];
