import type { PhaseName } from "./plan";
import { BUDGET_NAME_PREFIX, FINAL_SNAPSHOT_PREFIX, IAM_PATH, POOL_MEMBER_PREFIX, SCHEDULE_GROUP_PREFIX } from "../model/names";
import { TAG } from "../model/tags";

/**
 * One row per kind of resource the reaper knows: when it is deleted and paused, whether
 * it holds data, and the IAM actions its adapter needs. The phase tables, the
 * final-snapshot rule, the reaper's IAM policy (constructs/private/reaper-policy.ts) and
 * the kinds table in docs/kinds.md are all derived from here.
 *
 * Plain data: the constructs import it at synth, so it must load no AWS SDK.
 * Adding a kind: docs/adding-a-kind.md.
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

export interface KindRow {
  /** What the kind is, and how the reaper finds it: one line for docs/kinds.md. */
  readonly what: string;
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
     * What RDS checks against the caller when `rotate-credentials` has it create or rotate the
     * database's own secret (`rds!db-*`, untagged by Ephemera): scoped by that name. Like
     * `credentials`, the claim's caller's, never the reaper's role.
     */
    readonly credentialsSecret?: IamGrant;
    /**
     * Restoring a warm pool database: it does not exist yet, so it is scoped by its name (`restore`).
     * The reaper's policy adds the pool's own baseline snapshots and subnet group to `on`.
     */
    readonly restore?: IamGrant;
    /** The tags a restore writes, on the new pool database alone (RDS checks them as `AddTagsToResource`). */
    readonly restoreTags?: IamGrant;
    /** Creating the final snapshot, which does not exist yet and so has no tags: scoped by its name. */
    readonly finalSnapshot?: IamGrant;
    /** What the delete also acts on that is not the resource itself (an IAM role's instance profiles). */
    readonly deleteDependents?: IamGrant;
  };
}

const MANAGED = "managed" as const;

/** The tags a warm pool database is restored with (reaper/pool/plan-refill.ts). */
export const POOL_TAG_KEYS: readonly string[] = [TAG.managedBy, TAG.pool, TAG.state, TAG.baseline];
const regional = (service: string, resource: string): ArnPattern => ({ service, resource });
const global = (service: string, resource: string): ArnPattern => ({ service, resource, global: true });

/**
 * What the spend meter (reaper/spend) calls besides the kinds' listings: the Spot price
 * history and the Price List API. Both read public prices, of no resource; the reaper's
 * policy allows them on `*`.
 */
export const SPEND_METER_ACTIONS: readonly string[] = ["ec2:DescribeSpotPriceHistory", "pricing:GetProducts"];

