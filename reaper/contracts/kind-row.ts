import type { PhaseName } from "./plan";

/**
 * The row a kind declares in its adapter file (reaper/kinds/<kind>.ts): when it is deleted
 * and paused, whether it holds data, and the IAM actions its adapter needs. `npm run
 * generate` collects the rows into the kind catalog (kind-catalog.ts), from which the
 * phases, the final-snapshot rule, the reaper's IAM policy and the tables in docs/ derive.
 *
 * Plain data and types: the constructs read the catalog at synth, so nothing here loads an AWS SDK.
 */

/** Where a grant applies: an ARN resource pattern of the reaper's own account (and region, unless `global`). */
export interface ArnPattern {
  readonly service: string;
  /**
   * The part after the account, `*` allowed: `db:*`, `nodegroup/*`, `budget/ephemera-*`.
   * `{iamPath}` stands for the reaper's IAM path (`/ephemera/` unless configured).
   */
  readonly resource: string;
  /** Budgets ARNs name no region. @default false */
  readonly global?: boolean;
}

/** The buckets the Reaper construct's `deletableBucketNames` allows, and their objects (S3 ARNs name no account). */
export const DELETABLE_BUCKETS = "deletable-buckets";

/**
 * IAM for one operation of a kind.
 *
 * `scope` says how the policy keeps it to Ephemera's resources:
 * - `managed`: only resources tagged `ephemera:managed-by=ephemera` (the service evaluates
 *   `aws:ResourceTag`); `ephemera:protect` then denies the kind's pause and delete actions;
 * - `managed-if-tagged`: the same where the service reports the tag, else by the name
 *   pattern alone (schedules carry their group's tags, when they are reported at all);
 * - `name`: by the ARN pattern alone, where the service does not evaluate tags.
 *
 * Tag writes (`CreateTags`, `AddTagsToResource`, `TagResource`, `UntagResource`) may only
 * set the keys the reaper writes: the policy adds that condition to every grant that has one.
 */
