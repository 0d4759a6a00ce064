import { KIND_CATALOG, KIND_NAMES, type KindName } from "../../reaper/contracts/kind-catalog";
import { type ArnPattern, DELETABLE_BUCKETS, type IamGrant } from "../../reaper/contracts/kind-row";
import { SPEND_METER_ACTIONS } from "../../reaper/contracts/spend-meter-actions";
import { AUDIT_BUCKET_PREFIXES, baselineSnapshotPrefixes, expiryScheduleName, IAM_PATH, MANAGED_BY_VALUE, PLATFORM_BUDGET_NAME, TAG } from "../../reaper/model";

/**
 * The reaper Lambda's IAM policy, as plain JSON built by pure functions, so tests can
 * evaluate it with an IAM policy simulator (the emulator ignores tag conditions).
 *
 * The per-kind statements come from the kind catalog (reaper/contracts/kind-catalog.ts), one
 * per operation of each kind:
 * - reads and listings are allowed on every resource: a listing the reaper cannot
 *   finish fails closed and blocks destructive actions everywhere, so narrowing reads
 *   buys nothing but outages;
 * - every mutating action is allowed only on resources tagged
 *   `ephemera:managed-by=ephemera` where the service evaluates `aws:ResourceTag`, and
 *   only on an ARN pattern where it does not (S3 buckets, Budgets, final snapshots, schedules);
 * - tag writes may only set the keys the reaper writes (`aws:TagKeys`);
 * - pause and delete actions on resources tagged `ephemera:protect` (anything but
 *   "false") are denied outright, mirroring the reaper's own rule;
 * - the spend meter reads public prices (`ec2:DescribeSpotPriceHistory`, `pricing:GetProducts`);
 * - the audit bucket is write-once: `s3:PutObject` under the AUDIT_BUCKET_PREFIXES only (`audit/`, `leases/`, `spend/`, `claims/`, `admissions/`, `admission-requests/`, `provisioning/`, `live-index/`, `traces/`, `trace-seals/`, `plans/`)
 *   where no object is yet (`If-None-Match: *`; any other put is denied), reads and
 *   listings there (a run closes the chains of runs that stopped, names the run before
 *   it, takes environments' leases, and goes on from the spend meter's last readings),
 *   and an explicit Deny of deletes, retention and bucket-setting changes that no other
 *   statement can undo;
 * - the warm pool's refill restores only from the pool's baseline snapshots into the pool's
 *   subnet group, and tags only the database it restores (`db:ephemera-pool-*`); it creates
 *   each database's own security group only in the pool's VPC, tagged managed with the pool's
 *   keys alone, and writes tags on a group only as part of its creation; without a pool, no
 *   restore at all;
 * - no credential grant: only `ephemera claim` rotates a claimed database's password, with
 *   its caller's credentials (`AuditBucket.grantOperate`);
 * - the platform budget (`ephemera-platform`) is denied every budget write, though its name
 *   has the environments' budgets' prefix.
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
  /** The IAM path of environments' roles, which the reaper may delete. @default IAM_PATH (`/ephemera/`) */
  readonly iamPath?: string;
  /**
   * The role EventBridge Scheduler invokes the reaper with. The reaper moves an
   * environment's one-shot expiry schedule that fired early, and a schedule update
   * passes its role on. @default - no schedule moves
   */
  readonly schedulerRoleArn?: string;
  /**
   * The warm database pool the reaper refills: its restores may read only the pool's
   * baseline snapshots and land only in its subnet group. @default - no pool: no restore
   */
  readonly pool?: PoolRestoreScope;
}

/** What a pool's restores may use, from the WarmDatabasePool construct. */
export interface PoolRestoreScope {
  /** The pool's DB subnet group (a name, or a Terraform token). */
  readonly subnetGroupName: string;
  /** The VPC each pool database's own security group is created in (an id, or a Terraform token). */
  readonly vpcId: string;
  /**
   * What the pool restores from: a named snapshot (an identifier, or a shared snapshot's
   * ARN), or the newest snapshot of a DB instance.
   */
  readonly baseline: { readonly snapshot: string } | { readonly sourceDbInstance: string };
}

