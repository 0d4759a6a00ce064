import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetFunctionCommand, GetFunctionConcurrencyCommand, GetPolicyCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { GetScheduleCommand, ListTagsForResourceCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { App, Fn, TerraformOutput, TerraformStack } from "../../../constructs/core";
import { EnvExpirySchedule } from "../../../constructs/env-expiry-schedule";
import { tagEnvironment } from "../../../constructs/environment-tags";
import { Reaper } from "../../../constructs/reaper";
import { moveExpirySchedule } from "../../../reaper/action/expiry-schedule";
import { TAG } from "../../../reaper/model";
import { useEmulator } from "../../../harness/emulator";
import { TerraformWorkspace } from "../../../harness/terraform";
import { REPO_ROOT } from "../../../harness/paths";

/**
 * The Reaper construct applied against the emulator with the real esbuild bundle, and
 * one environment's expiry schedule pointed at it. moto creates Lambda functions without
 * Docker but cannot invoke them, so this proves what Terraform builds and how it
 * re-plans; the handler itself is tested in-process elsewhere.
 */

const ROOT = REPO_ROOT;
const ENV = "pr-9";

class ReaperStack extends TerraformStack {
  constructor(scope: Construct, id: string, bundlePath: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "us-east-1" });
    const pause = new SnsTopic(this, "pause", { name: "ephemera-e2e-pause" });
    const notifications = new SnsTopic(this, "notifications", { name: "ephemera-e2e-notifications" });
    const reaper = new Reaper(this, "reaper", {
      auditBucketName: "ephemera-e2e-audit",
      allowedAccounts: ["123456789012"],
      clusterNames: ["previews"],
      pauseTopicArn: pause.arn,
      notificationTopicArn: notifications.arn,
      bundlePath,
    });

    // One environment's expiry schedule, as EphemeralEnvironment makes it: an expression
    // Terraform computes (here two hours after apply; it changes on every plan, which
    // ignore_changes must swallow).
    const environment = new Construct(this, "environment");
    tagEnvironment(environment, { envId: ENV, owner: "e2e@example.com", ttl: "2h" });
    new EnvExpirySchedule(environment, "expiry", { envId: ENV, expiresAt: Fn.timeadd(Fn.timestamp(), "2h"), ...reaper.expiryTarget });

    new TerraformOutput(this, "function_arn", { value: reaper.functionArn });
    new TerraformOutput(this, "function_name", { value: reaper.functionName });
    new TerraformOutput(this, "scheduler_role_arn", { value: reaper.schedulerRoleArn });
    new TerraformOutput(this, "dead_letter_queue_arn", { value: reaper.deadLetterQueueArn });
    new TerraformOutput(this, "pause_topic_arn", { value: pause.arn });
  }
}

