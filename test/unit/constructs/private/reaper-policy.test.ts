import { auditBucketPolicy } from "../../../../constructs/audit-bucket";
import { PolicyDocument, PROTECTED_DENIED_ACTIONS, REAPER_WRITTEN_TAG_KEYS, reaperPolicy, reaperPolicyDocuments, type ReaperPolicyInput, schedulerInvokePolicy } from "../../../../constructs/private/reaper-policy";
import { KIND_CATALOG, KIND_NAMES } from "../../../../reaper/contracts/kind-catalog";
import { DELETABLE_BUCKETS, type IamGrant, type KindRow } from "../../../../reaper/contracts/kind-row";
import { BUDGET_NAME_PREFIX, FINAL_SNAPSHOT_PREFIX, finalSnapshotName, PLATFORM_BUDGET_NAME, SCHEDULE_GROUP_PREFIX, TAG } from "../../../../reaper/model";
import { simulateIam } from "../../../../harness/simulate-iam";

/**
 * The reaper's IAM policy, evaluated by an IAM policy simulator (moto ignores tag
 * conditions, so the emulator cannot prove any of this). Each case is one request the
 * reaper's role might make, with the resource's tags as `aws:ResourceTag/...`.
 */

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
// Deliberately inside the deletable `ephemera-*` pattern: the explicit Deny must win.
const AUDIT_BUCKET = "ephemera-audit-us-east-1";
const AUDIT_ARN = `arn:aws:s3:::${AUDIT_BUCKET}`;
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ephemera-reaper`;
const NOTIFICATIONS = `arn:aws:sns:${REGION}:${ACCOUNT}:ephemera-notifications`;
const DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:ephemera-reaper-dlq`;
const LOG_GROUP = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/ephemera-reaper`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ephemera-reaper`;
const SCHEDULER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ephemera-reaper-scheduler-us-east-1`;

/** The warm pool (WarmDatabasePool's defaults), restored from the newest snapshot of `app-baseline`. */
const POOL_SUBNET_GROUP = "ephemera-pool-default";
const INPUT: ReaperPolicyInput = {
  partition: "aws",
  region: REGION,
  accountId: ACCOUNT,
  auditBucketName: AUDIT_BUCKET,
  auditKmsKeyArn: KMS_KEY,
  logGroupArn: LOG_GROUP,
  deadLetterQueueArn: DLQ,
  publishTopicArns: [NOTIFICATIONS, `arn:aws:sns:${REGION}:${ACCOUNT}:team-*`],
  deletableBucketNames: ["ephemera-*"],
  schedulerRoleArn: SCHEDULER_ROLE_ARN,
  pool: { subnetGroupName: POOL_SUBNET_GROUP, vpcId: "vpc-0pool1234", baseline: { sourceDbInstance: "app-baseline" } },
};
const POLICY = reaperPolicy(INPUT);
/** The same reaper, with no pool. */
const NO_POOL = reaperPolicy({ ...INPUT, pool: undefined });
/** A pool that restores one named snapshot. */
const NAMED_SNAPSHOT_POOL = reaperPolicy({ ...INPUT, pool: { subnetGroupName: POOL_SUBNET_GROUP, vpcId: "vpc-0pool1234", baseline: { snapshot: "app-baseline-2026-05-01" } } });

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const DB = arn("rds", "db:ephemera-pr-1");
const SUBNET_GROUP = arn("rds", "subgrp:ephemera-pr-1");
const NODE_GROUP = arn("eks", "nodegroup/previews/pr-1-nodes/6ec8a0b6-1f64-4a5d-8f8e-0c1f7d2b9a11");
const INSTANCE = arn("ec2", "instance/i-0abc1234def567890");
const SECURITY_GROUP = arn("ec2", "security-group/sg-0abc1234");
const SECRET = arn("secretsmanager", "secret:ephemera-pr-1-db-AbCdEf");
const RDS_SECRET = arn("secretsmanager", "secret:rds!db-3c4d5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f-AbCdEf");
const CREDENTIALS_SECRET = arn("secretsmanager", "secret:ephemera-pr-1-database-credentials-20260501120000000000000001-AbCdEf");
const GROUP = arn("scheduler", "schedule-group/ephemera-pr-1");
const EXPIRY_SCHEDULE = arn("scheduler", "schedule/ephemera-pr-1/ephemera-expiry-pr-1");
const BUDGET = `arn:aws:budgets::${ACCOUNT}:budget/ephemera-pr-1`;
const PLATFORM_BUDGET = `arn:aws:budgets::${ACCOUNT}:budget/${PLATFORM_BUDGET_NAME}`;
const POOL_DB = arn("rds", "db:ephemera-pool-default-ab12cd34");
const POOL_TAGS = { "aws:TagKeys": [TAG.managedBy, TAG.pool, TAG.state, TAG.baseline] };
/** A pool database's own security group as its restore creates it: in the pool's VPC, tagged with the pool's keys. */
const POOL_VPC = arn("ec2", "vpc/vpc-0pool1234");
const NEW_GROUP = arn("ec2", "security-group/sg-0new1234");
const POOL_GROUP_TAGS = { ...POOL_TAGS, [`aws:RequestTag/${TAG.managedBy}`]: "ephemera", [`aws:RequestTag/${TAG.pool}`]: "default" };
const ON_CREATE = { ...POOL_GROUP_TAGS, "ec2:CreateAction": "CreateSecurityGroup" };
const RECORD = `${AUDIT_ARN}/audit/2026/01/15/run-20260115T101500Z-ab12/000003.json`;
const LEASE = `${AUDIT_ARN}/leases/pr-1/000004.json`;
const READING = `${AUDIT_ARN}/spend/8222537599999-20260115T101500Z-ab12.json`;
const CLAIM = `${AUDIT_ARN}/claims/default/ephemera-pool-default-ab12cd34.json`;
const PROVISIONING = `${AUDIT_ARN}/provisioning/999999999996.json`;
const ADMISSION = `${AUDIT_ARN}/admissions/999999999990.json`;
const ROLE_OF_ENV = `arn:aws:iam::${ACCOUNT}:role/ephemera/pr-1-nodes-node`;
const PROFILE_OF_ENV = `arn:aws:iam::${ACCOUNT}:instance-profile/ephemera/pr-1-nodes`;
const LAUNCH_TEMPLATE = arn("ec2", "launch-template/lt-0abc1234def567890");

const MANAGED = { [TAG.managedBy]: "ephemera", [TAG.env]: "pr-1" };
const SOMEONE_ELSES = { [TAG.managedBy]: "platform-team" };
const PROTECTED = { ...MANAGED, [TAG.protect]: "true" };

type Outcome = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface Case {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  /** The resource's tags, as the service reports them in aws:ResourceTag/... */
  readonly tags?: Record<string, string>;
  readonly context?: Record<string, string | string[]>;
  readonly expect: Outcome;
  /** The audit bucket's own policy, evaluated with the identity policy (S3 requests on the audit bucket). */
  readonly withBucketPolicy?: boolean;
  /** Evaluate this document instead of the reaper's policy. */
  readonly policy?: PolicyDocument;
}

async function evaluate(c: Case): Promise<string> {
  const tags = Object.fromEntries(Object.entries(c.tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  const request = { principal: ROLE, action: c.action, resource: c.resource, context: { ...tags, ...(c.context ?? {}) } };
  return simulateIam(request, { identity: [c.policy ?? POLICY], ...(c.withBucketPolicy ? { bucketPolicy: JSON.parse(auditBucketPolicy(AUDIT_ARN)) as object } : {}) }).catch((err: Error) => `simulation error: ${err.message}`);
}

const inThisAccount = { "s3:ResourceAccount": ACCOUNT };
/** A put sent with `If-None-Match: *`, as every audit write is. */
const writeOnce = { "s3:if-none-match": "*" };
const stateTag = { "aws:TagKeys": [TAG.state] };

const ALLOWED: Case[] = [
  { name: "deletes a database tagged managed-by=ephemera", action: "rds:DeleteDBInstance", resource: DB, tags: MANAGED, expect: "Allowed" },
  { name: "stops a managed database (pause)", action: "rds:StopDBInstance", resource: DB, tags: MANAGED, expect: "Allowed" },
  { name: "takes the final snapshot of a managed database", action: "rds:CreateDBSnapshot", resource: DB, tags: MANAGED, expect: "Allowed" },
  {
    name: "creates the final snapshot under its ephemera- name",
    action: "rds:CreateDBSnapshot",
    resource: arn("rds", `snapshot:${finalSnapshotName("pr-1", new Date("2026-01-15T10:15:00Z"))}`),
    expect: "Allowed",
  },
  { name: "deletes a managed DB subnet group", action: "rds:DeleteDBSubnetGroup", resource: SUBNET_GROUP, tags: MANAGED, expect: "Allowed" },
  { name: "marks a managed database as reaping", action: "rds:AddTagsToResource", resource: DB, tags: MANAGED, context: stateTag, expect: "Allowed" },
  { name: "scales a managed node group to zero", action: "eks:UpdateNodegroupConfig", resource: NODE_GROUP, tags: MANAGED, expect: "Allowed" },
  { name: "deletes a managed node group", action: "eks:DeleteNodegroup", resource: NODE_GROUP, tags: MANAGED, expect: "Allowed" },
  {
    name: "remembers a paused node group's size in its tag",
    action: "eks:TagResource",
    resource: NODE_GROUP,
    tags: MANAGED,
    context: { "aws:TagKeys": [TAG.pausedSize, TAG.state] },
    expect: "Allowed",
  },
  { name: "removes the paused-size tag on resume", action: "eks:UntagResource", resource: NODE_GROUP, tags: MANAGED, context: { "aws:TagKeys": [TAG.pausedSize] }, expect: "Allowed" },
  { name: "terminates a managed EC2 instance", action: "ec2:TerminateInstances", resource: INSTANCE, tags: MANAGED, expect: "Allowed" },
  { name: "deletes a managed security group", action: "ec2:DeleteSecurityGroup", resource: SECURITY_GROUP, tags: MANAGED, expect: "Allowed" },
  { name: "records an extension on a managed instance", action: "ec2:CreateTags", resource: INSTANCE, tags: MANAGED, context: { "aws:TagKeys": [TAG.extendedUntil] }, expect: "Allowed" },
  {
    name: "deletes a managed secret with its recovery window",
    action: "secretsmanager:DeleteSecret",
    resource: SECRET,
    tags: MANAGED,
    context: { "secretsmanager:RecoveryWindowInDays": "7" },
    expect: "Allowed",
  },
  { name: "tags a managed schedule group", action: "scheduler:TagResource", resource: GROUP, tags: MANAGED, context: stateTag, expect: "Allowed" },
  { name: "deletes the expiry schedule in an environment's group", action: "scheduler:DeleteSchedule", resource: EXPIRY_SCHEDULE, expect: "Allowed" },
  {
    name: "deletes the expiry schedule where AWS reports the group's managed-by tag",
    action: "scheduler:DeleteSchedule",
    resource: EXPIRY_SCHEDULE,
    tags: MANAGED,
    expect: "Allowed",
  },
  { name: "deletes an environment's budget (ModifyBudget covers DeleteBudget)", action: "budgets:ModifyBudget", resource: BUDGET, expect: "Allowed" },
  { name: "tags an environment's budget with its state", action: "budgets:TagResource", resource: BUDGET, context: stateTag, expect: "Allowed" },
  { name: "reads any budget", action: "budgets:ViewBudget", resource: `arn:aws:budgets::${ACCOUNT}:budget/team-monthly`, expect: "Allowed" },
  {
    name: "empties an environment bucket in this account",
    action: "s3:DeleteObjectVersion",
    resource: "arn:aws:s3:::ephemera-pr-1-assets/index.html",
    context: inThisAccount,
    expect: "Allowed",
  },
  { name: "deletes an environment bucket in this account", action: "s3:DeleteBucket", resource: "arn:aws:s3:::ephemera-pr-1-assets", context: inThisAccount, expect: "Allowed" },
  {
    name: "writes an audit record under audit/ where no object is yet",
    action: "s3:PutObject",
    resource: RECORD,
    context: { ...inThisAccount, ...writeOnce },
    withBucketPolicy: true,
    expect: "Allowed",
  },
  { name: "encrypts audit records with the bucket's key", action: "kms:GenerateDataKey", resource: KMS_KEY, expect: "Allowed" },
  { name: "reads audit records back (closing runs that stopped, linking runs)", action: "s3:GetObject", resource: RECORD, context: inThisAccount, withBucketPolicy: true, expect: "Allowed" },
  { name: "decrypts audit records with the bucket's key", action: "kms:Decrypt", resource: KMS_KEY, expect: "Allowed" },
  { name: "lists audit records under audit/", action: "s3:ListBucket", resource: AUDIT_ARN, context: { ...inThisAccount, "s3:prefix": "audit/2026/01/15/" }, expect: "Allowed" },
  { name: "lists an environment's leases", action: "s3:ListBucket", resource: AUDIT_ARN, context: { ...inThisAccount, "s3:prefix": "leases/pr-1/" }, expect: "Allowed" },
  { name: "reads an environment's lease", action: "s3:GetObject", resource: LEASE, context: inThisAccount, withBucketPolicy: true, expect: "Allowed" },
  { name: "takes a lease where no entry is yet", action: "s3:PutObject", resource: LEASE, context: { ...inThisAccount, ...writeOnce }, withBucketPolicy: true, expect: "Allowed" },
  { name: "lists the spend meter's readings, newest first", action: "s3:ListBucket", resource: AUDIT_ARN, context: { ...inThisAccount, "s3:prefix": "spend/" }, expect: "Allowed" },
  { name: "reads the spend meter's last reading", action: "s3:GetObject", resource: READING, context: inThisAccount, withBucketPolicy: true, expect: "Allowed" },
  { name: "keeps a spend reading where no object is yet", action: "s3:PutObject", resource: READING, context: { ...inThisAccount, ...writeOnce }, withBucketPolicy: true, expect: "Allowed" },
  { name: "claims a warm pool database where no claim is yet", action: "s3:PutObject", resource: CLAIM, context: { ...inThisAccount, ...writeOnce }, withBucketPolicy: true, expect: "Allowed" },
  { name: "pauses provisioning: writes the next version of the provisioning register where none is yet", action: "s3:PutObject", resource: PROVISIONING, context: { ...inThisAccount, ...writeOnce }, withBucketPolicy: true, expect: "Allowed" },
  { name: "reads and lists the provisioning register (is it paused, and by whom)", action: "s3:ListBucket", resource: AUDIT_ARN, context: { ...inThisAccount, "s3:prefix": "provisioning/" }, expect: "Allowed" },
  { name: "reads the admission register", action: "s3:GetObject", resource: ADMISSION, context: inThisAccount, withBucketPolicy: true, expect: "Allowed" },
  { name: "reads a pool database's claim (a claim resumed)", action: "s3:GetObject", resource: CLAIM, context: inThisAccount, withBucketPolicy: true, expect: "Allowed" },
  { name: "restores a warm pool database under the pool's name", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: POOL_DB, context: POOL_TAGS, expect: "Allowed" },
  {
    name: "restores from the baseline instance's newest automated snapshot",
    action: "rds:RestoreDBInstanceFromDBSnapshot",
    resource: arn("rds", "snapshot:rds:app-baseline-2026-05-01-04-05"),
    context: POOL_TAGS,
    expect: "Allowed",
  },
  { name: "restores from a manual snapshot of the baseline instance", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", "snapshot:app-baseline-2026-05-01"), context: POOL_TAGS, expect: "Allowed" },
  {
    name: "restores from the pool's one named snapshot",
    action: "rds:RestoreDBInstanceFromDBSnapshot",
    resource: arn("rds", "snapshot:app-baseline-2026-05-01"),
    context: POOL_TAGS,
    policy: NAMED_SNAPSHOT_POOL,
    expect: "Allowed",
  },
  { name: "restores into the pool's subnet group", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", `subgrp:${POOL_SUBNET_GROUP}`), context: POOL_TAGS, expect: "Allowed" },
  { name: "restores with the snapshot's option group", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", "og:default:postgres-16"), context: POOL_TAGS, expect: "Allowed" },
  { name: "restores with the engine's default parameter group", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", "pg:default.postgres16"), context: POOL_TAGS, expect: "Allowed" },
  { name: "tags a pool database as it is restored", action: "rds:AddTagsToResource", resource: POOL_DB, context: POOL_TAGS, expect: "Allowed" },
  { name: "creates a pool database's own security group, tagged managed with the pool's keys", action: "ec2:CreateSecurityGroup", resource: NEW_GROUP, context: POOL_GROUP_TAGS, expect: "Allowed" },
  { name: "creates that security group in the pool's VPC", action: "ec2:CreateSecurityGroup", resource: POOL_VPC, context: POOL_GROUP_TAGS, expect: "Allowed" },
  { name: "tags that security group as CreateSecurityGroup creates it", action: "ec2:CreateTags", resource: NEW_GROUP, context: ON_CREATE, expect: "Allowed" },
  { name: "reads the Spot price history (the spend meter)", action: "ec2:DescribeSpotPriceHistory", resource: "*", expect: "Allowed" },
  { name: "reads on-demand prices from the Price List API (the spend meter)", action: "pricing:GetProducts", resource: "*", expect: "Allowed" },
  { name: "marks a managed budget with the limit its owner was warned about", action: "budgets:TagResource", resource: BUDGET, context: { "aws:TagKeys": [TAG.budgetWarned] }, expect: "Allowed" },
  { name: "publishes to the notification topic", action: "sns:Publish", resource: NOTIFICATIONS, expect: "Allowed" },
  { name: "publishes to an owner's topic in the allowed pattern", action: "sns:Publish", resource: arn("sns", "team-web"), expect: "Allowed" },
  { name: "sends an event that kept failing to its dead-letter queue", action: "sqs:SendMessage", resource: DLQ, expect: "Allowed" },
  { name: "writes to its own log group", action: "logs:PutLogEvents", resource: `${LOG_GROUP}:log-stream:2026/01/15/[$LATEST]abc`, expect: "Allowed" },
  { name: "lists every database, whatever its tags", action: "rds:DescribeDBInstances", resource: "*", expect: "Allowed" },
  { name: "lists tagged resources through the Tagging API", action: "tag:GetResources", resource: "*", expect: "Allowed" },
  { name: "lists the schedules of any group", action: "scheduler:ListSchedules", resource: "*", expect: "Allowed" },
  { name: "lists the roles under the environments' IAM path, with their tags", action: "iam:ListRoleTags", resource: "*", expect: "Allowed" },
  { name: "deletes a managed role under the environments' IAM path", action: "iam:DeleteRole", resource: ROLE_OF_ENV, tags: MANAGED, expect: "Allowed" },
  { name: "detaches a managed role's policies before deleting it", action: "iam:DetachRolePolicy", resource: ROLE_OF_ENV, tags: MANAGED, expect: "Allowed" },
  { name: "deletes a managed role's inline policies", action: "iam:DeleteRolePolicy", resource: ROLE_OF_ENV, tags: MANAGED, expect: "Allowed" },
  { name: "takes a managed role out of an instance profile under the path", action: "iam:RemoveRoleFromInstanceProfile", resource: PROFILE_OF_ENV, expect: "Allowed" },
  { name: "deletes an instance profile under the path", action: "iam:DeleteInstanceProfile", resource: PROFILE_OF_ENV, expect: "Allowed" },
  { name: "marks a managed role as reaping", action: "iam:TagRole", resource: ROLE_OF_ENV, tags: MANAGED, context: stateTag, expect: "Allowed" },
  { name: "deletes a managed launch template", action: "ec2:DeleteLaunchTemplate", resource: LAUNCH_TEMPLATE, tags: MANAGED, expect: "Allowed" },
  { name: "deletes an environment's managed schedule group", action: "scheduler:DeleteScheduleGroup", resource: GROUP, tags: MANAGED, expect: "Allowed" },
  { name: "moves an expiry schedule that fired early", action: "scheduler:UpdateSchedule", resource: EXPIRY_SCHEDULE, tags: MANAGED, expect: "Allowed" },
  { name: "moves an expiry schedule kept in the default group", action: "scheduler:UpdateSchedule", resource: arn("scheduler", "schedule/default/ephemera-expiry-pr-1"), expect: "Allowed" },
  {
    name: "passes the scheduler role on to EventBridge Scheduler (a schedule update carries it)",
    action: "iam:PassRole",
    resource: SCHEDULER_ROLE_ARN,
    context: { "iam:PassedToService": "scheduler.amazonaws.com" },
    expect: "Allowed",
  },
];

const DENIED: Case[] = [
  { name: "does not delete an untagged database", action: "rds:DeleteDBInstance", resource: DB, expect: "ImplicitlyDenied" },
  { name: "does not delete a database managed by someone else", action: "rds:DeleteDBInstance", resource: DB, tags: SOMEONE_ELSES, expect: "ImplicitlyDenied" },
  { name: "never deletes a protected database, even a managed one", action: "rds:DeleteDBInstance", resource: DB, tags: PROTECTED, expect: "ExplicitlyDenied" },
  {
    name: "treats any protect value but false as protected (a typo keeps the resource)",
    action: "eks:DeleteNodegroup",
    resource: NODE_GROUP,
    tags: { ...MANAGED, [TAG.protect]: "yes" },
    expect: "ExplicitlyDenied",
  },
  { name: "does not scale an untagged node group", action: "eks:UpdateNodegroupConfig", resource: NODE_GROUP, expect: "ImplicitlyDenied" },
  { name: "does not scale a node group managed by someone else", action: "eks:UpdateNodegroupConfig", resource: NODE_GROUP, tags: SOMEONE_ELSES, expect: "ImplicitlyDenied" },
  { name: "does not terminate an untagged instance", action: "ec2:TerminateInstances", resource: INSTANCE, expect: "ImplicitlyDenied" },
  { name: "does not act on a managed database in another region", action: "rds:DeleteDBInstance", resource: `arn:aws:rds:eu-west-1:${ACCOUNT}:db:ephemera-pr-1`, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "does not tag an untagged instance", action: "ec2:CreateTags", resource: INSTANCE, context: stateTag, expect: "ImplicitlyDenied" },
  {
    name: "cannot claim a resource by writing managed-by",
    action: "ec2:CreateTags",
    resource: INSTANCE,
    tags: MANAGED,
    context: { "aws:TagKeys": [TAG.state, TAG.managedBy] },
    expect: "ImplicitlyDenied",
  },
  { name: "cannot remove a managed node group's protect tag", action: "eks:UntagResource", resource: NODE_GROUP, tags: MANAGED, context: { "aws:TagKeys": [TAG.protect] }, expect: "ImplicitlyDenied" },
  {
    name: "never force-deletes a secret without its recovery window",
    action: "secretsmanager:DeleteSecret",
    resource: SECRET,
    tags: MANAGED,
    context: { "secretsmanager:ForceDeleteWithoutRecovery": "true" },
    expect: "ImplicitlyDenied",
  },
  { name: "does not delete an untagged secret", action: "secretsmanager:DeleteSecret", resource: SECRET, expect: "ImplicitlyDenied" },
  { name: "does not delete schedules outside the environments' groups", action: "scheduler:DeleteSchedule", resource: arn("scheduler", "schedule/default/nightly-backup"), expect: "ImplicitlyDenied" },
  {
    name: "does not delete a schedule whose group is managed by someone else",
    action: "scheduler:DeleteSchedule",
    resource: EXPIRY_SCHEDULE,
    tags: SOMEONE_ELSES,
    expect: "ImplicitlyDenied",
  },
  { name: "does not tag a schedule group managed by someone else", action: "scheduler:TagResource", resource: GROUP, tags: SOMEONE_ELSES, context: stateTag, expect: "ImplicitlyDenied" },
  { name: "does not delete a budget that is not an environment's", action: "budgets:ModifyBudget", resource: `arn:aws:budgets::${ACCOUNT}:budget/team-monthly`, expect: "ImplicitlyDenied" },
  { name: "does not delete an environment's budget in another account", action: "budgets:ModifyBudget", resource: "arn:aws:budgets::210987654321:budget/ephemera-pr-1", expect: "ImplicitlyDenied" },
  { name: "does not delete a bucket outside the deletable names", action: "s3:DeleteBucket", resource: "arn:aws:s3:::acme-data", context: inThisAccount, expect: "ImplicitlyDenied" },
  {
    name: "does not delete an ephemera- bucket in another account",
    action: "s3:DeleteBucket",
    resource: "arn:aws:s3:::ephemera-pr-1-assets",
    context: { "s3:ResourceAccount": "210987654321" },
    expect: "ImplicitlyDenied",
  },
  { name: "never deletes an audit record's version", action: "s3:DeleteObjectVersion", resource: RECORD, context: inThisAccount, withBucketPolicy: true, expect: "ExplicitlyDenied" },
  { name: "never deletes an audit record", action: "s3:DeleteObject", resource: RECORD, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never shortens an audit record's retention", action: "s3:PutObjectRetention", resource: RECORD, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never bypasses governance retention", action: "s3:BypassGovernanceRetention", resource: RECORD, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never lifts a legal hold on a record", action: "s3:PutObjectLegalHold", resource: RECORD, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never deletes the audit bucket, though its name matches ephemera-*", action: "s3:DeleteBucket", resource: AUDIT_ARN, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never replaces the audit bucket's policy", action: "s3:PutBucketPolicy", resource: AUDIT_ARN, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never suspends the audit bucket's versioning", action: "s3:PutBucketVersioning", resource: AUDIT_ARN, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never changes the audit bucket's Object Lock", action: "s3:PutBucketObjectLockConfiguration", resource: AUDIT_ARN, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never retags the audit bucket", action: "s3:PutBucketTagging", resource: AUDIT_ARN, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never adds a lifecycle rule that expires records", action: "s3:PutLifecycleConfiguration", resource: AUDIT_ARN, context: inThisAccount, expect: "ExplicitlyDenied" },
  {
    name: "never overwrites an audit record: a put without If-None-Match is denied",
    action: "s3:PutObject",
    resource: RECORD,
    context: inThisAccount,
    withBucketPolicy: true,
    expect: "ExplicitlyDenied",
  },
  { name: "never overwrites a lease entry", action: "s3:PutObject", resource: LEASE, context: inThisAccount, withBucketPolicy: true, expect: "ExplicitlyDenied" },
  { name: "never deletes a lease entry", action: "s3:DeleteObject", resource: LEASE, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never overwrites a provisioning version: a put without If-None-Match is denied", action: "s3:PutObject", resource: PROVISIONING, context: inThisAccount, withBucketPolicy: true, expect: "ExplicitlyDenied" },
  { name: "never deletes an admission version", action: "s3:DeleteObject", resource: ADMISSION, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never takes a claim back", action: "s3:DeleteObject", resource: CLAIM, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never overwrites a claim: a put without If-None-Match is denied", action: "s3:PutObject", resource: CLAIM, context: inThisAccount, withBucketPolicy: true, expect: "ExplicitlyDenied" },
  { name: "restores no database under any other name", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", "db:prod-main"), context: POOL_TAGS, expect: "ImplicitlyDenied" },
  { name: "restores from no snapshot but the pool's baseline's", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", "snapshot:prod-main-2026-05-01"), context: POOL_TAGS, expect: "ImplicitlyDenied" },
  {
    name: "restores from no automated snapshot of another instance",
    action: "rds:RestoreDBInstanceFromDBSnapshot",
    resource: arn("rds", "snapshot:rds:prod-main-2026-05-01-04-05"),
    context: POOL_TAGS,
    expect: "ImplicitlyDenied",
  },
  {
    name: "restores from no snapshot but the named one, when the pool names one",
    action: "rds:RestoreDBInstanceFromDBSnapshot",
    resource: arn("rds", "snapshot:app-baseline-2026-04-01"),
    context: POOL_TAGS,
    policy: NAMED_SNAPSHOT_POOL,
    expect: "ImplicitlyDenied",
  },
  { name: "restores into no subnet group but the pool's", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: arn("rds", "subgrp:prod-private"), context: POOL_TAGS, expect: "ImplicitlyDenied" },
  { name: "restores nothing when there is no pool", action: "rds:RestoreDBInstanceFromDBSnapshot", resource: POOL_DB, context: POOL_TAGS, policy: NO_POOL, expect: "ImplicitlyDenied" },
  { name: "creates no security group when there is no pool", action: "ec2:CreateSecurityGroup", resource: NEW_GROUP, context: POOL_GROUP_TAGS, policy: NO_POOL, expect: "ImplicitlyDenied" },
  { name: "creates no security group in another VPC than the pool's", action: "ec2:CreateSecurityGroup", resource: arn("ec2", "vpc/vpc-0prod5678"), context: POOL_GROUP_TAGS, expect: "ImplicitlyDenied" },
  { name: "creates no security group without the managed-by tag", action: "ec2:CreateSecurityGroup", resource: NEW_GROUP, context: { "aws:TagKeys": [TAG.pool] }, expect: "ImplicitlyDenied" },
  { name: "creates no untagged security group", action: "ec2:CreateSecurityGroup", resource: NEW_GROUP, expect: "ImplicitlyDenied" },
  {
    name: "creates no security group tagged as an environment's (only the pool's keys)",
    action: "ec2:CreateSecurityGroup",
    resource: NEW_GROUP,
    context: { ...POOL_GROUP_TAGS, "aws:TagKeys": [TAG.managedBy, TAG.env] },
    expect: "ImplicitlyDenied",
  },
  { name: "never tags an existing security group with the pool's keys (managed-by on someone else's group)", action: "ec2:CreateTags", resource: SECURITY_GROUP, tags: SOMEONE_ELSES, context: POOL_GROUP_TAGS, expect: "ImplicitlyDenied" },
  { name: "never tags a new security group with other keys than the pool's", action: "ec2:CreateTags", resource: NEW_GROUP, context: { ...ON_CREATE, "aws:TagKeys": [TAG.managedBy, TAG.protect] }, expect: "ImplicitlyDenied" },
  { name: "never tags a security group as another API creates it", action: "ec2:CreateTags", resource: NEW_GROUP, context: { ...ON_CREATE, "ec2:CreateAction": "RunInstances" }, expect: "ImplicitlyDenied" },
  { name: "tags no pool database when there is no pool", action: "rds:AddTagsToResource", resource: POOL_DB, context: POOL_TAGS, policy: NO_POOL, expect: "ImplicitlyDenied" },
  {
    name: "never puts managed-by on a subnet group (the restore's tag grant is the new database's alone)",
    action: "rds:AddTagsToResource",
    resource: arn("rds", `subgrp:${POOL_SUBNET_GROUP}`),
    context: { "aws:TagKeys": [TAG.managedBy] },
    expect: "ImplicitlyDenied",
  },
  { name: "never puts managed-by on a snapshot", action: "rds:AddTagsToResource", resource: arn("rds", "snapshot:rds:app-baseline-2026-05-01-04-05"), context: { "aws:TagKeys": [TAG.managedBy] }, expect: "ImplicitlyDenied" },
  { name: "never puts managed-by on an option group", action: "rds:AddTagsToResource", resource: arn("rds", "og:default:postgres-16"), context: { "aws:TagKeys": [TAG.managedBy] }, expect: "ImplicitlyDenied" },
  { name: "never puts managed-by on a parameter group", action: "rds:AddTagsToResource", resource: arn("rds", "pg:default.postgres16"), context: { "aws:TagKeys": [TAG.managedBy] }, expect: "ImplicitlyDenied" },
  {
    name: "never modifies a database, not even a claimed pool database: only ephemera claim rotates a password (AuditBucket.grantOperate)",
    action: "rds:ModifyDBInstance",
    resource: POOL_DB,
    tags: MANAGED,
    expect: "ImplicitlyDenied",
  },
  { name: "never modifies a managed environment database", action: "rds:ModifyDBInstance", resource: DB, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "never has RDS rotate a database's own secret", action: "secretsmanager:RotateSecret", resource: RDS_SECRET, expect: "ImplicitlyDenied" },
  { name: "never has RDS create a database's own secret", action: "secretsmanager:CreateSecret", resource: RDS_SECRET, expect: "ImplicitlyDenied" },
  { name: "never tags an RDS-owned secret", action: "secretsmanager:TagResource", resource: RDS_SECRET, expect: "ImplicitlyDenied" },
  { name: "creates no secret outside RDS's own rds!db- names", action: "secretsmanager:CreateSecret", resource: arn("secretsmanager", "secret:prod-api-key-AbCdEf"), expect: "ImplicitlyDenied" },
  {
    name: "never creates an environment's credentials secret: only ephemera claim does (AuditBucket.grantOperate)",
    action: "secretsmanager:CreateSecret",
    resource: CREDENTIALS_SECRET,
    context: { [`aws:RequestTag/${TAG.managedBy}`]: "ephemera", "aws:TagKeys": [TAG.managedBy, TAG.env] },
    expect: "ImplicitlyDenied",
  },
  { name: "never writes an environment's credentials secret", action: "secretsmanager:PutSecretValue", resource: CREDENTIALS_SECRET, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "never reads an environment's credentials secret", action: "secretsmanager:GetSecretValue", resource: CREDENTIALS_SECRET, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "deletes an environment's credentials secret with its environment, with the recovery window", action: "secretsmanager:DeleteSecret", resource: CREDENTIALS_SECRET, tags: MANAGED, expect: "Allowed" },
  { name: "rotates no secret outside RDS's own rds!db- names", action: "secretsmanager:RotateSecret", resource: SECRET, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "reads no secret's value, not even RDS's own", action: "secretsmanager:GetSecretValue", resource: RDS_SECRET, expect: "ImplicitlyDenied" },
  { name: "does not modify a database managed by someone else", action: "rds:ModifyDBInstance", resource: DB, tags: SOMEONE_ELSES, expect: "ImplicitlyDenied" },
  { name: "never modifies or deletes the platform budget, though its name has the environments' prefix", action: "budgets:ModifyBudget", resource: PLATFORM_BUDGET, expect: "ExplicitlyDenied" },
  { name: "never tags the platform budget", action: "budgets:TagResource", resource: PLATFORM_BUDGET, context: { "aws:TagKeys": [TAG.budgetWarned] }, expect: "ExplicitlyDenied" },
  { name: "never untags the platform budget", action: "budgets:UntagResource", resource: PLATFORM_BUDGET, context: { "aws:TagKeys": [TAG.state] }, expect: "ExplicitlyDenied" },
  {
    name: "never adds an action to the platform budget",
    action: "budgets:CreateBudgetAction",
    resource: `${PLATFORM_BUDGET}/action/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab`,
    expect: "ExplicitlyDenied",
  },
  { name: "never deletes a spend reading", action: "s3:DeleteObject", resource: READING, context: inThisAccount, expect: "ExplicitlyDenied" },
  { name: "never overwrites a spend reading: a put without If-None-Match is denied", action: "s3:PutObject", resource: READING, context: inThisAccount, withBucketPolicy: true, expect: "ExplicitlyDenied" },
  { name: "writes nothing in the audit bucket outside audit/, leases/, spend/, claims/, admissions/ and provisioning/", action: "s3:PutObject", resource: `${AUDIT_ARN}/other/x.json`, context: { ...inThisAccount, ...writeOnce }, expect: "ImplicitlyDenied" },
  { name: "tags a budget with no key but the reaper's own", action: "budgets:TagResource", resource: BUDGET, context: { "aws:TagKeys": [TAG.budgetWarned, TAG.owner] }, expect: "ImplicitlyDenied" },
  { name: "cannot list the audit bucket outside audit/", action: "s3:ListBucket", resource: AUDIT_ARN, context: { ...inThisAccount, "s3:prefix": "" }, expect: "ImplicitlyDenied" },
  { name: "cannot read the audit bucket outside audit/", action: "s3:GetObject", resource: `${AUDIT_ARN}/index.html`, context: inThisAccount, expect: "ImplicitlyDenied" },
  { name: "cannot write outside audit/", action: "s3:PutObject", resource: `${AUDIT_ARN}/index.html`, context: { ...inThisAccount, ...writeOnce }, expect: "ImplicitlyDenied" },
  { name: "cannot re-encrypt or manage the audit key", action: "kms:ScheduleKeyDeletion", resource: KMS_KEY, expect: "ImplicitlyDenied" },
  { name: "cannot create IAM roles", action: "iam:CreateRole", resource: `arn:aws:iam::${ACCOUNT}:role/anything`, expect: "ImplicitlyDenied" },
  { name: "cannot widen its own policy", action: "iam:PutRolePolicy", resource: ROLE, expect: "ImplicitlyDenied" },
  { name: "cannot pass roles", action: "iam:PassRole", resource: ROLE, expect: "ImplicitlyDenied" },
  {
    name: "cannot pass the scheduler role to any other service",
    action: "iam:PassRole",
    resource: SCHEDULER_ROLE_ARN,
    context: { "iam:PassedToService": "lambda.amazonaws.com" },
    expect: "ImplicitlyDenied",
  },
  { name: "does not move other schedules", action: "scheduler:UpdateSchedule", resource: arn("scheduler", "schedule/default/nightly-backup"), expect: "ImplicitlyDenied" },
  { name: "does not move an expiry schedule whose group someone else manages", action: "scheduler:UpdateSchedule", resource: EXPIRY_SCHEDULE, tags: SOMEONE_ELSES, expect: "ImplicitlyDenied" },
  { name: "cannot replace its own code", action: "lambda:UpdateFunctionCode", resource: FUNCTION_ARN, expect: "ImplicitlyDenied" },
  { name: "cannot publish to other topics", action: "sns:Publish", resource: arn("sns", "billing-alerts"), expect: "ImplicitlyDenied" },
  { name: "cannot create resources (RunInstances)", action: "ec2:RunInstances", resource: INSTANCE, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "does not delete a role outside the environments' IAM path, even a managed one", action: "iam:DeleteRole", resource: `arn:aws:iam::${ACCOUNT}:role/pr-1-nodes-node`, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "does not delete an untagged role under the path", action: "iam:DeleteRole", resource: ROLE_OF_ENV, expect: "ImplicitlyDenied" },
  { name: "does not delete a role under the path that someone else manages", action: "iam:DeleteRole", resource: ROLE_OF_ENV, tags: SOMEONE_ELSES, expect: "ImplicitlyDenied" },
  { name: "never deletes a protected role", action: "iam:DeleteRole", resource: ROLE_OF_ENV, tags: PROTECTED, expect: "ExplicitlyDenied" },
  { name: "cannot attach a policy to an environment's role", action: "iam:AttachRolePolicy", resource: ROLE_OF_ENV, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "cannot change an environment's role's trust policy", action: "iam:UpdateAssumeRolePolicy", resource: ROLE_OF_ENV, tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "does not delete an instance profile outside the path", action: "iam:DeleteInstanceProfile", resource: `arn:aws:iam::${ACCOUNT}:instance-profile/web-nodes`, expect: "ImplicitlyDenied" },
  { name: "does not delete an untagged launch template", action: "ec2:DeleteLaunchTemplate", resource: LAUNCH_TEMPLATE, expect: "ImplicitlyDenied" },
  { name: "never deletes a protected launch template", action: "ec2:DeleteLaunchTemplate", resource: LAUNCH_TEMPLATE, tags: PROTECTED, expect: "ExplicitlyDenied" },
  { name: "does not delete the default schedule group", action: "scheduler:DeleteScheduleGroup", resource: arn("scheduler", "schedule-group/default"), tags: MANAGED, expect: "ImplicitlyDenied" },
  { name: "does not delete a schedule group someone else manages", action: "scheduler:DeleteScheduleGroup", resource: GROUP, tags: SOMEONE_ELSES, expect: "ImplicitlyDenied" },
];

const SCHEDULER_ROLE: Case[] = [
  { name: "invokes the reaper function", action: "lambda:InvokeFunction", resource: FUNCTION_ARN, policy: schedulerInvokePolicy(FUNCTION_ARN), expect: "Allowed" },
  {
    name: "invokes no other function",
    action: "lambda:InvokeFunction",
    resource: arn("lambda", "function:payroll"),
    policy: schedulerInvokePolicy(FUNCTION_ARN),
    expect: "ImplicitlyDenied",
  },
  {
    name: "does nothing but invoke",
    action: "lambda:UpdateFunctionConfiguration",
    resource: FUNCTION_ARN,
    policy: schedulerInvokePolicy(FUNCTION_ARN),
    expect: "ImplicitlyDenied",
  },
];

/**
 * Cases derived from every kind's row, so a new kind is evaluated without a case written
 * for it: each action of each grant the reaper's policy holds is allowed on an example of
 * each of its ARN patterns (managed, where the grant is scoped by the tag), denied on one
 * that someone else manages or that the pattern's name does not cover, and denied outright
 * on a protected one where the action pauses or deletes.
 */
const POLICY_GRANTS = ["read", "tag", "pause", "delete", "deleteDependents", "finalSnapshot", "restore", "restoreTags"] as const;
const TAG_WRITE = /:(CreateTags|AddTagsToResource|Tag[A-Z][A-Za-z]*|Untag[A-Z][A-Za-z]*)$/;
const S3_OBJECT_ACTION = /^s3:(DeleteObject|DeleteObjectVersion|AbortMultipartUpload)$/;

function exampleArns(grant: IamGrant, action: string): { arn: string; otherName?: string }[] {
  if (grant.on === DELETABLE_BUCKETS) {
    const [arn, other] = ["ephemera-pr-1", "payroll"].map((bucket) => `arn:aws:s3:::${bucket}${S3_OBJECT_ACTION.test(action) ? "/report.csv" : ""}`);
    return [{ arn: arn!, otherName: other! }];
  }
  return grant.on.map((on) => {
    // `*` stays in the case's name; evaluateExample fills it.
    const resource = on.resource.replace("{iamPath}", "/ephemera/");
    const arnOf = (r: string) => `arn:aws:${on.service}:${on.global ? "" : REGION}:${ACCOUNT}:${r}`;
    return { arn: arnOf(resource), ...(resource.includes("ephemera-") ? { otherName: arnOf(resource.replace("ephemera-", "other-")) } : {}) };
  });
}

/**
 * What stands for each `*` of a pattern: a plain name, but a whole path where the resource
 * type's ARN has several parts (an EKS node group is cluster/name/id).
 */
function example(pattern: string): string {
  const filler = /:nodegroup\/\*$/.test(pattern) ? "previews/pr-1-nodes/6ec8a0b6-1f64-4a5d-8f8e-0c1f7d2b9a11" : "pr-1";
  return pattern.replace(/\*/g, filler);
}

/** `c` evaluated on an example of its pattern; an action that takes no resource of the pattern's type says so. */
async function evaluateExample(c: Case): Promise<string> {
  const outcome = await evaluate({ ...c, resource: example(c.resource) });
  return outcome.startsWith("simulation error") ? `${outcome}: ${c.action} takes no resource like ${example(c.resource)}` : outcome;
}

/** The tags a grant's own condition asks the resource to carry (`Null` `aws:ResourceTag/<key>` = `false`), each with an example value. */
function requiredTags(grant: IamGrant): Record<string, string> {
  const keys = Object.entries(grant.condition?.Null ?? {}).filter(([key, value]) => key.startsWith("aws:ResourceTag/") && value === "false");
  return Object.fromEntries(keys.map(([key]) => [key.slice("aws:ResourceTag/".length), "before-migration"]));
}

function derivedCases(): Case[] {
  return KIND_NAMES.flatMap((kind) =>
    POLICY_GRANTS.flatMap((operation) => {
      const grant = (KIND_CATALOG[kind] as KindRow).iam[operation];
      if (grant === undefined) return [];
      return grant.actions.flatMap((action) =>
        exampleArns(grant, action).flatMap(({ arn: resource, otherName }): Case[] => {
          const context = { ...(TAG_WRITE.test(action) ? stateTag : {}), ...(grant.on === DELETABLE_BUCKETS ? inThisAccount : {}) };
          // A pattern with no `*` names one resource; an outside name only where the pattern has the environments' prefix.
          const byTag = grant.scope !== "name";
          const name = `${kind} ${operation}: ${action} on ${resource}`;
          const also = requiredTags(grant);
          return [
            { name: `${name}, managed`, action, resource, ...(byTag ? { tags: { ...MANAGED, ...also } } : {}), context, expect: "Allowed" },
            ...(byTag ? [{ name: `${name}, someone else's`, action, resource, tags: { ...SOMEONE_ELSES, ...also }, context, expect: "ImplicitlyDenied" as const }] : []),
            ...(byTag && Object.keys(also).length > 0 ? [{ name: `${name}, managed but without ${Object.keys(also).join(", ")}`, action, resource, tags: MANAGED, context, expect: "ImplicitlyDenied" as const }] : []),
            ...(otherName === undefined ? [] : [{ name: `${kind} ${operation}: ${action} on ${otherName}, outside the name pattern`, action, resource: otherName, context, expect: "ImplicitlyDenied" as const }]),
            ...(byTag && PROTECTED_DENIED_ACTIONS.includes(action) ? [{ name: `${name}, protected`, action, resource, tags: { ...PROTECTED, ...also }, context, expect: "ExplicitlyDenied" as const }] : []),
          ];
        }),
      );
    }),
  );
}

