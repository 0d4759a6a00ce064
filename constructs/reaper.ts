import * as fs from "node:fs";
import * as path from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset, Token } from "./core";
import { ExpiryTarget } from "./env-expiry-schedule";
import { excludeFromEnvironmentTags } from "./environment-tags";
import { checkedListProp, checkedProp, integerProp, isLiteral, nameProp, requiredStringProp } from "./private/props";
import { type PoolRestoreScope, reaperPolicyDocuments, schedulerInvokePolicy, serviceTrustPolicy } from "./private/reaper-policy";
import {
  InvalidValueError,
  isAccountId,
  isEksClusterName,
  isIamPath,
  isKmsKeyArn,
  isS3BucketName,
  isSnsTopicArn,
  isSnsTopicArnPattern,
  MAX_MAX_TTL,
  SETTING_DEFAULTS,
  SETTINGS,
  sweepEvent,
  tryParseDuration,
} from "../reaper/model";

export interface ReaperProps {
  /** Name of the audit bucket the reaper writes every action to (AuditBucket.bucketName). */
  readonly auditBucketName: string;
  /**
   * The audit bucket's SSE-KMS key (AuditBucket.kmsKeyArn); the reaper gets
   * `kms:GenerateDataKey` on it, which SSE-KMS writes need.
   * @default - no KMS permission (a bucket with SSE-S3, or a key policy that grants the role itself)
   */
  readonly auditKmsKeyArn?: string;
  /**
   * 12-digit accounts the reaper may act in (`EPHEMERA_ALLOWED_ACCOUNTS`): the account
   * guard compares each run's STS caller account with this list.
   * @default - the account the reaper is deployed into
   */
  readonly allowedAccounts?: readonly string[];
  /**
   * EKS clusters whose namespaces are environments' namespaces (`EPHEMERA_CLUSTERS`).
   * The role also needs a Kubernetes identity on each (docs/kinds.md).
   * @default - none: Kubernetes namespaces are not looked at
   */
  readonly clusterNames?: readonly string[];
  /**
   * SNS topic for owners whose `ephemera:owner` is not a topic ARN
   * (`EPHEMERA_NOTIFICATION_TOPIC_ARN`); the reaper may publish to it.
   * @default - none: only owners whose tag is a topic ARN listed in ownerTopicArns are notified
   */
  readonly notificationTopicArn?: string;
  /**
   * More topics the reaper may publish to: owners' topics named in `ephemera:owner`.
   * ARNs, `*` allowed (`arn:aws:sns:us-east-1:123456789012:team-*`).
   * @default - none
   */
  readonly ownerTopicArns?: readonly string[];
  /**
   * The topic AWS Budgets alerts publish to; the function is subscribed to it and
   * pauses an environment whose budget alert arrives.
   * @default - not subscribed: budget alerts do not pause anything
   */
  readonly pauseTopicArn?: string;
  /**
   * How long before expiry the owner is warned (`EPHEMERA_WARNING_WINDOW`), in the TTL
   * grammar; `0` turns warnings off.
   * @default 1h
   */
  readonly warningWindow?: string;
  /**
   * Most environments deleted or paused in one run (`EPHEMERA_MAX_ENVS_PER_RUN`); the
   * rest wait for the next run.
   * @default 10
   */
  readonly maxEnvironmentsPerRun?: number;
  /**
   * Plan only: change nothing, write no audit records (`EPHEMERA_DRY_RUN`).
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Longest ttl the reaper accepts, and the most life `ephemera extend` can give
   * (`EPHEMERA_MAX_TTL`).
   * @default - the reaper's own default (14d)
   */
  readonly maxTtl?: string;
  /**
   * How often the backstop sweep runs: an EventBridge Scheduler `rate(...)` or `cron(...)` expression.
   * @default rate(5 minutes)
   */
  readonly sweepSchedule?: string;
  /**
   * Bucket name patterns (`*` allowed) the reaper may empty and delete. S3 does not
   * evaluate tag conditions for these actions, so the role is scoped by name; the
   * reaper still acts only on buckets tagged `ephemera:managed-by=ephemera`.
   * @default ["ephemera-*"]
   */
  readonly deletableBucketNames?: readonly string[];
  /**
   * The IAM path under which the reaper lists environments' roles, and may delete them
   * (`EPHEMERA_IAM_PATH`). The constructs put every role of an environment under
   * `/ephemera/`; a narrower path (`/ephemera/web/`) limits this reaper to the roles under it.
   * @default /ephemera/
   */
  readonly iamPath?: string;
  /**
   * Name of the function; also the prefix of its queue, log group, sweep schedule and
   * roles (`<name>-<region>`, `<name>-scheduler-<region>`: IAM names are global, so a
   * platform in a second region of the account gets roles of its own). Letters, digits
   * and '-', at most 38 characters.
   * @default ephemera-reaper
   */
  readonly functionName?: string;
  /**
   * Directory holding the bundled handler (`index.js`), zipped into the function's code.
   * Build it with `npm run bundle:reaper`. A relative path is resolved from the current directory.
   * @default - <repo>/dist/reaper-lambda
   */
  readonly bundlePath?: string;
  /**
   * Seconds one invocation may run (1 to 900).
   * @default 300
   */
  readonly timeoutSeconds?: number;
  /**
   * Seconds of each invocation kept free (`EPHEMERA_DEADLINE_MARGIN_SECONDS`): no action
   * starts with less left, the rest wait for the next run, and the run's summary is
   * always written. Less than `timeoutSeconds`.
   * @default 60
   */
  readonly deadlineMarginSeconds?: number;
  /**
   * Memory in MB (128 to 10240); CPU grows with it.
   * @default 512
   */
  readonly memoryMb?: number;
  /**
   * Days the function's logs are kept (a CloudWatch Logs retention value).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * The warm database pool the reaper refills on each sweep (`EPHEMERA_DATABASE_POOL`): the
   * WarmDatabasePool construct. Its restores may read only the pool's baseline snapshots
   * (the named one, or the source instance's `rds:<instance>-*` and `<instance>-*`
   * snapshots) and land only in its subnet group.
   * @default - none: no pool, and no restore permission
   */
  readonly databasePool?: ReaperDatabasePool;
  /**
   * The platform budget (`EPHEMERA_PLATFORM_BUDGET_USD`): when the spend meter's total over the
   * live environments reaches `pauseAtUsd`, a sweep pauses provisioning (`ephemera admit`
   * refuses new environments), and lifts its own pause once the total is back under it.
   * @default - none: only the platform budget's alert, if any, pauses provisioning
   */
  readonly platformBudget?: { readonly pauseAtUsd: number };
}