/** The table. Its key order is the order kinds are listed and documented in. */
export const KIND_CATALOG = {
  "k8s-namespace": {
    what: "Kubernetes namespaces on the configured EKS clusters (label selector `ephemera.dev/managed-by=ephemera`); acted on through Kubernetes RBAC, not IAM",
    deletePhase: "namespace",
    pausePhase: "namespace",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: { discover: ["eks:DescribeCluster"] },
  },
  "eks-nodegroup": {
    what: "EKS managed node groups, on every cluster in the region (ListClusters → ListNodegroups → DescribeNodegroup)",
    deletePhase: "nodegroup",
    pausePhase: "nodegroup",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["eks:ListClusters", "eks:ListNodegroups", "eks:DescribeNodegroup"],
      tag: { actions: ["eks:TagResource", "eks:UntagResource"], on: [regional("eks", "nodegroup/*")], scope: MANAGED },
      pause: { actions: ["eks:UpdateNodegroupConfig"], on: [regional("eks", "nodegroup/*")], scope: MANAGED },
      delete: { actions: ["eks:DeleteNodegroup"], on: [regional("eks", "nodegroup/*")], scope: MANAGED },
    },
  },
  "rds-instance": {
    what: "RDS DB instances (DescribeDBInstances, tags read from its answer)",
    deletePhase: "database",
    pausePhase: "database",
    holdsData: true,
    restartedStatus: "available",
    reportsSpend: false,
    metered: true,
    iam: {
      discover: ["rds:DescribeDBInstances"],
      tag: { actions: ["rds:AddTagsToResource"], on: [regional("rds", "db:*")], scope: MANAGED },
      pause: { actions: ["rds:StopDBInstance", "rds:StartDBInstance"], on: [regional("rds", "db:*")], scope: MANAGED },
      // CreateDBSnapshot on the instance: the final snapshot is taken by DeleteDBInstance.
      delete: { actions: ["rds:DeleteDBInstance", "rds:CreateDBSnapshot"], on: [regional("rds", "db:*")], scope: MANAGED },
      finalSnapshot: { actions: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"], on: [regional("rds", `snapshot:${FINAL_SNAPSHOT_PREFIX}*`)], scope: "name" },
      // Only pool databases are claimed.
      credentials: { actions: ["rds:ModifyDBInstance"], on: [regional("rds", `db:${POOL_MEMBER_PREFIX}*`)], scope: MANAGED },
      // ManageMasterUserPassword needs CreateSecret, TagResource and DescribeKey (of the default
      // aws/secretsmanager key); RotateMasterUserPassword needs RotateSecret (RDS User Guide,
      // "Permissions required for Secrets Manager integration").
      credentialsSecret: {
        actions: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "kms:DescribeKey"],
        on: [regional("secretsmanager", "secret:rds!db-*"), regional("kms", "key/*")],
        scope: "name",
        // Never an ephemera: key: a secret tagged managed would become one the reaper may delete.
        condition: { "ForAllValues:StringNotLike": { "aws:TagKeys": ["ephemera:*"] } },
      },
      // RDS checks a restore against the new instance, the snapshot, and the groups it lands in:
      // the snapshot and the subnet group are the pool's own, which the reaper's policy adds
      // (constructs/private/reaper-policy.ts); the option and parameter groups are the snapshot's
      // or the engine's defaults, named by neither the pool nor the restore.
      restore: {
        actions: ["rds:RestoreDBInstanceFromDBSnapshot"],
        on: [regional("rds", `db:${POOL_MEMBER_PREFIX}*`), regional("rds", "og:*"), regional("rds", "pg:*")],
        scope: "name",
        // Only the tags a warm database is restored with.
        condition: { "ForAllValues:StringEquals": { "aws:TagKeys": POOL_TAG_KEYS } },
      },
      restoreTags: {
        actions: ["rds:AddTagsToResource"],
        on: [regional("rds", `db:${POOL_MEMBER_PREFIX}*`)],
        scope: "name",
        condition: { "ForAllValues:StringEquals": { "aws:TagKeys": POOL_TAG_KEYS } },
      },
    },
  },
  "ec2-instance": {
    what: "EC2 instances not owned by an Auto Scaling group (DescribeInstances filtered on the managed-by tag)",
    deletePhase: "resources",
    pausePhase: "resources",
    holdsData: false,
    reportsSpend: false,
    metered: true,
    iam: {
      discover: ["ec2:DescribeInstances"],
      tag: { actions: ["ec2:CreateTags"], on: [regional("ec2", "instance/*")], scope: MANAGED },
      pause: { actions: ["ec2:StopInstances", "ec2:StartInstances"], on: [regional("ec2", "instance/*")], scope: MANAGED },
      delete: { actions: ["ec2:TerminateInstances"], on: [regional("ec2", "instance/*")], scope: MANAGED },
    },
  },
  "s3-bucket": {
    what: "S3 buckets (the Resource Groups Tagging API); emptied, then deleted; never the audit bucket or a bucket with Object Lock",
    deletePhase: "resources",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["tag:GetResources"],
      // S3 does not evaluate aws:ResourceTag for these (unless ABAC is switched on per bucket): by name, in this account.
      tag: { actions: ["s3:GetBucketTagging", "s3:PutBucketTagging"], on: DELETABLE_BUCKETS, scope: "name" },
      delete: {
        actions: [
          "s3:GetBucketObjectLockConfiguration",
          "s3:ListBucketVersions",
          "s3:ListBucketMultipartUploads",
          "s3:DeleteBucket",
          "s3:DeleteObject",
          "s3:DeleteObjectVersion",
          "s3:AbortMultipartUpload",
        ],
        on: DELETABLE_BUCKETS,
        scope: "name",
      },
    },
  },
  budget: {
    what: "AWS Budgets named `ephemera-<env>` (DescribeBudgets, then each budget's tags); its limit and spend feed the over-budget rule",
    deletePhase: "billing",
    holdsData: false,
    reportsSpend: true,
    metered: false,
    iam: {
      discover: [],
      read: { actions: ["budgets:ViewBudget", "budgets:ListTagsForResource"], on: [global("budgets", "budget/*")], scope: "name" },
      tag: { actions: ["budgets:TagResource"], on: [global("budgets", `budget/${BUDGET_NAME_PREFIX}*`)], scope: "name" },
      // ModifyBudget is the IAM action of DeleteBudget.
      delete: { actions: ["budgets:ModifyBudget"], on: [global("budgets", `budget/${BUDGET_NAME_PREFIX}*`)], scope: "name" },
    },
  },
  "scheduler-schedule": {
    what: "EventBridge Scheduler schedules in schedule groups tagged as an environment's (AWS tags groups, not schedules)",
    deletePhase: "billing",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["scheduler:ListScheduleGroups", "scheduler:ListSchedules", "scheduler:ListTagsForResource"],
      tag: { actions: ["scheduler:TagResource"], on: [regional("scheduler", "schedule-group/*")], scope: MANAGED },
      delete: { actions: ["scheduler:DeleteSchedule"], on: [regional("scheduler", `schedule/${SCHEDULE_GROUP_PREFIX}*/*`)], scope: "managed-if-tagged" },
    },
  },
  "launch-template": {
    what: "EC2 launch templates (DescribeLaunchTemplates filtered on the managed-by tag); deleted after the node group that launched from them",
    deletePhase: "resources",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["ec2:DescribeLaunchTemplates"],
      tag: { actions: ["ec2:CreateTags"], on: [regional("ec2", "launch-template/*")], scope: MANAGED },
      delete: { actions: ["ec2:DeleteLaunchTemplate"], on: [regional("ec2", "launch-template/*")], scope: MANAGED },
    },
  },
  "scheduler-group": {
    what: "EventBridge Scheduler schedule groups named `ephemera-<env>`, which carry the environment's tags; deleted after their schedules",
    deletePhase: "billing",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["scheduler:ListScheduleGroups", "scheduler:ListTagsForResource"],
      tag: { actions: ["scheduler:TagResource"], on: [regional("scheduler", "schedule-group/*")], scope: MANAGED },
      delete: { actions: ["scheduler:DeleteScheduleGroup"], on: [regional("scheduler", `schedule-group/${SCHEDULE_GROUP_PREFIX}*`)], scope: MANAGED },
    },
  },
  "security-group": {
    what: "EC2 security groups (DescribeSecurityGroups filtered on the managed-by tag); deleted after what uses them",
    deletePhase: "network",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["ec2:DescribeSecurityGroups"],
      tag: { actions: ["ec2:CreateTags"], on: [regional("ec2", "security-group/*")], scope: MANAGED },
      delete: { actions: ["ec2:DeleteSecurityGroup"], on: [regional("ec2", "security-group/*")], scope: MANAGED },
    },
  },
  "db-subnet-group": {
    what: "RDS DB subnet groups (DescribeDBSubnetGroups, then each group's tags); deleted after the database",
    deletePhase: "database-dependencies",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
      tag: { actions: ["rds:AddTagsToResource"], on: [regional("rds", "subgrp:*")], scope: MANAGED },
      delete: { actions: ["rds:DeleteDBSubnetGroup"], on: [regional("rds", "subgrp:*")], scope: MANAGED },
    },
  },
  "iam-role": {
    what: `IAM roles under the path \`${IAM_PATH}\` (ListRoles by path, then each role's tags), with their policies and instance profiles; deleted once nothing runs as them`,
    deletePhase: "identity",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      // The delete reads what hangs on the role; reads are allowed everywhere, like every discovery read.
      discover: ["iam:ListRoles", "iam:ListRoleTags", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListInstanceProfilesForRole", "iam:GetInstanceProfile"],
      tag: { actions: ["iam:TagRole"], on: [global("iam", "role{iamPath}*")], scope: MANAGED },
      delete: {
        actions: ["iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteRole"],
        on: [global("iam", "role{iamPath}*")],
        scope: MANAGED,
      },
      // Instance profiles under the path: the role is taken out of them, and the environment's own are deleted.
      deleteDependents: {
        actions: ["iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
        on: [global("iam", "instance-profile{iamPath}*")],
        scope: "name",
      },
    },
  },
  secret: {
    what: "Secrets Manager secrets (ListSecrets filtered on the managed-by tag); deleted with a 7-day recovery window",
    deletePhase: "database-dependencies",
    holdsData: false,
    reportsSpend: false,
    metered: false,
    iam: {
      discover: ["secretsmanager:ListSecrets", "secretsmanager:DescribeSecret"],
      tag: { actions: ["secretsmanager:TagResource"], on: [regional("secretsmanager", "secret:*")], scope: MANAGED },
      delete: {
        actions: ["secretsmanager:DeleteSecret"],
        on: [regional("secretsmanager", "secret:*")],
        scope: MANAGED,
        // Always with the recovery window: never ForceDeleteWithoutRecovery.
        condition: { BoolIfExists: { "secretsmanager:ForceDeleteWithoutRecovery": "false" } },
      },
    },
  },
} as const satisfies Record<string, KindRow>;

/** The kinds of resource the reaper knows. */
export type KindName = keyof typeof KIND_CATALOG;

/** Every kind, in the catalog's order. */
export const KIND_NAMES = Object.keys(KIND_CATALOG) as readonly KindName[];

export function kindRow(kind: KindName): KindRow {
  return KIND_CATALOG[kind];
}
