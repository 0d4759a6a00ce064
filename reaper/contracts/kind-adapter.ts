import type { Tags } from "../model";
import type { KindName } from "./kind-catalog";
import type { MeteredUsage } from "./metered-usage";
import type { CheckpointRestoreSpec, CredentialsSecretSpec, RestoreSpec } from "./plan";

export type { KindName } from "./kind-catalog";

/** One resource as discovery saw it: plain data, JSON-serialisable, so plans and audit records can hold it. */
export interface DiscoveredResource {
  readonly kind: KindName;
  /** The id the adapter acts on: a DB identifier, `cluster/nodegroup`, a bucket name, `cluster/namespace`, ... */
  readonly id: string;
  /** Full ARN where the kind has one. */
  readonly arn?: string;
  readonly region: string;
  /** Tags (AWS) or the equivalent `ephemera:*` facts read from labels/annotations (Kubernetes). */
  readonly tags: Tags;
  /** The service's own status word where it has one (`available`, `stopped`, `ACTIVE`, `running`). */
  readonly status?: string;
  /**
   * Kind-specific facts `decide` needs, e.g. `desiredSize` of a node group,
   * `limitUsd`/`actualUsd`/`forecastUsd` of a budget.
   */
  readonly facts?: Readonly<Record<string, string | number | boolean>>;
}

/** A listing that did not complete: the environments it may hide get no destructive action this run. */
export interface ListingFailure {
  readonly kind: KindName;
  /** Where the listing was (a cluster, a region, a page token). */
  readonly scope: string;
  /** The API's error code where there is one (`ThrottlingException`, `AccessDenied`). */
  readonly code?: string;
  readonly message: string;
  /**
   * Set only when the failure can hide resources of this one environment and no
   * other (reading one resource's tags, one namespace's workloads); a failure
   * without it blocks destructive actions on every environment this run.
   */
  readonly env?: string;
}

/** What discovery hands to `decide`: everything seen, and everything that could not be seen. */
export interface Inventory {
  readonly resources: readonly DiscoveredResource[];
  readonly failures: readonly ListingFailure[];
  /** What bills by the hour, for the spend meter (node group instances included, which no adapter acts on). @default - none */
  readonly usage?: readonly MeteredUsage[];
}

/** The outcome of one adapter operation; "already gone/stopped/scaled" is `done` with `alreadyDone: true`. */
export interface OperationResult {
  readonly ok: boolean;
  readonly alreadyDone?: boolean;
  /** AWS request id (or Kubernetes equivalent) for the audit record. */
  readonly requestId?: string;
  /** The API's error code on failure. */
  readonly code?: string;
  /** The failure came after the request was sent (a reset, a timeout, a 5xx): it may have been carried out. */
  readonly ambiguous?: boolean;
  readonly message?: string;
  /** Facts to remember, e.g. the node group size before a pause. */
  readonly facts?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Options for `delete`: a final snapshot name when the environment's on-expiry is
 * `snapshot-delete` (only kinds that hold data honour it).
 */
export interface DeleteOptions {
  readonly finalSnapshotName?: string;
}

/**
 * How the reaper lists, pauses, resumes, tags and deletes one kind of resource.
 * Every operation is idempotent: repeating it after success is success again.
 * `ctx` carries the SDK clients and Kubernetes access (reaper/runtime/aws-kind-context.ts).
 */
export interface KindAdapter<Ctx = unknown> {
  readonly kind: KindName;
  /** Lists every resource of this kind tagged `ephemera:managed-by=ephemera`. */
  list(ctx: Ctx): Promise<Inventory>;
  /** Writes (merges) tags: the reaper's `ephemera:state`, the CLI's `ephemera:extended-until`. */
  tag(ctx: Ctx, resource: DiscoveredResource, tags: Readonly<Record<string, string>>): Promise<OperationResult>;
  delete(ctx: Ctx, resource: DiscoveredResource, options: DeleteOptions): Promise<OperationResult>;
  /** Stops spending without losing data; absent for kinds that cost nothing idle. */
  pause?(ctx: Ctx, resource: DiscoveredResource): Promise<OperationResult>;
  /** Reverses `pause` exactly (sizes and replica counts remembered at pause time). */
  resume?(ctx: Ctx, resource: DiscoveredResource): Promise<OperationResult>;
  /** Creates the resource from a snapshot (a warm pool database); absent for kinds that are never restored. */
  restore?(ctx: Ctx, resource: DiscoveredResource, from: RestoreSpec): Promise<OperationResult>;
  /**
   * Gives the resource a new master password (a claimed pool database) and writes it to the
   * environment's credentials secret, created or found; absent for kinds without one.
   */
  rotateCredentials?(ctx: Ctx, resource: DiscoveredResource, secret: CredentialsSecretSpec): Promise<OperationResult>;
  /** Takes a manual snapshot `snapshot` of the resource, created with `tags` (a checkpoint); absent for kinds without snapshots. */
  checkpoint?(ctx: Ctx, resource: DiscoveredResource, snapshot: string, tags: Readonly<Record<string, string>>): Promise<OperationResult>;
  /** The steps of a rollback to a checkpoint (a database); absent for kinds that are never rolled back. */
  readonly rollbackSteps?: RollbackSteps<Ctx>;
}

/** How a step that waits keeps what it holds: the environment's lease, renewed at every poll. */
export interface Waiting {
  /** False when the lease was lost: the step stops waiting and fails, and the next run resumes. */
  readonly keepLease: () => Promise<boolean>;
}

/** A rollback's steps on a database (`planRollback`); each waits until the database is available again. */
export interface RollbackSteps<Ctx> {
  /** Restores the checkpoint as `resource.id` (with `resource.tags`); an existing one (an earlier try) is waited for. */
  restoreCheckpoint(ctx: Ctx, resource: DiscoveredResource, from: CheckpointRestoreSpec, waiting: Waiting): Promise<OperationResult>;
  /** Renames the database `to`; done already when `to` exists and `resource.id` does not. */
  rename(ctx: Ctx, resource: DiscoveredResource, to: string, waiting: Waiting): Promise<OperationResult>;
  /** Sets the master password to the `password` field of the secret's JSON value. */
  setPassword(ctx: Ctx, resource: DiscoveredResource, secretArn: string, waiting: Waiting): Promise<OperationResult>;
}