/** What the Reaper takes of a warm database pool: the WarmDatabasePool construct has all three. */
export interface ReaperDatabasePool extends PoolRestoreScope {
  /** `EPHEMERA_DATABASE_POOL`, as WarmDatabasePool writes it. */
  readonly settingsJson: string;
}

export const DEFAULT_REAPER_FUNCTION_NAME = "ephemera-reaper";
export const DEFAULT_SWEEP_SCHEDULE = "rate(5 minutes)";
export const DEFAULT_DELETABLE_BUCKET_NAMES: readonly string[] = ["ephemera-*"];
/**
 * Node 22: Lambda deprecates nodejs20.x in 2026, and AWS SDK for JavaScript v3 (bundled
 * into the function) supports only Node.js 22 and later from January 2027.
 */
export const REAPER_RUNTIME = "nodejs22.x";

const DEFAULTS = {
  timeoutSeconds: 300,
  memoryMb: 512,
  logRetentionDays: 30,
} as const;

/** IAM role names are at most 64 characters: `<name>-scheduler-<region>` with the longest region names. */
const MAX_FUNCTION_NAME = 64 - "-scheduler-".length - "ap-southeast-2".length - 1;

/** The retention values CloudWatch Logs accepts (0 = never expire). */
const LOG_RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * The reaper, deployed: the bundled handler as an arm64 Lambda function with its own
 * least-privilege role, log group and dead-letter queue, invoked by
 *
 * - a sweep every few minutes (EventBridge Scheduler, `{"ephemera":"sweep"}`), the backstop;
 * - each environment's one-shot expiry schedule (`{"ephemera":"expire","env":"<id>"}`),
 *   which EphemeralEnvironment creates when given `expiryTarget`;
 * - AWS Budgets alerts on the pause topic (SNS), which pause the environment.
 *
 * Reserved concurrency is 1, so runs never overlap: invocations that arrive while one
 * runs (a budget alert during a sweep, say) wait in Lambda's asynchronous event queue
 * and run next, retried by Lambda for up to six hours; what still fails goes to the
 * dead-letter queue.
 */
