import { AUDIT_RECORD_PREFIX } from "../audit-bucket";
import { MANAGED_BY_VALUE, TAG } from "../../reaper/model";

/**
 * The reaper Lambda's IAM policy, as plain JSON built by pure functions, so tests can
 * evaluate it with an IAM policy simulator (the emulator ignores tag conditions).
 *
 * The shape, statement by statement:
 * - reads and listings are allowed on every resource: a listing the reaper cannot
 *   finish fails closed and blocks destructive actions everywhere, so narrowing reads
 *   buys nothing but outages;
 * - every mutating action is allowed only on resources tagged
 *   `ephemera:managed-by=ephemera` where the service evaluates `aws:ResourceTag`
 *   (EC2, RDS, EKS, Secrets Manager, Scheduler schedule groups), and only on an ARN
 *   pattern where it does not (S3 buckets, Budgets, RDS final snapshots, schedules);
 * - tag writes may only set the keys the reaper writes (`aws:TagKeys`);
 * - destructive actions on resources tagged `ephemera:protect` (anything but "false")
 *   are denied outright, mirroring the reaper's own rule;
 * - the audit bucket is put-only: `s3:PutObject` under `audit/`, and an explicit Deny
 *   of deletes, retention and bucket-setting changes that no other statement can undo.
 */

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export interface ReaperPolicyInput {
  /** `aws`, `aws-cn`, `aws-us-gov` (or a Terraform token). */
  readonly partition: string;
  /** The region the reaper acts in; every regional ARN is scoped to it. */
  readonly region: string;
  /** The account the reaper acts in; every ARN is scoped to it. */
  readonly accountId: string;
  readonly auditBucketName: string;
  /** The audit bucket's SSE-KMS key. @default - no KMS statement */
  readonly auditKmsKeyArn?: string;
  /** ARN of the function's own log group (without the trailing `:*`). */
  readonly logGroupArn: string;
  readonly deadLetterQueueArn: string;
  /** Topics the reaper may publish owner notifications to (ARNs, `*` allowed). @default none */
  readonly publishTopicArns?: readonly string[];
  /** Bucket name patterns (`*` allowed) the reaper may empty and delete. */
  readonly deletableBucketNames: readonly string[];
}

/** The only tag keys the reaper ever writes (state, extend, pause). */
export const REAPER_WRITTEN_TAG_KEYS: readonly string[] = [TAG.state, TAG.extendedUntil, TAG.pausedSize];

/** Actions on the audit bucket and its records that the reaper is denied, whatever else allows them. */
export const AUDIT_BUCKET_DENIED_ACTIONS: readonly string[] = [
  "s3:DeleteObject*",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
  "s3:BypassGovernanceRetention",
  "s3:DeleteBucket*",
  "s3:PutBucket*",
  "s3:PutLifecycleConfiguration",
  "s3:PutReplicationConfiguration",
  "s3:PutEncryptionConfiguration",
];

/** Destructive actions denied on any resource tagged `ephemera:protect` with a value other than "false". */
export const PROTECTED_DENIED_ACTIONS: readonly string[] = [
  "ec2:StopInstances",
  "ec2:TerminateInstances",
  "ec2:DeleteSecurityGroup",
  "rds:StopDBInstance",
  "rds:DeleteDBInstance",
  "rds:DeleteDBSubnetGroup",
  "eks:UpdateNodegroupConfig",
  "eks:DeleteNodegroup",
  "secretsmanager:DeleteSecret",
];

/** Every RDS final snapshot is named `ephemera-<env>-…` (reaper/final-snapshot-name.ts). */
export const FINAL_SNAPSHOT_PREFIX = "ephemera-";
/** Every environment's budget is named `ephemera-<env>` (EnvBudget). */
export const BUDGET_NAME_PREFIX = "ephemera-";
/** Every environment's schedule group is named `ephemera-<env>` (EnvExpirySchedule). */
export const SCHEDULE_GROUP_PREFIX = "ephemera-";

const MANAGED = { StringEquals: { [`aws:ResourceTag/${TAG.managedBy}`]: MANAGED_BY_VALUE } } as const;

/** Only the reaper's own keys, and the key list must be present (ForAllValues alone passes when it is absent). */
const REAPER_TAG_KEYS_ONLY = {
  "ForAllValues:StringEquals": { "aws:TagKeys": REAPER_WRITTEN_TAG_KEYS },
  Null: { "aws:TagKeys": "false" },
} as const;