/** The only tag keys the reaper ever writes (state, extend, pause, the budget warning). */
export const REAPER_WRITTEN_TAG_KEYS: readonly string[] = [TAG.state, TAG.extendedUntil, TAG.pausedSize, TAG.budgetWarned];

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

/**
 * Every budget write, denied on the platform budget: its name has the environments'
 * budgets' `ephemera-` prefix, which the budget kind's tag and delete grants are scoped by.
 */
export const PLATFORM_BUDGET_DENIED_ACTIONS: readonly string[] = [
  "budgets:ModifyBudget",
  "budgets:TagResource",
  "budgets:UntagResource",
  "budgets:CreateBudgetAction",
  "budgets:UpdateBudgetAction",
  "budgets:DeleteBudgetAction",
  "budgets:ExecuteBudgetAction",
];

/**
 * The baseline snapshots a pool may restore from, as the part of their ARN after the
 * account (or a whole ARN, for a snapshot shared from another account): the named one,
 * or the automated (`rds:<instance>-*`) and manual (`<instance>-*`) snapshots of the
 * source instance, which RDS and the WarmDatabasePool docs name so.
 */
export function baselineSnapshotResources(baseline: PoolRestoreScope["baseline"]): readonly string[] {
  if ("snapshot" in baseline) return [baseline.snapshot.startsWith("arn:") ? baseline.snapshot : `snapshot:${baseline.snapshot}`];
  return baselineSnapshotPrefixes(baseline.sourceDbInstance).map((prefix) => `snapshot:${prefix}*`);
}

/** Only the reaper's own keys, and the key list must be present (ForAllValues alone passes when it is absent). */
const REAPER_TAG_KEYS_ONLY = {
  "ForAllValues:StringEquals": { "aws:TagKeys": REAPER_WRITTEN_TAG_KEYS },
  Null: { "aws:TagKeys": "false" },
} as const;

const MANAGED_TAG = `aws:ResourceTag/${TAG.managedBy}`;
/**
 * Tagging APIs that add or remove single keys: a kind's tag grant may set only the
 * reaper's keys with them. (S3's PutBucketTagging replaces the whole set, and a final
 * snapshot takes its instance's tags, so neither can be limited to the reaper's keys.)
 */
const TAG_WRITE = /:(CreateTags|AddTagsToResource|Tag[A-Z][A-Za-z]*|Untag[A-Z][A-Za-z]*)$/;

/** Pause and delete actions of the kinds whose service evaluates the protect tag, and what a delete also removes: denied on protected resources. */
export const PROTECTED_DENIED_ACTIONS: readonly string[] = [
  ...new Set(
    KIND_NAMES.flatMap((kind) => [
      ...[grantOf(kind, "pause"), grantOf(kind, "delete")].filter((g) => g?.scope === "managed").flatMap((g) => g!.actions),
      // What a delete also removes (an IAM role's instance profiles) is spared too when it is protected, whatever its grant's scope.
      ...(grantOf(kind, "deleteDependents")?.actions ?? []),
    ]),
  ),
];

/** The reaper Lambda's identity policy, as IAM evaluates it: the union of {@link reaperPolicyDocuments}. */
export function reaperPolicy(input: ReaperPolicyInput): PolicyDocument {
  const { inline, pool } = reaperPolicyDocuments(input);
  return { Version: "2012-10-17", Statement: [...inline.Statement, ...(pool?.Statement ?? [])] };
}

/**
 * The reaper's policy as the Reaper construct attaches it: the role's inline policy, and,
 * with a pool, the refill's restore statements in a managed policy of their own. IAM allows
 * a role 10,240 characters of inline policy in all, and a managed policy 6,144. Each group of
 * statements is built by its own step, in this order.
 */