export class Reaper extends Construct {
  readonly functionName: string;
  readonly functionArn: string;
  /** The function's role (its inline policy is the reaper's least-privilege policy). */
  readonly roleArn: string;
  readonly roleName: string;
  /** The role EventBridge Scheduler assumes to invoke the function (and nothing else). */
  readonly schedulerRoleArn: string;
  readonly deadLetterQueueArn: string;
  readonly logGroupName: string;
  /** What EphemeralEnvironment's `reaper` prop takes. */
  readonly expiryTarget: ExpiryTarget;
  /** Escape hatches. */
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly sweep: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: ReaperProps) {
    super(scope, id);
    // Platform infrastructure, never an environment's resource.
    excludeFromEnvironmentTags(this);

    // The steps below create the constructs in this order, which the synthesized JSON follows.
    const config = checkProps(props);
    const bundle = new TerraformAsset(this, "bundle", { path: config.bundlePath, type: AssetType.ARCHIVE });
    const deployment = this.lookUpDeployment();
    const logGroup = this.createLogGroup(config);
    const deadLetters = this.createDeadLetterQueue(config);
    this.role = this.createRole(config, deployment);
    const policy = this.attachReaperPolicy(props, config, deployment, logGroup, deadLetters);
    this.function = this.createFunction(props, config, deployment, { bundle, logGroup, deadLetters, policy });
    const schedulerRole = this.createSchedulerRole(config, deployment);
    this.sweep = this.createSweep(config, schedulerRole);
    if (props.pauseTopicArn !== undefined) this.subscribeToPauseTopic(props.pauseTopicArn);

    this.logGroupName = logGroup.name;
    this.deadLetterQueueArn = deadLetters.arn;
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.functionName = this.function.functionName;
    this.functionArn = this.function.arn;
    this.schedulerRoleArn = schedulerRole.arn;
    this.expiryTarget = { functionArn: this.functionArn, schedulerRoleArn: this.schedulerRoleArn };
  }

  /** The partition, region and account Terraform deploys into, read at apply. */
  private lookUpDeployment(): Deployment {
    return {
      partition: new DataAwsPartition(this, "partition").partition,
      region: new DataAwsRegion(this, "region").name,
      accountId: new DataAwsCallerIdentity(this, "caller").accountId,
    };
  }

  /** `/aws/lambda/<name>`, made here so its retention applies (Lambda would make one that never expires). */
  private createLogGroup(config: CheckedConfig): CloudwatchLogGroup {
    return new CloudwatchLogGroup(this, "logs", { name: `/aws/lambda/${config.functionName}`, retentionInDays: config.logRetentionDays });
  }

  /** Where events that keep failing go: encrypted, kept 14 days. */
  private createDeadLetterQueue(config: CheckedConfig): SqsQueue {
    return new SqsQueue(this, "dead-letters", {
      name: `${config.functionName}-dlq`,
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
  }

  /** The function's role, named after the region (IAM names are global). */
  private createRole(config: CheckedConfig, deployment: Deployment): IamRole {
    return new IamRole(this, "role", {
      name: `${config.functionName}-${deployment.region}`,
      description: "Ephemera reaper: acts only on resources tagged ephemera:managed-by=ephemera; writes each audit key once",
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy("lambda.amazonaws.com")),
    });
  }

  /**
   * The reaper's least-privilege policy (private/reaper-policy.ts): the role's inline policy,
   * and with a pool, the refill's grants in a managed policy attached to the role.
   */
  private attachReaperPolicy(props: ReaperProps, config: CheckedConfig, deployment: Deployment, logGroup: CloudwatchLogGroup, deadLetters: SqsQueue): IamRolePolicy {
    const { partition, region, accountId } = deployment;
    const { inline, pool } = reaperPolicyDocuments({
      partition,
      region,
      accountId,
      auditBucketName: props.auditBucketName,
      auditKmsKeyArn: props.auditKmsKeyArn,
      logGroupArn: logGroup.arn,
      deadLetterQueueArn: deadLetters.arn,
      publishTopicArns: [...(props.notificationTopicArn === undefined ? [] : [props.notificationTopicArn]), ...(props.ownerTopicArns ?? [])],
      deletableBucketNames: config.deletableBucketNames,
      iamPath: config.iamPath,
      // The scheduler role, by name: an expire event that came early moves its schedule, passing this role on.
      schedulerRoleArn: `arn:${partition}:iam::${accountId}:role/${schedulerRoleName(config, deployment)}`,
      ...(props.databasePool === undefined ? {} : { pool: { subnetGroupName: props.databasePool.subnetGroupName, vpcId: props.databasePool.vpcId, baseline: props.databasePool.baseline } }),
    });
    if (pool !== undefined) {
      const poolPolicy = new IamPolicy(this, "pool-policy", {
        name: `${config.functionName}-pool-${deployment.region}`,
        description: "Ephemera reaper: refills the warm database pool (restores, and each database's own security group)",
        policy: JSON.stringify(pool),
      });
      new IamRolePolicyAttachment(this, "pool-policy-attachment", { role: this.role.name, policyArn: poolPolicy.arn });
    }
    return new IamRolePolicy(this, "policy", { role: this.role.name, name: "ephemera-reaper", policy: JSON.stringify(inline) });
  }

  /** The bundle as an arm64 function, one run at a time, its settings in its environment. */
  private createFunction(props: ReaperProps, config: CheckedConfig, deployment: Deployment, made: FunctionDependencies): LambdaFunction {
    return new LambdaFunction(this, "function", {
      functionName: config.functionName,
      description: "Ephemera reaper: sweeps, expires and pauses ephemeral environments",
      role: this.role.arn,
      runtime: REAPER_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: made.bundle.path,
      sourceCodeHash: Fn.filebase64sha256(made.bundle.path),
      timeout: config.timeoutSeconds,
      memorySize: config.memoryMb,
      reservedConcurrentExecutions: 1,
      deadLetterConfig: { targetArn: made.deadLetters.arn },
      environment: { variables: environmentVariables(props, config, deployment.accountId) },
      // The log group first (or Lambda makes one that never expires), and the policy
      // first (Lambda checks sqs:SendMessage on the dead-letter queue at creation).
      dependsOn: [made.logGroup, made.policy],
    });
  }

  /** The role EventBridge Scheduler assumes, for this account only, to invoke the function and nothing else. */
  private createSchedulerRole(config: CheckedConfig, deployment: Deployment): IamRole {
    const schedulerRole = new IamRole(this, "scheduler-role", {
      name: schedulerRoleName(config, deployment),
      description: "EventBridge Scheduler invokes the Ephemera reaper (sweeps and environments' expiry schedules)",
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy("scheduler.amazonaws.com", deployment.accountId)),
    });
    new IamRolePolicy(this, "scheduler-policy", {
      role: schedulerRole.name,
      name: "invoke-ephemera-reaper",
      policy: JSON.stringify(schedulerInvokePolicy(this.function.arn)),
    });
    return schedulerRole;
  }

  /** The backstop sweep, every few minutes. */
  private createSweep(config: CheckedConfig, schedulerRole: IamRole): SchedulerSchedule {
    return new SchedulerSchedule(this, "sweep", {
      name: `${config.functionName}-sweep`,
      description: "Ephemera reaper backstop sweep",
      scheduleExpression: config.sweepSchedule,
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: this.function.arn, roleArn: schedulerRole.arn, input: JSON.stringify(sweepEvent()) },
    });
  }

  /** Budget alerts on the pause topic invoke the function, which pauses their environment. */
  private subscribeToPauseTopic(pauseTopicArn: string): void {
    const permission = new LambdaPermission(this, "pause-topic-permission", {
      statementId: "AllowPauseTopic",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "sns.amazonaws.com",
      sourceArn: pauseTopicArn,
    });
    new SnsTopicSubscription(this, "pause-subscription", {
      topicArn: pauseTopicArn,
      protocol: "lambda",
      endpoint: this.function.arn,
      dependsOn: [permission],
    });
  }
}

