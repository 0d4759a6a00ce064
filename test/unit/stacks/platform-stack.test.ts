import * as path from "node:path";
import { PlatformStack, PlatformStackProps } from "../../../stacks/platform-stack";
import * as fs from "node:fs";
import { stubReaperBundle } from "../../../bench/environments-app";
import { TAG } from "../../../reaper/model";
import { synthStack } from "../../../harness/terraform";

type Blocks = Record<string, Record<string, Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Tf {
  readonly resource: Blocks;
  readonly output: Record<string, { value: string }>;
  readonly provider: Record<string, unknown[]>;
}

// The reaper's Lambda bundle is built by `npm run bundle:reaper`; a stand-in keeps this test independent of dist/.
const reaperBundlePath = stubReaperBundle();
afterAll(() => fs.rmSync(reaperBundlePath, { recursive: true, force: true }));

const PROPS: PlatformStackProps = { region: "eu-west-1", auditBucketName: "acme-ephemera-audit", reaperBundlePath };

const synthPlatform = (props: Partial<PlatformStackProps> = {}): Tf => synthStack((app) => new PlatformStack(app, "ephemera-platform", { ...PROPS, ...props })) as unknown as Tf;
const blocks = (tf: Tf, type: string) => Object.values(tf.resource[type] ?? {});
/** `[name, block]` of the resource of `type` whose `name` attribute is `nameAttribute`. */
const named = (tf: Tf, type: string, nameAttribute: string) => Object.entries(tf.resource[type] ?? {}).find(([, b]) => b.name === nameAttribute)!;