/** The reaper Lambda's identity policy. */
export function reaperPolicy(input: ReaperPolicyInput): PolicyDocument {
  const { partition: p, region, accountId: account } = input;
  const arn = (service: string, resource: string, regional = true) => `arn:${p}:${service}:${regional ? region : ""}:${account}:${resource}`;
  const bucketArn = (name: string) => `arn:${p}:s3:::${name}`;
  const auditBucketArn = bucketArn(input.auditBucketName);
  const publishTo = input.publishTopicArns ?? [];

  const statements: PolicyStatement[] = [
    {
      Sid: "DiscoverEverywhere",
      Effect: "Allow",
      Action: [
        "tag:GetResources",
        "ec2:DescribeInstances",
        "ec2:DescribeSecurityGroups",
        "rds:DescribeDBInstances",
        "rds:DescribeDBSubnetGroups",
        "rds:ListTagsForResource",
        "eks:ListClusters",
        "eks:ListNodegroups",
        "eks:DescribeNodegroup",
        "eks:DescribeCluster",
        "scheduler:ListScheduleGroups",
        "scheduler:ListSchedules",
        "scheduler:ListTagsForResource",
        "secretsmanager:ListSecrets",
        "secretsmanager:DescribeSecret",
      ],
      Resource: "*",
    },
    {
      Sid: "ReadBudgets",
      Effect: "Allow",
      Action: ["budgets:ViewBudget", "budgets:ListTagsForResource"],
      Resource: arn("budgets", "budget/*", false),
    },
    {
      Sid: "ActOnManagedEc2",
      Effect: "Allow",
      Action: ["ec2:StopInstances", "ec2:StartInstances", "ec2:TerminateInstances", "ec2:DeleteSecurityGroup"],
      Resource: [arn("ec2", "instance/*"), arn("ec2", "security-group/*")],
      Condition: MANAGED,
    },
    {
      Sid: "TagManagedEc2",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: [arn("ec2", "instance/*"), arn("ec2", "security-group/*")],
      Condition: { ...MANAGED, ...REAPER_TAG_KEYS_ONLY },
    },
    {
      Sid: "ActOnManagedRds",
      Effect: "Allow",
      // CreateDBSnapshot on the instance: a final snapshot is taken on delete (snapshot-delete).
      Action: ["rds:StopDBInstance", "rds:StartDBInstance", "rds:DeleteDBInstance", "rds:CreateDBSnapshot", "rds:DeleteDBSubnetGroup"],
      Resource: [arn("rds", "db:*"), arn("rds", "subgrp:*")],
      Condition: MANAGED,
    },
    {
      Sid: "TagManagedRds",
      Effect: "Allow",
      Action: ["rds:AddTagsToResource"],
      Resource: [arn("rds", "db:*"), arn("rds", "subgrp:*")],
      Condition: { ...MANAGED, ...REAPER_TAG_KEYS_ONLY },
    },
    {
      // A final snapshot does not exist yet, so it has no tags to condition on: scoped by its name.
      Sid: "CreateFinalSnapshots",
      Effect: "Allow",
      Action: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
      Resource: arn("rds", `snapshot:${FINAL_SNAPSHOT_PREFIX}*`),
    },
    {
      Sid: "ActOnManagedEks",
      Effect: "Allow",
      Action: ["eks:UpdateNodegroupConfig", "eks:DeleteNodegroup"],
      Resource: arn("eks", "nodegroup/*"),
      Condition: MANAGED,
    },
    {
      Sid: "TagManagedEks",
      Effect: "Allow",
      Action: ["eks:TagResource", "eks:UntagResource"],
      Resource: arn("eks", "nodegroup/*"),
      Condition: { ...MANAGED, ...REAPER_TAG_KEYS_ONLY },
    },
    {
      Sid: "ActOnManagedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:DeleteSecret"],
      Resource: arn("secretsmanager", "secret:*"),
      // Always with the recovery window: never ForceDeleteWithoutRecovery.
      Condition: { ...MANAGED, BoolIfExists: { "secretsmanager:ForceDeleteWithoutRecovery": "false" } },
    },
    {
      Sid: "TagManagedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:TagResource"],
      Resource: arn("secretsmanager", "secret:*"),
      Condition: { ...MANAGED, ...REAPER_TAG_KEYS_ONLY },
    },
    {
      Sid: "TagManagedScheduleGroups",
      Effect: "Allow",
      Action: ["scheduler:TagResource"],
      Resource: arn("scheduler", "schedule-group/*"),
      Condition: { ...MANAGED, ...REAPER_TAG_KEYS_ONLY },
    },
    {
      // AWS tags groups, not schedules: scoped to the environments' groups by name, and
      // refused where AWS reports the group's managed-by tag with another value.
      Sid: "DeleteEnvironmentSchedules",
      Effect: "Allow",
      Action: ["scheduler:DeleteSchedule"],
      Resource: arn("scheduler", `schedule/${SCHEDULE_GROUP_PREFIX}*/*`),
      Condition: { StringEqualsIfExists: { [`aws:ResourceTag/${TAG.managedBy}`]: MANAGED_BY_VALUE } },
    },
    {
      // Budgets are matched by name: `ephemera-<env>` is what EnvBudget creates.
      Sid: "ActOnEnvironmentBudgets",
      Effect: "Allow",
      Action: ["budgets:ModifyBudget"],
      Resource: arn("budgets", `budget/${BUDGET_NAME_PREFIX}*`, false),
    },
    {
      Sid: "TagEnvironmentBudgets",
      Effect: "Allow",
      Action: ["budgets:TagResource"],
      Resource: arn("budgets", `budget/${BUDGET_NAME_PREFIX}*`, false),
      Condition: REAPER_TAG_KEYS_ONLY,
    },
    {
      // S3 does not evaluate aws:ResourceTag for these actions (unless ABAC is switched on
      // per bucket), so: by name, and only in this account (bucket ARNs name no account).
      Sid: "EmptyAndDeleteEnvironmentBuckets",
      Effect: "Allow",
      Action: [
        "s3:GetBucketTagging",
        "s3:PutBucketTagging",
        "s3:GetBucketObjectLockConfiguration",
        "s3:ListBucketVersions",
        "s3:ListBucketMultipartUploads",
        "s3:DeleteBucket",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:AbortMultipartUpload",
      ],
      Resource: input.deletableBucketNames.flatMap((name) => [bucketArn(name), `${bucketArn(name)}/*`]),
      Condition: { StringEquals: { "s3:ResourceAccount": account } },
    },
    {
      Sid: "WriteAuditRecords",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: `${auditBucketArn}/${AUDIT_RECORD_PREFIX}*`,
    },
    ...(input.auditKmsKeyArn === undefined
      ? []
      : [{ Sid: "EncryptAuditRecords", Effect: "Allow" as const, Action: ["kms:GenerateDataKey"], Resource: input.auditKmsKeyArn }]),
    {
      Sid: "NeverTamperWithAuditRecords",
      Effect: "Deny",
      Action: AUDIT_BUCKET_DENIED_ACTIONS,
      Resource: [auditBucketArn, `${auditBucketArn}/*`],
    },
    {
      Sid: "NeverTouchProtectedResources",
      Effect: "Deny",
      Action: PROTECTED_DENIED_ACTIONS,
      Resource: "*",
      Condition: {
        Null: { [`aws:ResourceTag/${TAG.protect}`]: "false" },
        StringNotEqualsIgnoreCase: { [`aws:ResourceTag/${TAG.protect}`]: "false" },
      },
    },
    ...(publishTo.length === 0 ? [] : [{ Sid: "NotifyOwners", Effect: "Allow" as const, Action: ["sns:Publish"], Resource: publishTo }]),
    {
      Sid: "DeadLetters",
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: input.deadLetterQueueArn,
    },
    {
      Sid: "OwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${input.logGroupArn}:*`,
    },
  ];
  return { Version: "2012-10-17", Statement: statements };
}

/** A role trust policy that lets one AWS service assume the role, optionally only on behalf of `sourceAccount`. */
export function serviceTrustPolicy(service: string, sourceAccount?: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        // Confused-deputy guard: the service acts for this account's resources only.
        ...(sourceAccount === undefined ? {} : { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
      },
    ],
  };
}

/** The scheduler role: EventBridge Scheduler in this account may invoke this one function, and nothing else. */
export function schedulerInvokePolicy(functionArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "InvokeTheReaper", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: functionArn }],
  };
}