/** Where Terraform deploys the reaper (tokens, read at apply). */
interface Deployment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** What the function is made from, or must be created after. */
interface FunctionDependencies {
  readonly bundle: TerraformAsset;
  readonly logGroup: CloudwatchLogGroup;
  readonly deadLetters: SqsQueue;
  readonly policy: IamRolePolicy;
}

/** `<name>-scheduler-<region>`: the scheduler role, which the function's policy names before it exists. */
function schedulerRoleName(config: CheckedConfig, deployment: Deployment): string {
  return `${config.functionName}-scheduler-${deployment.region}`;
}

interface CheckedConfig {
  readonly functionName: string;
  readonly bundlePath: string;
  readonly sweepSchedule: string;
  readonly deletableBucketNames: readonly string[];
  readonly timeoutSeconds: number;
  readonly deadlineMarginSeconds: number;
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  readonly maxEnvironmentsPerRun: number;
  readonly iamPath: string;
}

/** Every prop checked, one group at a time (in this order: the first bad prop found is the one reported), and the defaults filled in. */
function checkProps(props: ReaperProps): CheckedConfig {
  checkAuditBucket(props);
  const functionName = nameProp("functionName", props.functionName ?? DEFAULT_REAPER_FUNCTION_NAME, MAX_FUNCTION_NAME, DEFAULT_REAPER_FUNCTION_NAME);
  checkWhereItActs(props);
  checkTopics(props);
  checkDurations(props);
  const maxEnvironmentsPerRun = integerProp("maxEnvironmentsPerRun", props.maxEnvironmentsPerRun, SETTING_DEFAULTS.maxEnvsPerRun, 0, 999_999, 10);
  const sweepSchedule = checkSweepSchedule(props.sweepSchedule ?? DEFAULT_SWEEP_SCHEDULE);
  const deletableBucketNames = checkDeletableBucketNames(props.deletableBucketNames ?? DEFAULT_DELETABLE_BUCKET_NAMES);
  const iamPath = checkedProp("iamPath", props.iamPath ?? SETTING_DEFAULTS.iamPath, isIamPath, "is not an IAM path", 'use a path that starts and ends with "/", such as "/ephemera/"');
  const sizing = checkSizing(props);
  return {
    functionName,
    bundlePath: checkBundlePath(props.bundlePath),
    sweepSchedule,
    deletableBucketNames,
    ...sizing,
    maxEnvironmentsPerRun,
    iamPath,
  };
}