export function reaperPolicyDocuments(input: ReaperPolicyInput): { readonly inline: PolicyDocument; readonly pool?: PolicyDocument } {
  const statements: PolicyStatement[] = [
    ...discoveryStatements(),
    ...kindStatements(input),
    platformBudgetDeny(input),
    ...auditBucketStatements(input),
    protectedResourcesDeny(),
    ...expiryScheduleStatements(input),
    ...ownResourceStatements(input),
  ];
  const pool = poolRestoreStatements(input);
  return { inline: { Version: "2012-10-17", Statement: statements }, ...(pool.length === 0 ? {} : { pool: { Version: "2012-10-17", Statement: pool } }) };
}

type Condition = Record<string, Record<string, string | readonly string[]>>;

/** Listings and reads of every kind, and the public prices the spend meter reads: allowed on every resource. */
function discoveryStatements(): PolicyStatement[] {
  return [
    {
      Sid: "DiscoverEverywhere",
      Effect: "Allow",
      Action: [...new Set(KIND_NAMES.flatMap((kind) => KIND_CATALOG[kind].iam.discover))],
      Resource: "*",
    },
    { Sid: "ReadPrices", Effect: "Allow", Action: SPEND_METER_ACTIONS, Resource: "*" },
  ];
}

/** One operation of one kind, as the catalog grants it. */
interface KindGrant {
  readonly kind: KindName;
  readonly operation: Operation;
  readonly grant: IamGrant;
}

/**
 * The kinds' own operations. Grants scoped by the managed-by tag alone share one statement
 * for tags and one for the rest (an action only ever matches the ARNs of its own resource
 * type, so the union grants nothing more); IAM allows 10,240 characters for a role's inline
 * policies. Every other grant gets a statement of its own.
 */
function kindStatements(input: ReaperPolicyInput): PolicyStatement[] {
  const grants = KIND_NAMES.flatMap((kind) =>
    OPERATIONS.flatMap((operation): KindGrant[] => {
      const grant = grantOf(kind, operation);
      return grant === undefined ? [] : [{ kind, operation, grant }];
    }),
  );
  return [
    ...sharedStatement(input, "TagManagedResources", "tag", grants.filter((g) => isShared(g) && g.operation === "tag")),
    ...sharedStatement(input, "ActOnManagedResources", "delete", grants.filter((g) => isShared(g) && g.operation !== "tag")),
    ...grants.filter((g) => !isShared(g)).map((g) => grantStatement(input, `${pascal(g.operation)}${pascal(g.kind)}`, g.grant, g.operation)),
  ];
}

/** A grant scoped by the managed-by tag alone, on ARNs: it can share a statement with others. */
function isShared(g: KindGrant): boolean {
  return g.grant.scope === "managed" && g.grant.condition === undefined && g.grant.on !== DELETABLE_BUCKETS;
}

/** One statement for all of `members`: their actions and ARN patterns, each once. */
function sharedStatement(input: ReaperPolicyInput, sid: string, operation: Operation, members: readonly KindGrant[]): PolicyStatement[] {
  if (members.length === 0) return [];
  const on = members.flatMap((m) => m.grant.on as readonly ArnPattern[]).filter((pattern, i, all) => all.findIndex((o) => JSON.stringify(o) === JSON.stringify(pattern)) === i);
  return [grantStatement(input, sid, { actions: [...new Set(members.flatMap((m) => m.grant.actions))], on, scope: "managed" }, operation)];
}

/** The Allow statement of one grant: its actions on its resources, under the conditions its scope and operation call for. */
function grantStatement(input: ReaperPolicyInput, sid: string, grant: IamGrant, operation: Operation): PolicyStatement {
  const condition = grantCondition(input, grant, operation);
  return { Sid: sid, Effect: "Allow", Action: grant.actions, Resource: grantResources(input, grant), ...(Object.keys(condition).length === 0 ? {} : { Condition: condition }) };
}

/** The ARNs a grant names: the deletable buckets and their objects, or its patterns in this partition, region and account. */
function grantResources(input: ReaperPolicyInput, grant: IamGrant): string[] {
  const { partition: p, region, accountId: account } = input;
  if (grant.on === DELETABLE_BUCKETS) return input.deletableBucketNames.flatMap((name) => [bucketArn(p, name), `${bucketArn(p, name)}/*`]);
  return grant.on.map((on) => `arn:${p}:${on.service}:${on.global ? "" : region}:${account}:${on.resource.replace("{iamPath}", input.iamPath ?? IAM_PATH)}`);
}