/** Synthesizes the stack with its asset (the zipped bundle) and returns the Terraform JSON and the assets directory. */
function synthWithAssets(outdir: string, bundlePath: string): { tf: Record<string, unknown>; assets: string } {
  const app = new App({ outdir, skipValidation: false });
  new ReaperStack(app, "reaper", bundlePath);
  app.synth();
  const stackDir = path.join(outdir, "stacks", "reaper");
  return { tf: JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")), assets: path.join(stackDir, "assets") };
}

function stateResources(ws: TerraformWorkspace): { type: string; attributes: Record<string, unknown> }[] {
  type State = { resources?: { mode: string; type: string; instances: { attributes: Record<string, unknown> }[] }[] };
  const state = JSON.parse(fs.readFileSync(path.join(ws.dir, "terraform.tfstate"), "utf8")) as State;
  return (state.resources ?? []).filter((r) => r.mode === "managed").flatMap((r) => r.instances.map((i) => ({ type: r.type, attributes: i.attributes })));
}

const emulator = useEmulator({ resetBetweenTests: false });

describe("terraform apply of the Reaper construct against the emulator", () => {
  let work: string;
  let ws: TerraformWorkspace;
  let outputs: Record<string, string>;
  let archive: string;
  let appliedAt: Date;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-reaper-e2e-"));
    // The real bundle, built the way `npm run bundle:reaper` builds it, into a directory of this test's own.
    const bundlePath = path.join(work, "bundle");
    const built = spawnSync(process.execPath, [path.join(ROOT, "scripts/bundle-reaper.mjs"), "--outdir", bundlePath], { encoding: "utf8" });
    if (built.status !== 0) throw new Error(`bundling the reaper failed:\n${built.stderr}`);

    const { tf, assets } = synthWithAssets(path.join(work, "cdktf.out"), bundlePath);
    ws = await TerraformWorkspace.create(tf, emulator());
    fs.cpSync(assets, path.join(ws.dir, "assets"), { recursive: true });
    const [fn] = Object.values((tf as { resource: { aws_lambda_function: Record<string, { filename: string }> } }).resource.aws_lambda_function);
    archive = path.join(ws.dir, fn!.filename);
    appliedAt = new Date();
    await ws.apply();
    outputs = (await ws.outputs()) as Record<string, string>;
  });
  afterAll(() => {
    ws?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("deploys the bundle as an arm64 nodejs22.x function with its settings, timeout and memory", async () => {
    const lambda = new LambdaClient(emulator().clientConfig());
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: outputs.function_name }));
    expect(fn.Configuration).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Timeout: 300,
      MemorySize: 512,
      DeadLetterConfig: { TargetArn: outputs.dead_letter_queue_arn },
    });
    expect(fn.Configuration!.Environment!.Variables).toMatchObject({
      EPHEMERA_AUDIT_BUCKET: "ephemera-e2e-audit",
      EPHEMERA_ALLOWED_ACCOUNTS: "123456789012",
      EPHEMERA_CLUSTERS: "previews",
      EPHEMERA_DRY_RUN: "false",
      EPHEMERA_NOTIFICATION_TOPIC_ARN: expect.stringMatching(/:ephemera-e2e-notifications$/),
    });
    // The code is the zipped bundle Terraform uploaded (source_code_hash is that hash).
    expect(fn.Configuration!.CodeSha256).toBe(createHash("sha256").update(fs.readFileSync(archive)).digest("base64"));
    expect((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: outputs.function_name }))).ReservedConcurrentExecutions).toBe(1);
  });

  it("keeps the function's logs 30 days in its own log group", () => {
    const group = stateResources(ws).find((r) => r.type === "aws_cloudwatch_log_group")!;
    expect(group.attributes).toMatchObject({ name: "/aws/lambda/ephemera-reaper", retention_in_days: 30 });
  });

  it("sweeps every 5 minutes through the scheduler role", async () => {
    const scheduler = new SchedulerClient(emulator().clientConfig());
    const sweep = await scheduler.send(new GetScheduleCommand({ Name: "ephemera-reaper-sweep", GroupName: "default" }));
    expect(sweep).toMatchObject({
      ScheduleExpression: "rate(5 minutes)",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: outputs.function_arn, RoleArn: outputs.scheduler_role_arn, Input: '{"ephemera":"sweep"}' },
    });
  });

  it("is subscribed to the pause topic, which may invoke it", async () => {
    const sns = new SNSClient(emulator().clientConfig());
    const subscriptions = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: outputs.pause_topic_arn }));
    expect(subscriptions.Subscriptions).toEqual([expect.objectContaining({ Protocol: "lambda", Endpoint: outputs.function_arn })]);
    const policy = JSON.parse((await new LambdaClient(emulator().clientConfig()).send(new GetPolicyCommand({ FunctionName: outputs.function_name }))).Policy!);
    expect(JSON.stringify(policy.Statement)).toContain("sns.amazonaws.com");
    expect(JSON.stringify(policy.Statement)).toContain(outputs.pause_topic_arn);
  });

  it("schedules the environment's expiry once, in UTC, in a group tagged as the environment's", async () => {
    const scheduler = new SchedulerClient(emulator().clientConfig());
    const expiry = await scheduler.send(new GetScheduleCommand({ Name: `ephemera-expiry-${ENV}`, GroupName: `ephemera-${ENV}` }));
    expect(expiry).toMatchObject({
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: outputs.function_arn, RoleArn: outputs.scheduler_role_arn, Input: JSON.stringify({ ephemera: "expire", env: ENV }) },
    });
    const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(expiry.ScheduleExpression ?? "");
    expect(at).not.toBeNull();
    const fires = new Date(`${at![1]}Z`).getTime();
    expect(fires).toBeGreaterThanOrEqual(appliedAt.getTime() + 2 * 3_600_000 - 120_000);
    expect(fires).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 120_000);

    const groupArn = expiry.Arn!.replace(/:schedule\/([^/]+)\/.*$/, ":schedule-group/$1");
    const tags = Object.fromEntries(((await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: groupArn }))).Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: ENV });
  });

  it("re-plans clean after apply", async () => {
    expect((await ws.plan()).code).toBe(0);
  });

  it("keeps an expiry moved by ephemera extend on the next plan", async () => {
    const scheduler = new SchedulerClient(emulator().clientConfig());
    const later = new Date(Date.now() + 30 * 3_600_000);
    later.setUTCSeconds(0, 0);
    const moved = await moveExpirySchedule(scheduler, ENV, later, [`ephemera-${ENV}`]);
    expect(moved.status).toBe("moved");
    expect((await ws.plan()).code).toBe(0);
    const expiry = await scheduler.send(new GetScheduleCommand({ Name: `ephemera-expiry-${ENV}`, GroupName: `ephemera-${ENV}` }));
    expect(expiry.ScheduleExpression).toBe(`at(${later.toISOString().slice(0, 19)})`);
  });

  it("destroys everything it created", async () => {
    await ws.destroy();
    expect(await ws.stateList()).toEqual([]);
    expect((await new LambdaClient(emulator().clientConfig()).send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
  });
});