/** The audit bucket's name, and its KMS key's ARN when given. */
function checkAuditBucket(props: ReaperProps): void {
  requiredStringProp("auditBucketName", props.auditBucketName, "acme-ephemera-audit");
  checkedProp("auditBucketName", props.auditBucketName, isS3BucketName, "is not an S3 bucket name", 'pass the bucket\'s name only (not its ARN), such as "acme-ephemera-audit"');
  checkedProp("auditKmsKeyArn", props.auditKmsKeyArn, isKmsKeyArn, "is not a KMS key ARN", 'pass the key\'s ARN (not an alias), such as "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"');
}

/** The accounts the reaper may act in (not none), and the EKS clusters it looks at. */
function checkWhereItActs(props: ReaperProps): void {
  if (props.allowedAccounts !== undefined && !Token.isUnresolved(props.allowedAccounts) && props.allowedAccounts.length === 0) {
    throw new InvalidValueError("allowedAccounts", "[]", "is empty, so the reaper would refuse to act anywhere", 'pass the accounts it may act in, such as ["123456789012"], or leave it out for the account it is deployed into');
  }
  checkedListProp("allowedAccounts", props.allowedAccounts, isAccountId, "is not a 12-digit AWS account id", 'use account ids such as ["123456789012"]');
  checkedListProp("clusterNames", props.clusterNames, isEksClusterName, "is not an EKS cluster name", 'use cluster names such as ["previews"]');
}

/** The topics the reaper publishes to and is subscribed to. */
function checkTopics(props: ReaperProps): void {
  checkedProp("notificationTopicArn", props.notificationTopicArn, isSnsTopicArn, "is not an SNS topic ARN", 'use one such as "arn:aws:sns:us-east-1:123456789012:ephemera-notifications"');
  checkedProp("pauseTopicArn", props.pauseTopicArn, isSnsTopicArn, "is not an SNS topic ARN", 'use one such as "arn:aws:sns:us-east-1:123456789012:ephemera-pause"');
  checkedListProp("ownerTopicArns", props.ownerTopicArns, isSnsTopicArnPattern, "is not an SNS topic ARN or ARN pattern", 'use ARNs such as ["arn:aws:sns:us-east-1:123456789012:team-*"]');
}