/** A grant's conditions, merged by operator: its scope's tag test, the bucket account, the reaper's tag keys, then its own. */
function grantCondition(input: ReaperPolicyInput, grant: IamGrant, operation: Operation): Condition {
  const condition: Condition = {};
  const add = (operator: string, values: Readonly<Record<string, string | readonly string[]>>) => {
    condition[operator] = { ...condition[operator], ...values };
  };
  if (grant.scope === "managed") add("StringEquals", { [MANAGED_TAG]: MANAGED_BY_VALUE });
  if (grant.scope === "managed-if-tagged") add("StringEqualsIfExists", { [MANAGED_TAG]: MANAGED_BY_VALUE });
  // Bucket ARNs name no account: only buckets of this account.
  if (grant.on === DELETABLE_BUCKETS) add("StringEquals", { "s3:ResourceAccount": input.accountId });
  if (operation === "tag" && grant.actions.some((a) => TAG_WRITE.test(a))) for (const [operator, values] of Object.entries(REAPER_TAG_KEYS_ONLY)) add(operator, values);
  for (const [operator, values] of Object.entries(grant.condition ?? {})) add(operator, values);
  return condition;
}

/**
 * The pool's refill: a restore reads the pool's baseline snapshots and lands in its
 * subnet group, and tags only the new database. Without a pool, no restore at all.
 */
function poolRestoreStatements(input: ReaperPolicyInput): PolicyStatement[] {
  const pool = input.pool;
  if (pool === undefined) return [];
  const rdsArn = (resource: string) => (resource.startsWith("arn:") ? resource : `arn:${input.partition}:rds:${input.region}:${input.accountId}:${resource}`);
  const own = [...baselineSnapshotResources(pool.baseline), `subgrp:${pool.subnetGroupName}`].map(rdsArn);
  const vpc = `arn:${input.partition}:ec2:${input.region}:${input.accountId}:vpc/${pool.vpcId}`;
  return KIND_NAMES.filter((kind) => grantOf(kind, "restore") !== undefined).flatMap((kind) => {
    const restore = grantStatement(input, `Restore${pascal(kind)}`, grantOf(kind, "restore")!, "restore");
    const tags = grantOf(kind, "restoreTags");
    const group = grantOf(kind, "restoreSecurityGroup");
    const groupTags = grantOf(kind, "restoreSecurityGroupTags");
    return [
      withResources(restore, own),
      ...(tags === undefined ? [] : [grantStatement(input, `TagRestored${pascal(kind)}`, tags, "restoreTags")]),
      // The group, and the pool's VPC it is created in (CreateSecurityGroup is checked against both).
      ...(group === undefined ? [] : [withResources(grantStatement(input, `CreateGroupOfRestored${pascal(kind)}`, group, "restoreSecurityGroup"), [vpc])]),
      ...(groupTags === undefined ? [] : [grantStatement(input, `TagGroupOfRestored${pascal(kind)}`, groupTags, "restoreSecurityGroupTags")]),
    ];
  });
}

/** A statement with more resources. */
function withResources(statement: PolicyStatement, more: readonly string[]): PolicyStatement {
  return { ...statement, Resource: [...[statement.Resource].flat(), ...more] };
}

/** The platform budget and its actions, denied every write (its name has the environments' budgets' prefix). */
function platformBudgetDeny(input: ReaperPolicyInput): PolicyStatement {
  const budget = `arn:${input.partition}:budgets::${input.accountId}:budget/${PLATFORM_BUDGET_NAME}`;
  return { Sid: "NeverChangeThePlatformBudget", Effect: "Deny", Action: PLATFORM_BUDGET_DENIED_ACTIONS, Resource: [budget, `${budget}/action/*`] };
}