export interface IamGrant {
  readonly actions: readonly string[];
  readonly on: readonly ArnPattern[] | typeof DELETABLE_BUCKETS;
  readonly scope: "managed" | "managed-if-tagged" | "name";
  /** A further condition, as IAM writes it. */
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** One rule of Kubernetes RBAC, as a Role or ClusterRole writes it. */
export interface KubernetesRbacRule {
  /** `""` for the core API group. */
  readonly apiGroup: string;
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export interface KindRow {
  /** What the kind is, and how the reaper finds it: one line for docs/kinds.md. */
  readonly what: string;
  /** How the adapter finds, pauses and deletes it, in the API's own words: one cell each in docs/kinds.md. */
  readonly how: {
    readonly find: string;
    /** Absent for kinds that are not paused. */
    readonly pause?: string;
    readonly delete: string;
  };
  /**
   * For a kind acted on through the Kubernetes API rather than AWS's: the RBAC its adapter
   * needs on each cluster, bound to the reaper's identity there (an EKS access entry). Its
   * `iam` then holds only what finds the cluster. @default - none: the kind is acted on through AWS alone
   */
  readonly kubernetesRbac?: readonly KubernetesRbacRule[];
  /** When it is deleted in a reap. */
  readonly deletePhase: PhaseName;
  /** When it is paused (and, in reverse, resumed); absent for kinds that cost nothing idle. */
  readonly pausePhase?: PhaseName;
  /** It holds data: deleted after a final snapshot when the environment's on-expiry is `snapshot-delete`. */
  readonly holdsData: boolean;
  /**
   * The status a paused resource of this kind has when AWS started it again on its own
   * (RDS does after 7 days stopped): such a resource is paused again (`restop`).
   */
  readonly restartedStatus?: string;
  /** Discovery reports the environment's budget and spend in the facts `limitUsd`, `actualUsd`, `forecastUsd`. */
  readonly reportsSpend: boolean;
  /** The spend meter prices it by the hour (reaper/spend); every other kind is listed as not metered. */
  readonly metered: boolean;
  readonly iam: {
    /** Listings and reads, allowed on every resource: a listing that cannot finish fails closed. */
    readonly discover: readonly string[];
    /** Reads that can be scoped to an ARN pattern. */
    readonly read?: IamGrant;
    /** `ephemera:state`, `ephemera:extended-until` and the paused size. */
    readonly tag?: IamGrant;
    /** Pause and resume. */
    readonly pause?: IamGrant;
    readonly delete?: IamGrant;
    /**
     * A new master password for a claimed pool database (`rotate-credentials`). Only `ephemera
     * claim` rotates, with the caller's credentials (`AuditBucket.grantOperate`): never the reaper's role.
     */
    readonly credentials?: IamGrant;
    /**
     * Creating the environment's credentials secret that `rotate-credentials` writes the new
     * password to, with the environment's tags: scoped by its name pattern. Like
     * `credentials`, the claim's caller's, never the reaper's role.
     */
    readonly credentialsSecret?: IamGrant;
    /** Writing a new value to that secret when a retried claim finds it: the claim's caller's, never the reaper's role. */
    readonly credentialsValue?: IamGrant;
    /**
     * Restoring a warm pool database: it does not exist yet, so it is scoped by its name (`restore`).
     * The reaper's policy adds the pool's own baseline snapshots and subnet group to `on`.
     */
    readonly restore?: IamGrant;
    /** The tags a restore writes, on the new pool database alone (RDS checks them as `AddTagsToResource`). */
    readonly restoreTags?: IamGrant;
    /** The new pool database's own security group, which its restore creates first: the reaper's policy adds the pool's VPC to `on`. */
    readonly restoreSecurityGroup?: IamGrant;
    /** The tags that security group is created with, written only as part of its creation (`ec2:CreateAction`). */
    readonly restoreSecurityGroupTags?: IamGrant;
    /**
     * A checkpoint (`ephemera checkpoint`): a manual snapshot of the environment's own database
     * (`checkpoint`, on the instance) and the new snapshot, named and tagged as a checkpoint
     * (`checkpointSnapshot`, by its name). Like `credentials`, the caller's
     * (`AuditBucket.grantOperate`), never the reaper's role.
     */
    readonly checkpoint?: IamGrant;
    readonly checkpointSnapshot?: IamGrant;
    /**
     * A rollback (`ephemera rollback`), the caller's like `checkpoint`: on the environment's own
     * database (`rollback`: renames, password, start and stop, the replaced one's delete); the
     * restored copy, new and so by its name (`rollbackRestore`); what the restore reads, a
     * checkpoint of the environment's (`rollbackSource`) and the groups it lands in
     * (`rollbackGroups`); the replaced database's final snapshot, by its name
     * (`rollbackFinalSnapshot`); and the password of the environment's credentials secret
     * (`rollbackSecret`). The baseline, no environment's, is granted by name where it is known
     * (`AuditBucket.grantOperate`'s `rollbackBaselines`).
     */
    readonly rollback?: IamGrant;
    readonly rollbackRestore?: IamGrant;
    readonly rollbackSource?: IamGrant;
    readonly rollbackGroups?: IamGrant;
    readonly rollbackFinalSnapshot?: IamGrant;
    readonly rollbackSecret?: IamGrant;
    /** Creating the final snapshot, which does not exist yet and so has no tags: scoped by its name. */
    readonly finalSnapshot?: IamGrant;
    /** What the delete also acts on that is not the resource itself (an IAM role's instance profiles). */
    readonly deleteDependents?: IamGrant;
  };
}

/** An ARN pattern in the reaper's region and account. */
export function inRegion(service: string, resource: string): ArnPattern {
  return { service, resource };
}

/** An ARN pattern of the reaper's account that names no region (IAM, Budgets). */
export function accountWide(service: string, resource: string): ArnPattern {
  return { service, resource, global: true };
}
