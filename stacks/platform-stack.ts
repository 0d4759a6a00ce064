import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Construct } from "constructs";
import { AuditBucket, AuditRetentionMode } from "../constructs/audit-bucket";
import { CostAllocationTagActivation } from "../constructs/cost-allocation-tag-activation";
import { Reaper } from "../constructs/reaper";
import { WarmDatabasePool, type WarmDatabasePoolProps } from "../constructs/warm-database-pool";
import { PlatformBudget, type PlatformBudgetProps } from "../constructs/platform-budget";
import { TerraformOutput, TerraformStack } from "../constructs/core";
import { TAG } from "../reaper/model";

export interface PlatformStackProps {
  /** AWS region of the platform (and of the environments it serves). */
  readonly region: string;
  /** Globally unique name of the audit bucket. */
  readonly auditBucketName: string;
  /** @default GOVERNANCE (see AuditBucket) */
  readonly auditRetentionMode?: AuditRetentionMode;
  /** @default 365 */
  readonly auditRetentionDays?: number;
  /**
   * The role or user exempt from the audit bucket's denials (see AuditBucket), and the one
   * that must apply later changes to its policy, lifecycle or retention.
   * @default - nobody: no one may delete audit records, change their retention, or change the bucket's policy, lifecycle or Object Lock once applied (synth warns)
   */
  readonly breakGlassPrincipalArn?: string;
  /**
   * Name of the SNS topic every environment's budget alerts go to; the reaper pauses on it.
   * @default ephemera-pause
   */
  readonly pauseTopicName?: string;
  /**
   * Activate `ephemera:env` as a cost allocation tag (AWS must have seen the tag in
   * billing data first, up to a day after its first use: a first apply in a new
   * account may fail here and succeed the next day).
   * @default true
   */
  readonly activateCostAllocationTag?: boolean;
  /**
   * Accounts the reaper may act in (its account guard).
   * @default - the account the platform is deployed into
   */
  readonly allowedAccounts?: readonly string[];
  /**
   * EKS clusters whose namespaces are environments' namespaces.
   * @default - none
   */
  readonly clusterNames?: readonly string[];
  /**
   * An existing SNS topic for owners' expiry warnings and reaper notices.
   * @default - a new topic `ephemera-notifications` (subscribe owners to it)
   */
  readonly notificationTopicArn?: string;
  /**
   * The reaper plans and logs but changes nothing.
   * @default false
   */
  readonly reaperDryRun?: boolean;
  /**
   * How often the reaper's backstop sweep runs.
   * @default rate(5 minutes)
   */
  readonly sweepSchedule?: string;
  /**
   * Most environments the reaper deletes or pauses in one run.
   * @default 10
   */
  readonly maxEnvironmentsPerRun?: number;
  /**
   * The bundled reaper handler (`npm run bundle:reaper`).
   * @default - <repo>/dist/reaper-lambda
   */
  readonly reaperBundlePath?: string;
  /**
   * A warm database pool the reaper keeps filled, for environments to claim (`ephemera claim`).
   * @default - none
   */
  readonly databasePool?: WarmDatabasePoolProps;
  /**
   * A monthly budget over everything Ephemera manages (`ephemera-platform`). At
   * `thresholdPercent` (default 90) of `limitUsd`, its alert, and the reaper's spend meter,
   * pause provisioning: `ephemera admit` refuses new environments. Also activates
   * `ephemera:managed-by` as a cost allocation tag, which the budget's filter needs.
   * @default - none
   */
  readonly platformBudget?: Omit<PlatformBudgetProps, "pauseTopicArn" | "accountId">;
}

/**
 * The long-lived, once-per-account pieces every environment relies on: the audit
 * bucket, the pause topic budgets publish to, the notification topic, cost allocation
 * by `ephemera:env`, and the reaper (its function ARN and scheduler role ARN are outputs
 * that environment stacks take for their expiry schedules). It carries no environment
 * tags: the reaper never sees it as an environment's.
 */
export class PlatformStack extends TerraformStack {
  readonly auditBucket: AuditBucket;
  readonly pauseTopic: SnsTopic;
  readonly notificationTopicArn: string;
  readonly reaper: Reaper;
  /** The warm database pool, when `databasePool` was given. */
  readonly databasePool?: WarmDatabasePool;
  /** The platform budget, when `platformBudget` was given. */
  readonly platformBudget?: PlatformBudget;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.region });

    this.auditBucket = new AuditBucket(this, "audit", {
      bucketName: props.auditBucketName,
      retentionMode: props.auditRetentionMode,
      retentionDays: props.auditRetentionDays,
      breakGlassPrincipalArn: props.breakGlassPrincipalArn,
    });

    this.pauseTopic = new SnsTopic(this, "pause-topic", { name: props.pauseTopicName ?? "ephemera-pause" });
    // AWS Budgets publishes as a service principal; without this policy its alerts never arrive.
    new SnsTopicPolicy(this, "pause-topic-policy", {
      arn: this.pauseTopic.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AwsBudgetsPublish",
            Effect: "Allow",
            Principal: { Service: "budgets.amazonaws.com" },
            Action: "SNS:Publish",
            Resource: this.pauseTopic.arn,
          },
        ],
      }),
    });

    this.notificationTopicArn = props.notificationTopicArn ?? new SnsTopic(this, "notification-topic", { name: "ephemera-notifications" }).arn;

    if (props.databasePool !== undefined) this.databasePool = new WarmDatabasePool(this, "database-pool", props.databasePool);

    if (props.platformBudget !== undefined) {
      this.platformBudget = new PlatformBudget(this, "platform-budget", { ...props.platformBudget, pauseTopicArn: this.pauseTopic.arn });
    }

    this.reaper = new Reaper(this, "reaper", {
      auditBucketName: this.auditBucket.bucketName,
      auditKmsKeyArn: this.auditBucket.kmsKeyArn,
      allowedAccounts: props.allowedAccounts,
      clusterNames: props.clusterNames,
      notificationTopicArn: this.notificationTopicArn,
      pauseTopicArn: this.pauseTopic.arn,
      dryRun: props.reaperDryRun,
      sweepSchedule: props.sweepSchedule,
      maxEnvironmentsPerRun: props.maxEnvironmentsPerRun,
      bundlePath: props.reaperBundlePath,
      ...(this.databasePool === undefined ? {} : { databasePool: this.databasePool }),
      ...(this.platformBudget === undefined ? {} : { platformBudget: { pauseAtUsd: this.platformBudget.pauseAtUsd } }),
    });

    if (props.activateCostAllocationTag ?? true) {
      new CostAllocationTagActivation(this, "cost-allocation", { tagKeys: this.platformBudget === undefined ? [TAG.env] : [TAG.env, TAG.managedBy] });
    }
    if (this.platformBudget !== undefined) new TerraformOutput(this, "platform_budget_name", { value: this.platformBudget.budgetName });

    new TerraformOutput(this, "audit_bucket", { value: this.auditBucket.bucketName });
    // With audit_bucket, what an environment stack needs for its workload's decision trace (EPHEMERA_AUDIT_KMS_KEY_ARN).
    new TerraformOutput(this, "audit_kms_key_arn", { value: this.auditBucket.kmsKeyArn });
    new TerraformOutput(this, "pause_topic_arn", { value: this.pauseTopic.arn });
    new TerraformOutput(this, "notification_topic_arn", { value: this.notificationTopicArn });
    new TerraformOutput(this, "reaper_function_arn", { value: this.reaper.functionArn });
    new TerraformOutput(this, "reaper_scheduler_role_arn", { value: this.reaper.schedulerRoleArn });
  }
}