/** The write-once audit bucket: reads, listings and first writes under its prefixes, its key, and the Denies no statement can undo. */
function auditBucketStatements(input: ReaperPolicyInput): PolicyStatement[] {
  const auditBucketArn = bucketArn(input.partition, input.auditBucketName);
  return [
    {
      Sid: "WriteAndReadAuditRecords",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: AUDIT_BUCKET_PREFIXES.map((prefix) => `${auditBucketArn}/${prefix}*`),
    },
    {
      Sid: "ListAuditRecords",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: auditBucketArn,
      Condition: { StringLike: { "s3:prefix": AUDIT_BUCKET_PREFIXES.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: "WriteEachAuditKeyOnce",
      Effect: "Deny",
      Action: ["s3:PutObject"],
      Resource: `${auditBucketArn}/*`,
      Condition: { Null: { "s3:if-none-match": "true" } },
    },
    ...(input.auditKmsKeyArn === undefined
      ? []
      : [{ Sid: "EncryptAndReadAuditRecords", Effect: "Allow" as const, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: input.auditKmsKeyArn }]),
    {
      Sid: "NeverTamperWithAuditRecords",
      Effect: "Deny",
      Action: AUDIT_BUCKET_DENIED_ACTIONS,
      Resource: [auditBucketArn, `${auditBucketArn}/*`],
    },
  ];
}

/** Pause and delete actions on resources tagged `ephemera:protect` (anything but "false"): denied outright. */
function protectedResourcesDeny(): PolicyStatement {
  return {
    Sid: "NeverTouchProtectedResources",
    Effect: "Deny",
    Action: PROTECTED_DENIED_ACTIONS,
    Resource: "*",
    Condition: {
      Null: { [`aws:ResourceTag/${TAG.protect}`]: "false" },
      StringNotEqualsIgnoreCase: { [`aws:ResourceTag/${TAG.protect}`]: "false" },
    },
  };
}

/** Moving an expiry schedule that fired early, and passing the scheduler role on: only with a scheduler role. */
function expiryScheduleStatements(input: ReaperPolicyInput): PolicyStatement[] {
  if (input.schedulerRoleArn === undefined) return [];
  return [
    {
      // Only the one-shot expiry schedules, by name, wherever their group; a group's managed-by tag is checked where AWS reports it.
      Sid: "MoveExpirySchedules",
      Effect: "Allow",
      Action: ["scheduler:GetSchedule", "scheduler:UpdateSchedule"],
      Resource: `arn:${input.partition}:scheduler:${input.region}:${input.accountId}:schedule/*/${expiryScheduleName("*")}`,
      Condition: { StringEqualsIfExists: { [MANAGED_TAG]: MANAGED_BY_VALUE } },
    },
    {
      Sid: "PassTheSchedulerRoleToScheduler",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: input.schedulerRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    },
  ];
}

/** The function's own outputs: owner notifications (when there are topics), its dead letters and its logs. */
function ownResourceStatements(input: ReaperPolicyInput): PolicyStatement[] {
  const publishTo = input.publishTopicArns ?? [];
  return [
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
}

function bucketArn(partition: string, name: string): string {
  return `arn:${partition}:s3:::${name}`;
}

/**
 * The operations the reaper's role is granted for every kind. `restore` and `restoreTags`
 * only with a pool, scoped to it; `credentials`, `credentialsSecret` and `credentialsValue`
 * never: only `ephemera claim` sets a password and writes the environment's credentials
 * secret; nor the `checkpoint` and `rollback` grants: only their callers take checkpoints and
 * roll back (AuditBucket.grantOperate).
 */
const OPERATIONS = ["read", "tag", "pause", "delete", "deleteDependents", "finalSnapshot"] as const;
type Operation = (typeof OPERATIONS)[number] | "restore" | "restoreTags" | "restoreSecurityGroup" | "restoreSecurityGroupTags";

function grantOf(kind: KindName, operation: Operation): IamGrant | undefined {
  return (KIND_CATALOG[kind].iam as Partial<Record<Operation, IamGrant>>)[operation];
}

/** `eks-nodegroup` → `EksNodegroup`, `finalSnapshot` → `FinalSnapshot`: statement ids allow only letters and digits. */
function pascal(text: string): string {
  return text.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
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