/** The warning window (`0`: no warnings) and the longest ttl, in the TTL grammar. */
function checkDurations(props: ReaperProps): void {
  if (props.warningWindow !== undefined && isLiteral(props.warningWindow) && props.warningWindow !== "0") {
    const parsed = tryParseDuration(props.warningWindow, { field: "warningWindow" });
    if (!parsed.ok) throw parsed.error;
  }
  if (props.maxTtl !== undefined && isLiteral(props.maxTtl)) {
    const parsed = tryParseDuration(props.maxTtl, { field: "maxTtl", max: MAX_MAX_TTL });
    if (!parsed.ok) throw parsed.error;
  }
}

function checkSweepSchedule(sweepSchedule: string): string {
  return checkedProp(
    "sweepSchedule",
    sweepSchedule,
    isScheduleExpression,
    "is not an EventBridge Scheduler rate() or cron() expression",
    'use one such as "rate(5 minutes)", "rate(1 hour)" or "cron(0/10 * * * ? *)"',
  );
}

/** Lowercase bucket name patterns with `*` wildcards, none that matches every bucket. */
function checkDeletableBucketNames(patterns: readonly string[]): readonly string[] {
  if (Token.isUnresolved(patterns)) return patterns;
  for (const pattern of patterns) {
    checkedProp("deletableBucketNames", pattern, (p) => /^[a-z0-9*][a-z0-9.*-]{0,62}$/.test(p), "is not a bucket name pattern", 'use lowercase names with * wildcards, such as ["ephemera-*"]');
    checkedProp("deletableBucketNames", pattern, (p) => !/^[*.-]*$/.test(p), "matches every bucket in the account", 'use a prefix such as ["ephemera-*"]');
  }
  return patterns;
}

/** The function's timeout and the margin it keeps free, its memory and its logs' retention. */
function checkSizing(props: ReaperProps): Pick<CheckedConfig, "timeoutSeconds" | "deadlineMarginSeconds" | "memoryMb" | "logRetentionDays"> {
  const timeoutSeconds = integerProp("timeoutSeconds", props.timeoutSeconds, DEFAULTS.timeoutSeconds, 1, 900, 300);
  const deadlineMarginSeconds = integerProp("deadlineMarginSeconds", props.deadlineMarginSeconds, SETTING_DEFAULTS.deadlineMarginSeconds, 0, 899, 60);
  if (isLiteral(timeoutSeconds) && isLiteral(deadlineMarginSeconds) && deadlineMarginSeconds >= timeoutSeconds) {
    throw new InvalidValueError(
      "deadlineMarginSeconds",
      String(deadlineMarginSeconds),
      `is not less than timeoutSeconds (${timeoutSeconds}), so no action could ever start`,
      `use a margin well under the timeout, such as ${Math.min(60, Math.floor(timeoutSeconds / 5))}, or raise timeoutSeconds`,
    );
  }
  const memoryMb = integerProp("memoryMb", props.memoryMb, DEFAULTS.memoryMb, 128, 10_240, 512);
  const logRetentionDays = props.logRetentionDays ?? DEFAULTS.logRetentionDays;
  if (isLiteral(logRetentionDays) && !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new InvalidValueError("logRetentionDays", String(logRetentionDays), "is not a CloudWatch Logs retention period", `use one of ${LOG_RETENTION_DAYS.join(", ")}, such as 30`);
  }
  return { timeoutSeconds, deadlineMarginSeconds, memoryMb, logRetentionDays };
}