describe("the reaper's IAM policy, evaluated", () => {
  describe("every kind's grants, derived from its row", () => {
    it.each(derivedCases())("$name: $expect", async (c) => {
      expect(await evaluateExample(c)).toBe(c.expect);
    });
  });


  describe("allows what the adapters need on what Ephemera manages", () => {
    it.each(ALLOWED)("$name", async (c) => {
      expect(await evaluate(c)).toBe(c.expect);
    });
  });

  describe("denies everything else", () => {
    it.each(DENIED)("$name", async (c) => {
      expect(await evaluate(c)).toBe(c.expect);
    });
  });

  describe("the scheduler's role", () => {
    it.each(SCHEDULER_ROLE)("$name", async (c) => {
      expect(await evaluate(c)).toBe(c.expect);
    });
  });
});

describe("the reaper's IAM policy, read", () => {
  const allows = POLICY.Statement.filter((s) => s.Effect === "Allow");
  const resources = (s: (typeof allows)[number]) => (typeof s.Resource === "string" ? [s.Resource] : s.Resource);

  it("allows only reads and listings on every resource: discovery's, and the spend meter's public prices", () => {
    const everywhere = allows.filter((s) => resources(s).includes("*"));
    expect(everywhere.map((s) => s.Sid)).toEqual(["DiscoverEverywhere", "ReadPrices"]);
    for (const statement of everywhere) for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/);
    expect(everywhere[1]!.Action).toEqual(["ec2:DescribeSpotPriceHistory", "pricing:GetProducts"]);
  });

  it("conditions every other allow on the managed-by tag, or scopes it to ARNs", () => {
    const tagConditioned = allows.filter((s) => JSON.stringify(s.Condition ?? {}).includes(`aws:ResourceTag/${TAG.managedBy}`)).map((s) => s.Sid);
    expect(tagConditioned).toEqual(["TagManagedResources", "ActOnManagedResources", "TagRdsSnapshot", "DeleteRdsSnapshot", "DeleteSchedulerSchedule", "DeleteSecret", "MoveExpirySchedules"]);
    const scopedByArn = allows.filter((s) => !tagConditioned.includes(s.Sid) && s.Sid !== "DiscoverEverywhere" && s.Sid !== "ReadPrices");
    for (const statement of scopedByArn) {
      for (const resource of resources(statement)) expect({ sid: statement.Sid, resource }).toEqual({ sid: statement.Sid, resource: expect.stringMatching(/^arn:aws:[a-z0-9-]+:/) });
    }
  });

  it("lets tag writes set only the keys the reaper writes", () => {
    expect([...REAPER_WRITTEN_TAG_KEYS].sort()).toEqual([TAG.extendedUntil, TAG.pausedSize, TAG.state, TAG.budgetWarned].sort());
    // A final snapshot is new (CopyTagsToSnapshot copies the instance's tags onto it); it is scoped by its name instead.
    // A final snapshot is new, and so is a restored pool database: each is scoped by its name, the pool's to its own tag keys.
    const restore = POLICY.Statement.find((s) => s.Sid === "TagRestoredRdsInstance")!;
    expect(restore.Action).toEqual(["rds:AddTagsToResource"]);
    expect(restore.Resource).toEqual([arn("rds", "db:ephemera-pool-*")]);
    expect(restore.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"]).toEqual([TAG.managedBy, TAG.pool, TAG.state, TAG.baseline]);
    // A restored pool database's own security group is new too: tagged only as CreateSecurityGroup creates it, with the pool's keys.
    const group = POLICY.Statement.find((s) => s.Sid === "TagGroupOfRestoredRdsInstance")!;
    expect(group).toMatchObject({ Action: ["ec2:CreateTags"], Resource: [arn("ec2", "security-group/*")] });
    expect(group.Condition).toEqual({ StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, "ForAllValues:StringEquals": { "aws:TagKeys": [TAG.managedBy, TAG.pool, TAG.state, TAG.baseline] } });
    const tagging = POLICY.Statement.filter(
      (s) => s.Effect === "Allow" && !["FinalSnapshotRdsInstance", "TagRestoredRdsInstance", "TagGroupOfRestoredRdsInstance"].includes(s.Sid) && s.Action.some((a) => /:(CreateTags|AddTagsToResource|TagResource|UntagResource)$/.test(a)),
    );
    expect(tagging.map((s) => s.Sid)).toEqual(["TagManagedResources", "TagBudget", "TagRdsSnapshot"]);
    for (const statement of tagging) expect(statement.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"]).toEqual(REAPER_WRITTEN_TAG_KEYS);
  });

  it("scopes by the name prefixes of the shared model, which the constructs and the reaper name things with", () => {
    const resources = POLICY.Statement.flatMap((s) => (typeof s.Resource === "string" ? [s.Resource] : s.Resource));
    expect(resources).toContain(`arn:aws:budgets::${ACCOUNT}:budget/${BUDGET_NAME_PREFIX}*`);
    expect(resources).toContain(arn("rds", `snapshot:${FINAL_SNAPSHOT_PREFIX}*`));
    expect(resources).toContain(arn("scheduler", `schedule/${SCHEDULE_GROUP_PREFIX}*/*`));
  });

  it("allows every action of every kind's catalog grants on that grant's ARNs, and every discovery read everywhere", () => {
    const allows = POLICY.Statement.filter((s) => s.Effect === "Allow");
    const covered = (action: string, resource: string) =>
      allows.some((s) => s.Action.includes(action) && (typeof s.Resource === "string" ? [s.Resource] : s.Resource).includes(resource));
    const missing: string[] = [];
    for (const kind of KIND_NAMES) {
      const iam = KIND_CATALOG[kind].iam as unknown as Record<string, { actions: readonly string[]; on: unknown } | readonly string[] | undefined>;
      for (const action of iam.discover as readonly string[]) if (!covered(action, "*")) missing.push(`${kind} discover ${action}`);
      for (const operation of ["read", "tag", "pause", "delete", "deleteDependents", "finalSnapshot"]) {
        const grant = iam[operation] as { actions: readonly string[]; on: { service: string; resource: string; global?: boolean }[] | string } | undefined;
        if (grant === undefined) continue;
        const arns =
          typeof grant.on === "string"
            ? ["arn:aws:s3:::ephemera-*", "arn:aws:s3:::ephemera-*/*"]
            : grant.on.map((on) => `arn:aws:${on.service}:${on.global ? "" : REGION}:${ACCOUNT}:${on.resource.replace("{iamPath}", "/ephemera/")}`);
        for (const action of grant.actions) for (const arn of arns) if (!covered(action, arn)) missing.push(`${kind} ${operation} ${action} on ${arn}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("denies pause and delete on protected resources for every kind whose service evaluates tags", () => {
    expect([...PROTECTED_DENIED_ACTIONS].sort()).toEqual(
      expect.arrayContaining([
        "ec2:StopInstances",
        "ec2:TerminateInstances",
        "ec2:DeleteSecurityGroup",
        "rds:StopDBInstance",
        "rds:DeleteDBInstance",
        "rds:DeleteDBSubnetGroup",
        "eks:UpdateNodegroupConfig",
        "eks:DeleteNodegroup",
        "secretsmanager:DeleteSecret",
      ]),
    );
    expect(PROTECTED_DENIED_ACTIONS.some((a) => /:(Describe|List|Get)/.test(a))).toBe(false);
  });

  it("fits IAM's 10,240-character limit on a role's inline policies, and the pool's 6,144 of a managed policy, with long region, bucket and topic names", () => {
    const region = "ap-southeast-2";
    const { inline: long, pool } = reaperPolicyDocuments({
      partition: "aws",
      region,
      accountId: ACCOUNT,
      auditBucketName: `acme-platform-ephemera-audit-${region}`,
      auditKmsKeyArn: `arn:aws:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      logGroupArn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:/aws/lambda/ephemera-reaper`,
      deadLetterQueueArn: `arn:aws:sqs:${region}:${ACCOUNT}:ephemera-reaper-dlq`,
      publishTopicArns: [`arn:aws:sns:${region}:${ACCOUNT}:ephemera-notifications`, `arn:aws:sns:${region}:${ACCOUNT}:team-*`],
      deletableBucketNames: ["ephemera-*", "acme-previews-*"],
      schedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/ephemera-reaper-scheduler-${region}`,
      pool: { subnetGroupName: "ephemera-pool-previews", vpcId: "vpc-0123456789abcdef0", baseline: { sourceDbInstance: "acme-application-baseline-database" } },
    });
    expect(JSON.stringify(long).length).toBeLessThan(10_240);
    expect(JSON.stringify(pool).length).toBeLessThan(6_144);
    // The pool's grants are all in its own policy: restores, their tags, each database's own security group.
    expect(pool!.Statement.map((st) => st.Sid)).toEqual(["RestoreRdsInstance", "TagRestoredRdsInstance", "CreateGroupOfRestoredRdsInstance", "TagGroupOfRestoredRdsInstance"]);
    expect(long.Statement.some((st) => pool!.Statement.some((p) => p.Sid === st.Sid))).toBe(false);
  });

  it("leaves out KMS and SNS statements when there is no key or topic", () => {
    const bare = reaperPolicy({
      partition: "aws",
      region: REGION,
      accountId: ACCOUNT,
      auditBucketName: AUDIT_BUCKET,
      logGroupArn: LOG_GROUP,
      deadLetterQueueArn: DLQ,
      deletableBucketNames: ["ephemera-*"],
    });
    const actions = bare.Statement.flatMap((s) => s.Action);
    expect(actions).not.toContain("kms:GenerateDataKey");
    expect(actions).not.toContain("sns:Publish");
  });
});