describe("PlatformStack", () => {
  it("creates the audit bucket without ephemera:managed-by or any environment tag, marked protected", () => {
    const tf = synthPlatform();
    const [bucket] = blocks(tf, "aws_s3_bucket");
    expect(bucket).toMatchObject({ bucket: "acme-ephemera-audit", object_lock_enabled: true });
    expect(bucket!.tags).toEqual({ [TAG.protect]: "true" });
    for (const [type, byName] of Object.entries(tf.resource)) {
      for (const [name, block] of Object.entries(byName)) {
        expect({ resource: `${type}.${name}`, managedBy: block.tags?.[TAG.managedBy], env: block.tags?.[TAG.env] }).toEqual({ resource: `${type}.${name}`, managedBy: undefined, env: undefined });
      }
    }
  });

  it("with a databasePool, makes the pool's groups and hands the reaper their settings; without one, neither", () => {
    const tf = synthPlatform({ databasePool: { vpcId: "vpc-0abc", subnetIds: ["subnet-a", "subnet-b"], sourceDbInstanceIdentifier: "app-baseline", size: 3 } });
    expect(named(tf, "aws_security_group", "ephemera-pool-default")[1]).toMatchObject({ vpc_id: "vpc-0abc" });
    const [fn] = blocks(tf, "aws_lambda_function");
    expect(fn!.environment.variables.EPHEMERA_DATABASE_POOL).toContain('"size" = 3');
    const without = synthPlatform();
    expect(blocks(without, "aws_db_subnet_group")).toEqual([]);
    expect(blocks(without, "aws_lambda_function")[0]!.environment.variables).not.toHaveProperty("EPHEMERA_DATABASE_POOL");
  });

  it("with a platformBudget, makes the ephemera-platform budget on the managed-by tag, alerting the pause topic, and hands the reaper its pause point", () => {
    const tf = synthPlatform({ platformBudget: { limitUsd: 2000 } });
    const [, budget] = named(tf, "aws_budgets_budget", "ephemera-platform");
    expect(budget).toMatchObject({ budget_type: "COST", time_unit: "MONTHLY", limit_amount: "2000", limit_unit: "USD", cost_filter: [{ name: "TagKeyValue", values: ["user:ephemera:managed-by$ephemera"] }] });
    const pauseTopic = Object.entries(tf.resource.aws_sns_topic!).find(([, t]) => t.name === "ephemera-pause")![0];
    expect(budget.notification).toEqual([
      expect.objectContaining({ notification_type: "ACTUAL", threshold: 90, threshold_type: "PERCENTAGE", comparison_operator: "GREATER_THAN", subscriber_sns_topic_arns: [`\${aws_sns_topic.${pauseTopic}.arn}`] }),
    ]);
    expect(blocks(tf, "aws_lambda_function")[0]!.environment.variables.EPHEMERA_PLATFORM_BUDGET_USD).toBe("1800");
    expect(blocks(tf, "aws_ce_cost_allocation_tag").map((t) => t.tag_key).sort()).toEqual([TAG.env, TAG.managedBy]);
    expect(tf.output.platform_budget_name?.value).toMatch(/^\$\{aws_budgets_budget\.[\w-]+\.name\}$/);
    const without = synthPlatform();
    expect(blocks(without, "aws_budgets_budget")).toEqual([]);
    expect(blocks(without, "aws_lambda_function")[0]!.environment.variables).not.toHaveProperty("EPHEMERA_PLATFORM_BUDGET_USD");
    expect(blocks(without, "aws_ce_cost_allocation_tag").map((t) => t.tag_key)).toEqual([TAG.env]);
  });

  it("refuses a platform budget that is not a positive amount, or a threshold outside 1 to 100 percent", () => {
    expect(() => synthPlatform({ platformBudget: { limitUsd: 0 } })).toThrow('limitUsd "0" is not a positive number of US dollars');
    expect(() => synthPlatform({ platformBudget: { limitUsd: 100, thresholdPercent: 150 } })).toThrow('thresholdPercent "150" is not a percentage above 0 and at most 100');
  });

  it("creates the pause topic with a policy that lets AWS Budgets publish to it", () => {
    const tf = synthPlatform();
    const topic = Object.entries(tf.resource.aws_sns_topic!).find(([, t]) => t.name === "ephemera-pause");
    expect(topic).toBeDefined();
    const topicArn = `\${aws_sns_topic.${topic![0]}.arn}`;
    const policy = blocks(tf, "aws_sns_topic_policy").find((p) => p.arn === topicArn);
    const document = JSON.parse(policy!.policy as string) as { Statement: Record<string, unknown>[] };
    expect(document.Statement).toEqual([
      expect.objectContaining({ Effect: "Allow", Principal: { Service: "budgets.amazonaws.com" }, Action: "SNS:Publish", Resource: topicArn }),
    ]);
    expect(tf.output.pause_topic_arn?.value).toBe(topicArn);
  });

  it("names the pause topic as asked", () => {
    expect(blocks(synthPlatform({ pauseTopicName: "acme-pause" }), "aws_sns_topic").map((t) => t.name)).toContain("acme-pause");
  });

  it("activates ephemera:env as a cost allocation tag, unless switched off", () => {
    expect(blocks(synthPlatform(), "aws_ce_cost_allocation_tag")).toEqual([expect.objectContaining({ tag_key: TAG.env, status: "Active" })]);
    expect(blocks(synthPlatform({ activateCostAllocationTag: false }), "aws_ce_cost_allocation_tag")).toEqual([]);
  });

  it("runs the reaper, subscribed to the pause topic and writing to the audit bucket with its key", () => {
    const tf = synthPlatform();
    const [fn] = blocks(tf, "aws_lambda_function");
    const [bucketName] = Object.keys(tf.resource.aws_s3_bucket!);
    const [keyName] = Object.keys(tf.resource.aws_kms_key!);
    expect(fn!.environment.variables.EPHEMERA_AUDIT_BUCKET).toBe(`\${aws_s3_bucket.${bucketName}.bucket}`);
    const [subscription] = blocks(tf, "aws_sns_topic_subscription");
    expect(subscription).toMatchObject({ protocol: "lambda", topic_arn: `\${aws_sns_topic.${named(tf, "aws_sns_topic", "ephemera-pause")[0]}.arn}` });
    const policy = blocks(tf, "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!.policy as string;
    expect(policy).toContain(`\${aws_kms_key.${keyName}.arn}`);
  });

  it("creates a notification topic for owners and gives it to the reaper, unless one is given", () => {
    const tf = synthPlatform();
    const [topicName] = named(tf, "aws_sns_topic", "ephemera-notifications");
    const topicArn = `\${aws_sns_topic.${topicName}.arn}`;
    expect(blocks(tf, "aws_lambda_function")[0]!.environment.variables.EPHEMERA_NOTIFICATION_TOPIC_ARN).toBe(topicArn);
    expect(tf.output.notification_topic_arn?.value).toBe(topicArn);
    const existing = "arn:aws:sns:eu-west-1:123456789012:acme-owners";
    const given = synthPlatform({ notificationTopicArn: existing });
    expect(named(given, "aws_sns_topic", "ephemera-notifications")).toBeUndefined();
    expect(blocks(given, "aws_lambda_function")[0]!.environment.variables.EPHEMERA_NOTIFICATION_TOPIC_ARN).toBe(existing);
  });

  it("passes the reaper's settings through", () => {
    const tf = synthPlatform({ allowedAccounts: ["123456789012"], clusterNames: ["previews"], reaperDryRun: true, maxEnvironmentsPerRun: 2, sweepSchedule: "rate(15 minutes)" });
    expect(blocks(tf, "aws_lambda_function")[0]!.environment.variables).toMatchObject({
      EPHEMERA_ALLOWED_ACCOUNTS: "123456789012",
      EPHEMERA_CLUSTERS: "previews",
      EPHEMERA_DRY_RUN: "true",
      EPHEMERA_MAX_ENVS_PER_RUN: "2",
    });
    expect(blocks(tf, "aws_scheduler_schedule")[0]!.schedule_expression).toBe("rate(15 minutes)");
  });

  it("outputs what environment stacks need for their expiry schedules", () => {
    const tf = synthPlatform();
    const [fnName] = Object.keys(tf.resource.aws_lambda_function!);
    const [roleName] = Object.entries(tf.resource.aws_iam_role!).find(([, r]) => String(r.name).startsWith("ephemera-reaper-scheduler-"))!;
    expect(tf.output.reaper_function_arn?.value).toBe(`\${aws_lambda_function.${fnName}.arn}`);
    expect(tf.output.reaper_scheduler_role_arn?.value).toBe(`\${aws_iam_role.${roleName}.arn}`);
  });

  it("outputs the audit bucket and its key, which environment stacks need for their workloads' decision traces", () => {
    const tf = synthPlatform();
    const [bucketName] = Object.keys(tf.resource.aws_s3_bucket!);
    const [keyName] = Object.keys(tf.resource.aws_kms_key!);
    expect(tf.output.audit_bucket?.value).toBe(`\${aws_s3_bucket.${bucketName}.bucket}`);
    expect(tf.output.audit_kms_key_arn?.value).toBe(`\${aws_kms_key.${keyName}.arn}`);
  });

  it("fails synth when the reaper bundle has not been built, naming npm run bundle:reaper", () => {
    expect(() => synthPlatform({ reaperBundlePath: path.join(reaperBundlePath, "missing") })).toThrow(/bundlePath .*npm run bundle:reaper/);
  });

  it("configures the AWS provider for the platform's region", () => {
    expect(synthPlatform().provider.aws).toEqual([expect.objectContaining({ region: "eu-west-1" })]);
  });
});