/** The settings the Lambda reads (reaper/config/read-settings.ts), each set explicitly so the deployed configuration is visible. */
function environmentVariables(props: ReaperProps, config: CheckedConfig, deployAccountId: string): Record<string, string> {
  const variables: Record<string, string> = {
    [SETTINGS.auditBucket.env]: props.auditBucketName,
    [SETTINGS.allowedAccounts.env]: props.allowedAccounts === undefined ? deployAccountId : joined(props.allowedAccounts),
    [SETTINGS.warningWindow.env]: props.warningWindow ?? SETTING_DEFAULTS.warningWindow,
    [SETTINGS.maxEnvsPerRun.env]: Token.isUnresolved(config.maxEnvironmentsPerRun) ? Token.asString(config.maxEnvironmentsPerRun) : String(config.maxEnvironmentsPerRun),
    [SETTINGS.dryRun.env]: props.dryRun === true ? "true" : "false",
    [SETTINGS.leaseSeconds.env]: String(leaseSecondsOf(config.sweepSchedule)),
    [SETTINGS.deadlineMarginSeconds.env]: Token.isUnresolved(config.deadlineMarginSeconds) ? Token.asString(config.deadlineMarginSeconds) : String(config.deadlineMarginSeconds),
    // The bundle ships a source map; stack traces in the logs then name the TypeScript source.
    NODE_OPTIONS: "--enable-source-maps",
  };
  const clusters = props.clusterNames ?? [];
  if (Token.isUnresolved(clusters) || clusters.length > 0) variables[SETTINGS.clusters.env] = joined(clusters);
  if (props.notificationTopicArn !== undefined) variables[SETTINGS.notificationTopicArn.env] = props.notificationTopicArn;
  if (props.maxTtl !== undefined) variables[SETTINGS.maxTtl.env] = props.maxTtl;
  if (props.iamPath !== undefined) variables[SETTINGS.iamPath.env] = config.iamPath;
  if (props.databasePool !== undefined) variables[SETTINGS.databasePool.env] = props.databasePool.settingsJson;
  if (props.platformBudget !== undefined) variables[SETTINGS.platformBudgetUsd.env] = String(props.platformBudget.pauseAtUsd);
  return variables;
}

function joined(list: readonly string[]): string {
  return Token.isUnresolved(list) ? Fn.join(",", list as string[]) : list.join(",");
}

/**
 * A run's lease on an environment lasts one sweep interval: a crashed run keeps other
 * runs off an environment no longer than that. A cron schedule's interval is not read
 * from it: one minute then, renewed as needed.
 */
function leaseSecondsOf(sweepSchedule: string): number {
  if (!isLiteral(sweepSchedule)) return SETTING_DEFAULTS.leaseSeconds;
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(sweepSchedule);
  if (rate === null) return 60;
  return Math.min(Number(rate[1]) * { minute: 60, hour: 3600, day: 86_400 }[rate[2] as "minute" | "hour" | "day"], 86_400);
}

function isScheduleExpression(text: string): boolean {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const n = Number(rate[1]);
    return n >= 1 && (n === 1) === !rate[2]!.endsWith("s");
  }
  // Six fields: minutes hours day-of-month month day-of-week year.
  return /^cron\(\S+( \S+){5}\)$/.test(text);
}

/** The bundle directory, which must hold the handler's `index.js`. */
function checkBundlePath(given: string | undefined): string {
  const bundlePath = given === undefined ? defaultReaperBundlePath() : path.resolve(given);
  const fix = "set bundlePath to the directory that holds the bundled index.js, or build the default one with `npm run bundle:reaper` (node scripts/bundle-reaper.mjs)";
  // The full path goes in the problem: the quoted value is cut short when it is long.
  const value = given ?? "<default>";
  if (!fs.existsSync(bundlePath) || !fs.statSync(bundlePath).isDirectory()) {
    throw new InvalidValueError("bundlePath", value, `is ${bundlePath}, which does not exist`, fix);
  }
  if (!fs.existsSync(path.join(bundlePath, "index.js"))) {
    throw new InvalidValueError("bundlePath", value, `is ${bundlePath}, which has no index.js (the handler is index.handler)`, fix);
  }
  return bundlePath;
}

/**
 * Where the reaper bundle is looked for when no `bundlePath` is given: `dist/reaper-lambda`
 * of the package this file belongs to (found from this file, source or compiled), else of
 * the cdktf project (cdktf.json at or above the current directory), else of the current directory.
 */
export function defaultReaperBundlePath(): string {
  const relative = path.join("dist", "reaper-lambda");
  const root = findUp(__dirname, "package.json") ?? findUp(process.cwd(), "cdktf.json") ?? process.cwd();
  return path.join(root, relative);
}

/** The nearest directory at or above `from` that holds `file`. */
function findUp(from: string, file: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, file))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
