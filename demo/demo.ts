/**
 * `npm run demo`: Ephemera end to end on a local AWS emulator, narrated.
 *
 * Starts moto (with the test harness's gap fixes), builds the reaper Lambda bundle,
 * deploys the platform stack and two environments with `terraform apply`, lists them,
 * pauses one through its budget alert (handled by the built bundle), moves the clock past
 * the other's expiry and reaps it (warn first, then reap, in phases), verifies the audit
 * trail and stops everything. Exits 0 when every step succeeded, 1 (with the reason)
 * when one failed, 128 + n on a signal; it cleans up in every case.
 *
 * Run it with `npm run demo` (node scripts/run-ts.mjs demo/demo.ts).
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { DescribeNodegroupCommand, EKSClient } from "@aws-sdk/client-eks";
import { DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, ListRolesCommand, ListRoleTagsCommand } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DeleteBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetScheduleCommand, ListScheduleGroupsCommand, ListTagsForResourceCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { ListTopicsCommand, SNSClient } from "@aws-sdk/client-sns";
import { expiryScheduleGroupName, expiryScheduleName } from "../reaper/model";
import { DEFAULT_REAPER_FUNCTION_NAME } from "../constructs/reaper";
import type { createHandler as CreateHandler } from "../reaper/handlers";
import { KubeClient } from "../reaper/kube/kube-client";
import type { AwsKindContext } from "../reaper/runtime/aws-kind-context";
import { K8S_ANNOTATION, TAG } from "../reaper/model";
import { EnvironmentConfig } from "../stacks/environment-config";
import { EnvironmentStack, environmentStackName } from "../stacks/environment-stack";
import { PlatformStack } from "../stacks/platform-stack";
import { type Emulator, EMULATOR_CREDENTIALS, startEmulator } from "../harness/emulator";
import { type KubeApiDouble, startKubeApiDouble } from "../harness/kube-api-double";
import { emulatorEnvironment, slowestResources, synthesizedNamespace, type TerraformWorkspace, workspaceFor } from "../harness/terraform";
import { budgetNotification, snsEvent } from "./budget-alert";
import { Cleanup } from "./cleanup";
import { cleanUpOnExitOrSignal, makeTempRoot, printStepTimings, runDemo } from "./demo-run";
import { cliIn, type Cli } from "./ephemera-cli";
import { createExistingInfrastructure, type ExistingInfrastructure } from "../harness/existing-infrastructure";
import { OwnerInbox } from "./owner-inbox";
import { Narrator, seconds } from "./narrator";
import { REPO_ROOT } from "../harness/paths";


const AUDIT_BUCKET = "acme-ephemera-audit";
const PAUSE_TOPIC = "ephemera-pause";
const STEPS = 10;

/** The two environments: one to reap (it has a database, so the teardown order shows), one to pause. */
const REAPED = { envId: "pr-101", ttl: "2h", owner: "team-web@example.com", budgetUsd: 25, database: true } as const;
const PAUSED = { envId: "pr-102", ttl: "8h", owner: "team-mobile@example.com", budgetUsd: 10, database: false } as const;
type DemoEnvironment = typeof REAPED | typeof PAUSED;

interface Deployed {
  readonly env: DemoEnvironment;
  readonly workspace: TerraformWorkspace;
  readonly outputs: Record<string, string>;
  readonly namespace: ReturnType<typeof synthesizedNamespace>;
  readonly applyMs: number;
  readonly slowest: string;
  readonly resources: number;
}

// The SDK warns once per process that its 2027 releases need Node 22; the lockfile pins today's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const narrator = new Narrator(STEPS);
const say = (text: string) => narrator.say(text);
const cleanup = new Cleanup();

async function main(): Promise<void> {
  introduce();
  const tempRoot = makeTempRoot(cleanup);
  cleanUpOnExitOrSignal(cleanup, narrator);
  const { emulator, kube, inbox } = await narrator.step("Start the local AWS emulator", startLocalServices);
  const bundleDir = await narrator.step("Build the reaper Lambda bundle", () => buildReaperBundle(tempRoot));
  const infra = await narrator.step("Create what the platform already has", () => createPlatformPrerequisites(emulator));
  const platformApply = await narrator.step("Start deploying the platform stack (terraform apply)", () => startPlatformApply(emulator, infra, bundleDir));
  const { platform, deployed } = await narrator.step("Deploy two environments side by side while the platform finishes (terraform apply)", () =>
    deployEnvironments({ emulator, kube, inbox }, infra, platformApply),
  );
  const kubeClientFactory = kubeClientsOf(kube);
  const demo: Demo = { emulator, kube, inbox, infra, bundleDir, platform, kubeClientFactory, ephemera: cliIn(narrator, cliSettings(emulator, infra, platform), { kubeClientFactory }) };
  const paused = deployed[1]!;
  await narrator.step("List the environments (ephemera ls)", () => listEnvironments(demo.ephemera));
  await narrator.step(`Push ${PAUSED.envId} over its budget: the budget alert pauses it`, () => pauseByBudgetAlert(demo, paused));
  await narrator.step(`Move the clock past ${REAPED.envId}'s expiry: warned first, then reaped`, () => reapPastExpiry(demo));
  await narrator.step("Verify the audit trail (ephemera audit verify)", () => verifyAuditTrail(demo.ephemera));
  await narrator.step("Stop the emulator and clean up", showCleanup);
  printTimings();
}

/** The local stand-ins for AWS, the Kubernetes API and the owners' inbox. */
interface LocalServices {
  readonly emulator: Emulator;
  readonly kube: KubeApiDouble;
  readonly inbox: OwnerInbox;
}

/** The platform's apply, started; and what environments take from it, read while it runs. */
interface PlatformApply extends PlatformInputs {
  readonly workspace: TerraformWorkspace;
  readonly applying: ReturnType<TerraformWorkspace["apply"]>;
}

/** The deployed platform: its Terraform outputs, and the reaper function's EPHEMERA_* settings. */
interface DeployedPlatform {
  readonly outputs: Record<string, string>;
  readonly functionSettings: Record<string, string>;
}

type KubeClientFactory = (cluster: string, ctx: AwsKindContext) => KubeClient;

/** What the steps after the deploy work with. */
interface Demo extends LocalServices {
  readonly infra: ExistingInfrastructure;
  readonly bundleDir: string;
  readonly platform: DeployedPlatform;
  readonly kubeClientFactory: KubeClientFactory;
  readonly ephemera: Cli;
}

function introduce(): void {
  narrator.line("Ephemera demo: two short-lived environments on a local AWS emulator, from deploy to reap.");
  narrator.line("Everything runs on this machine; nothing reaches AWS. It takes about four minutes.");
}

/** Step 1: moto, the Kubernetes API double and the owners' inbox, each stopped at cleanup. */
async function startLocalServices(): Promise<LocalServices> {
  const emulator = await startEmulator();
  cleanup.add(`stopped the emulator (${emulator.endpoint})`, () => emulator.stop());
  const kube = await startKubeApiDouble();
  cleanup.add("stopped the Kubernetes API double", () => kube.stop());
  const inbox = await OwnerInbox.start();
  cleanup.add("stopped the owners' inbox endpoint", () => inbox.stop());
  say(`moto 5.2.1, with Ephemera's gap fixes from the test harness, is listening on ${emulator.endpoint} (account ${emulator.accountId}, ${emulator.region}).`);
  say(
    `No Kubernetes API server can run here. The reaper's Kubernetes calls go to a small local test double of the API (${kube.url}), ` +
      "which serves only the paths the reaper uses: namespaces, deployments and statefulsets.",
  );
  return { emulator, kube, inbox };
}

/** Step 2: the reaper Lambda bundle, in the temp directory. */
async function buildReaperBundle(tempRoot: string): Promise<string> {
  const outdir = path.join(tempRoot, "reaper-lambda");
  narrator.command(`node scripts/bundle-reaper.mjs --outdir ${outdir}    # npm run bundle:reaper writes dist/reaper-lambda`);
  narrator.show(await run(process.execPath, [path.join(REPO_ROOT, "scripts/bundle-reaper.mjs"), "--outdir", outdir]));
  say("This is the code the reaper Lambda function runs (index.handler): the platform stack deploys it, and a later step calls its handler.");
  return outdir;
}

/** Step 3: the VPC, EKS cluster and baseline database a platform already has. */
async function createPlatformPrerequisites(emulator: Emulator): Promise<ExistingInfrastructure> {
  const infra = await createExistingInfrastructure(emulator);
  say(
    "With the AWS SDK, standing in for infrastructure you already run: " +
      `a VPC with two private subnets, the EKS cluster "${infra.clusterName}" and its OIDC provider, ` +
      `and a baseline database with the snapshot "${infra.baselineSnapshot}" that environments are restored from.`,
  );
  if (infra.clusterSecurityGroupIsStandIn) {
    say("The emulator reports no EKS cluster security group, so a stand-in security group takes its place in the environment stacks.");
  }
  return infra;
}

/** Step 4: starts the platform's apply and resolves once what environments need from it exists. */
async function startPlatformApply(emulator: Emulator, infra: ExistingInfrastructure, bundleDir: string): Promise<PlatformApply> {
  const { workspace } = await workspaceFor(
    emulator,
    (app) =>
      new PlatformStack(app, "ephemera-platform", {
        region: emulator.region,
        auditBucketName: AUDIT_BUCKET,
        pauseTopicName: PAUSE_TOPIC,
        clusterNames: [infra.clusterName],
        reaperBundlePath: bundleDir,
      }),
  );
  cleanup.add("removed the platform's Terraform workspace", () => workspace.dispose());
  say(
    "The platform stack holds what every environment relies on: the audit bucket, the pause topic that budget alerts go to, " +
      "the notification topic for owners, the cost allocation tag, and the reaper (its Lambda function, role, sweep schedule " +
      "and subscription to the pause topic).",
  );
  narrator.command("terraform apply    # the ephemera-platform stack, against the emulator");
  const applying = workspace.apply();
  applying.catch(() => undefined); // awaited in the next step; a failure there fails that step
  const ready = await platformReady(emulator, applying);
  say(
    `An environment stack needs three things from the platform: the pause topic (${ready.pauseTopicArn}), the reaper function ` +
      `(${ready.reaper.functionArn}) and the role EventBridge Scheduler uses to invoke it at the environment's expiry. ` +
      "All three exist now, so the environments start, while Terraform finishes the rest of the platform " +
      "(against the emulator, the audit bucket's lifecycle rules alone take about a minute).",
  );
  return { workspace, applying, ...ready };
}

/** Step 5: both environments applied while the platform's apply finishes, then wired to the owners' inbox and the Kubernetes double. */
async function deployEnvironments(
  { emulator, kube, inbox }: LocalServices,
  infra: ExistingInfrastructure,
  platformApply: PlatformApply,
): Promise<{ platform: DeployedPlatform; deployed: Deployed[] }> {
  introduceEnvironments();
  const [applied, ...both] = await Promise.all([
    platformApply.applying,
    ...[REAPED, PAUSED].map((env) => deployEnvironment(emulator, infra, platformApply, env)),
  ]);
  const outputs = await checkedPlatformOutputs(platformApply);
  await showApplied(platformApply.workspace, applied, both);
  const functionSettings = await showReaperFunction(emulator, outputs.reaper_function_arn);
  await inbox.subscribe(emulator, outputs.notification_topic_arn!);
  say(`The owners' inbox (a local HTTP endpoint) is subscribed to the notification topic ${outputs.notification_topic_arn}, as owners would be.`);
  await removeAuditBucketPolicy(emulator, outputs.audit_bucket!);
  await registerNamespaces(kube, emulator, infra.clusterName, both);
  return { platform: { outputs, functionSettings }, deployed: both };
}

function introduceEnvironments(): void {
  say(
    `${REAPED.envId}: a database restored from the baseline snapshot, TTL ${REAPED.ttl}, deleted at expiry, budget $${REAPED.budgetUsd}. ` +
      `${PAUSED.envId}: no database, TTL ${PAUSED.ttl}, budget $${PAUSED.budgetUsd}. Each is its own stack with its own state, applied in parallel as two pipelines would.`,
  );
  say(
    "Only the environments' AWS parts are applied: Spot node group, database, security groups, IAM roles, budget, and a one-shot " +
      "schedule that invokes the reaper at the environment's expiry. Their Kubernetes parts " +
      "(namespace, quota, network policy, RBAC) cannot be applied without an API server; they are dropped from what Terraform applies.",
  );
  narrator.command(`terraform apply    # env-${REAPED.envId} and env-${PAUSED.envId}, in parallel`);
}

/** The platform's outputs, once checked against what the environments were given while it applied. */
async function checkedPlatformOutputs(platformApply: PlatformApply): Promise<Record<string, string>> {
  const outputs = stringOutputs(await platformApply.workspace.outputs());
  const used = { pause_topic_arn: platformApply.pauseTopicArn, reaper_function_arn: platformApply.reaper.functionArn, reaper_scheduler_role_arn: platformApply.reaper.schedulerRoleArn };
  for (const [name, value] of Object.entries(used)) {
    if (outputs[name] !== value) throw new Error(`the platform's output ${name} is ${outputs[name]}, but the environments were given ${value}`);
  }
  return outputs;
}

/** One line per stack: what it holds and how long its apply took. */
async function showApplied(platformWorkspace: TerraformWorkspace, applied: Awaited<PlatformApply["applying"]>, both: readonly Deployed[]): Promise<void> {
  narrator.show(
    `ephemera-platform: ${summarizeState(await platformWorkspace.stateList())}\n  applied in ${seconds(applied.ms)} (slowest: ${slowest(applied.output)})`,
  );
  for (const d of both) {
    const extra = d.outputs.database_endpoint ? `; database ${d.outputs.database_endpoint}` : "";
    narrator.show(`env-${d.env.envId}: ${d.resources} AWS resources in ${seconds(d.applyMs)} (slowest: ${d.slowest}); expires ${d.outputs.expires_at}${extra}`);
  }
}

/** Shows the deployed reaper function and returns its EPHEMERA_* settings. */
async function showReaperFunction(emulator: Emulator, functionArn: string | undefined): Promise<Record<string, string>> {
  const lambda = new LambdaClient(emulator.clientConfig());
  const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn }));
  lambda.destroy();
  const functionSettings = Object.fromEntries(Object.entries(fn.Environment?.Variables ?? {}).filter(([k]) => k.startsWith("EPHEMERA_")));
  say(`The reaper is deployed as the Lambda function ${fn.FunctionName} (${fn.Runtime}, the bundle built above). Its settings:`);
  narrator.show(Object.entries(functionSettings).sort().map(([k, v]) => `${k}=${v}`).join("\n"));
  return functionSettings;
}

/**
 * Emulator workaround: moto applies a bucket policy's Deny statements without their
 * conditions, so the audit bucket's "deny any request without TLS" refuses every call
 * (and the emulator speaks plain HTTP anyway). On AWS the policy stays.
 */
async function removeAuditBucketPolicy(emulator: Emulator, bucket: string): Promise<void> {
  const s3 = new S3Client(emulator.clientConfig());
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  s3.destroy();
  say(
    "Emulator workaround: the audit bucket's policy denies every request made without TLS. The emulator speaks plain HTTP and ignores the " +
      "policy's conditions, so the demo removes that policy. Object Lock still guards every record.",
  );
}

/** Puts each environment's namespace into the Kubernetes API double, one after the other. */
async function registerNamespaces(kube: KubeApiDouble, emulator: Emulator, cluster: string, both: readonly Deployed[]): Promise<void> {
  for (const d of both) await registerNamespace(kube, emulator, cluster, d);
  say(
    `In the Kubernetes API double: the namespaces ${both.map((d) => d.namespace.name).join(" and ")}, with the labels and annotations the stacks ` +
      "synthesize (created-at as Terraform would stamp it), each running a deployment \"web\" with 2 replicas. Terraform did not create these.",
  );
}

/** The reaper's Kubernetes clients talk to the API double, with the EKS token the reaper makes. */
function kubeClientsOf(kube: KubeApiDouble): KubeClientFactory {
  return (cluster: string, ctx: AwsKindContext) => new KubeClient({ server: kube.url, token: ctx.eksTokenProvider(cluster) });
}

/** The CLI's settings, as an operator would set them; the function's come from its deployed configuration. */
function cliSettings(emulator: Emulator, infra: ExistingInfrastructure, platform: DeployedPlatform): Record<string, string> {
  return {
    ...emulator.env(),
    EPHEMERA_AUDIT_BUCKET: platform.outputs.audit_bucket!,
    EPHEMERA_ALLOWED_ACCOUNTS: emulator.accountId,
    EPHEMERA_CLUSTERS: infra.clusterName,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: platform.outputs.notification_topic_arn!,
    // The emulator has no Price List API: the spend meter prices from the table shipped with the package.
    EPHEMERA_PRICE_LIST: "off",
  };
}

/** Step 6: `ephemera ls`. */
async function listEnvironments(ephemera: Cli): Promise<void> {
  say(
    "The CLI runs in-process with the emulator's endpoint and keys; it finds every resource by its ephemera:* tags. " +
      "BUDGETS SAY is what AWS Budgets reports, hours late on AWS (the emulator reports none); ESTIMATE and BURN/H are the " +
      "reaper's own spend meter, from what runs and for how long (docs/spend.md).",
  );
  await ephemera(["ls"]);
}

/** Step 7: a budget alert for the paused environment, handled by the built bundle; then what the pause did. */
async function pauseByBudgetAlert(demo: Demo, paused: Deployed): Promise<void> {
  const outcome = await handleBudgetAlert(demo);
  say(`Budget alert for ${outcome.env}: ${outcome.status}.`);
  await demo.ephemera(["ls"]);
  await showPaused(demo, paused);
  say(`Nothing was deleted: the environment stops spending and keeps its data. \`ephemera resume ${PAUSED.envId}\` is the exact reverse.`);
}

/** Calls the deployed bundle's handler with the SNS event a real-format Budgets notification arrives in; it must pause. */
async function handleBudgetAlert({ emulator, platform, bundleDir, kubeClientFactory }: Demo) {
  const message = budgetNotification({ accountId: emulator.accountId, budgetName: `ephemera-${PAUSED.envId}`, limitUsd: PAUSED.budgetUsd, actualUsd: 10.42, at: new Date() });
  say(
    `On AWS, Budgets publishes "ephemera-${PAUSED.envId} is over its limit" to the pause topic, and SNS invokes the reaper Lambda. ` +
      "The emulator reports no spend for new budgets and cannot run a Lambda function or deliver SNS to one (that needs Docker), so the demo " +
      "builds the SNS event Lambda would receive, around a real-format AWS Budgets notification, and calls the handler of the deployed " +
      "bundle in this process, with the function's settings:",
  );
  narrator.show(message.split("\n").filter((l) => /^(AWS Budget Notification|AWS Account|Budget Name|Budgeted Amount|Alert Type|ACTUAL Amount)/.test(l)).join("\n"));
  const bundle = createRequire(path.join(REPO_ROOT, "package.json"))(path.join(bundleDir, "index.js")) as { createHandler: typeof CreateHandler };
  const logLines: string[] = [];
  const handler = bundle.createHandler({
    env: { ...emulator.env(), ...platform.functionSettings },
    runtime: { credentials: EMULATOR_CREDENTIALS, kubeClientFactory },
    log: (line) => logLines.push(line),
  });
  narrator.command(`handler(<SNS event from ${platform.outputs.pause_topic_arn}>)    # index.js of the bundle`);
  const result = await handler(snsEvent(platform.outputs.pause_topic_arn!, `AWS Budgets: ephemera-${PAUSED.envId} has exceeded your alert threshold`, message, new Date()));
  narrator.show(`the function's log line: ${logLines.join("\n")}`);
  const outcome = result.budgetAlerts?.[0];
  if (!result.ok || outcome?.status !== "paused") throw new Error(`the handler did not pause ${PAUSED.envId}: ${JSON.stringify(result)}`);
  return outcome;
}

/** The paused node group and deployment, and what the owners were told. */
async function showPaused({ emulator, infra, kube, inbox }: Demo, paused: Deployed): Promise<void> {
  const group = await nodegroup(emulator, infra.clusterName, `${PAUSED.envId}-nodes`);
  const web = kube.workload("deployments", paused.namespace.name, "web") as { spec?: { replicas?: number }; metadata?: { annotations?: Record<string, string> } } | undefined;
  narrator.show(
    [
      `node group ${group.nodegroupName}: desired ${group.scalingConfig?.desiredSize}, min ${group.scalingConfig?.minSize} (before: ${group.tags?.[TAG.pausedSize]}, kept in ${TAG.pausedSize})`,
      `deployment ${paused.namespace.name}/web: replicas ${web?.spec?.replicas} (before: ${web?.metadata?.annotations?.[K8S_ANNOTATION.pausedSize]})`,
      `${PAUSED.envId} has no database; with one, it would be stopped too.`,
      ...inbox.take().map((m) => `owners' inbox: ${m}`),
    ].join("\n"),
  );
}

/** Step 8: two sweeps with the clock moved past the reaped environment's expiry (warn, then reap), and what they left. */
async function reapPastExpiry(demo: Demo): Promise<void> {
  const { expiresAt, now } = await clockPastExpiry(demo.ephemera);
  await explainSimulatedClock(demo.emulator, expiresAt, now);
  const runId = await warnThenReap(demo, now);
  say(`The audit records of that run (${runId}), in the order they were written: a before record, then the call, then an after record, for every action.`);
  narrator.show(await auditTable(demo.emulator, demo.platform.outputs.audit_bucket!, runId));
  await checkReapedGone(demo);
}

/** The expiry the reaper computes (the latest over the environment's resources, each stamped at its own creation), and 10 minutes past it. */
async function clockPastExpiry(ephemera: Cli): Promise<{ expiresAt: string; now: string }> {
  const listing = JSON.parse((await ephemera(["ls", "--json"], { quiet: true })).out) as { environments: { env: string; expiresAt: string | null }[] };
  const expiresAt = listing.environments.find((e) => e.env === REAPED.envId)?.expiresAt;
  if (!expiresAt) throw new Error(`ephemera ls --json shows no expiry for ${REAPED.envId}`);
  const now = new Date(Date.parse(expiresAt) + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return { expiresAt, now };
}

async function explainSimulatedClock(emulator: Emulator, expiresAt: string, now: string): Promise<void> {
  const schedule = await expirySchedule(emulator, REAPED.envId);
  say(
    `On AWS, the schedule ${schedule.Name} (${schedule.ScheduleExpression} UTC) invokes the reaper with ${schedule.Target?.Input} at the expiry, ` +
      "and the reaper's sweep every 5 minutes is the backstop. The emulator never fires schedules (nor could it run the function), " +
      "so the demo moves the clock instead, with the CLI.",
  );
  say(
    `${REAPED.envId} expires at ${expiresAt} (as ephemera ls shows it). With --now ${now} the reaper decides as if it were 10 minutes past that. ` +
      "A --now in the future needs --allow-simulated-clock: it exists for demos on an emulator like this one.",
  );
}

/** The first sweep warns, the second reaps; returns the second's run id. */
async function warnThenReap({ ephemera, inbox }: Demo, now: string): Promise<string> {
  say("The rule: nothing is deleted before its owner has been warned. The first sweep only warns the owner and marks the environment expiring:");
  await ephemera(["reap", "--now", now, "--allow-simulated-clock"]);
  for (const m of inbox.take()) narrator.show(`owners' inbox: ${m}`);
  say("The second sweep finds it warned and past its expiry, and deletes it phase by phase; each phase starts only once the one before has succeeded:");
  const second = await ephemera(["reap", "--now", now, "--allow-simulated-clock"]);
  const runId = /^Run (\S+):$/m.exec(second.out)?.[1];
  if (runId === undefined) throw new Error("the second sweep reported no run");
  if (!second.out.includes(`${REAPED.envId}: reap done`)) throw new Error(`the second sweep did not reap ${REAPED.envId}`);
  return runId;
}

/** The reaped environment is gone from the listing and from the account. */
async function checkReapedGone({ ephemera, emulator }: Demo): Promise<void> {
  say(`What is left (${PAUSED.envId}, still paused):`);
  const left = await ephemera(["ls"]);
  if (left.out.split("\n").some((l) => l.startsWith(`${REAPED.envId} `))) throw new Error(`${REAPED.envId} is still listed after the reap`);
  // Checked with plain SDK calls, not the reaper's own listing: what a redeploy of the same id would clash with.
  const leftovers = await leftInAccount(emulator, REAPED.envId);
  if (leftovers.length > 0) throw new Error(`still in the account, tagged ${REAPED.envId}: ${leftovers.join(", ")}`);
  say(
    `Nothing tagged ${REAPED.envId} is left in the account: no IAM role, launch template, security group or schedule group, ` +
      `so the same environment id can be deployed again from fresh state.`,
  );
}

/** Step 9: `ephemera audit verify`. */
async function verifyAuditTrail(ephemera: Cli): Promise<void> {
  say("Every run wrote a hash chain of records to the Object Lock audit bucket; verify re-reads them all and checks each link.");
  const verified = await ephemera(["audit", "verify"]);
  if (!/\d+ run\(s\): \d+ verified, 0 broken\./.test(verified.out)) throw new Error("the audit trail did not verify");
}

/** Step 10: runs the cleanup, one line per thing it stopped or removed. */
async function showCleanup(): Promise<void> {
  for (const line of await cleanup.run()) narrator.show(line);
}

function printTimings(): void {
  const total = Date.now() - narrator.started;
  printStepTimings(narrator);
  narrator.line(
    `Demo finished in ${seconds(total)}: ${PAUSED.envId} paused by its budget alert, ${REAPED.envId} warned then reaped in order ` +
      "(namespace, node group, database, ...), audit trail verified. Nothing is left running.",
  );
}

/** What an environment stack takes from the platform. */
interface PlatformInputs {
  readonly pauseTopicArn: string;
  readonly reaper: { readonly functionArn: string; readonly schedulerRoleArn: string };
}

/**
 * Resolves once the platform's apply has created what environments need: the pause topic,
 * and the reaper function and its scheduler role, read from the reaper's sweep schedule
 * (which Terraform creates only after both). Rejects if the apply fails first, or after
 * three minutes. The next step checks them against the platform's outputs.
 */
async function platformReady(emulator: Emulator, apply: Promise<unknown>): Promise<PlatformInputs> {
  let failed: unknown;
  apply.catch((err: unknown) => (failed = err ?? new Error("terraform apply failed")));
  const sns = new SNSClient(emulator.clientConfig());
  const scheduler = new SchedulerClient(emulator.clientConfig());
  try {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      if (failed !== undefined) throw failed;
      const topics = (await sns.send(new ListTopicsCommand({}))).Topics ?? [];
      const pauseTopicArn = topics.map((t) => t.TopicArn!).find((a) => a.endsWith(`:${PAUSE_TOPIC}`));
      const sweep = await scheduler.send(new GetScheduleCommand({ Name: `${DEFAULT_REAPER_FUNCTION_NAME}-sweep` })).catch(() => undefined);
      const functionArn = sweep?.Target?.Arn;
      const schedulerRoleArn = sweep?.Target?.RoleArn;
      if (pauseTopicArn !== undefined && functionArn !== undefined && schedulerRoleArn !== undefined) {
        return { pauseTopicArn, reaper: { functionArn, schedulerRoleArn } };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("the platform's pause topic and reaper did not appear within 3 minutes of terraform apply");
  } finally {
    sns.destroy();
    scheduler.destroy();
  }
}

/** Synthesizes, applies and reads back one environment stack. */
async function deployEnvironment(emulator: Emulator, infra: ExistingInfrastructure, platform: PlatformInputs, env: DemoEnvironment): Promise<Deployed> {
  const config: EnvironmentConfig = {
    envId: env.envId,
    ttl: env.ttl,
    owner: env.owner,
    budgetUsd: env.budgetUsd,
    onExpiry: "delete",
    region: emulator.region,
    clusterName: infra.clusterName,
    oidcProviderArn: infra.oidcProviderArn,
    vpcId: infra.vpcId,
    subnetIds: infra.subnetIds,
    database: env.database,
    ...(env.database ? { baselineSnapshot: infra.baselineSnapshot } : {}),
    pauseTopicArn: platform.pauseTopicArn,
    reaper: platform.reaper,
  };
  const { workspace, synthesized } = await workspaceFor(emulator, (app) => new EnvironmentStack(app, environmentStackName(env.envId), config), emulatorEnvironment(infra));
  cleanup.add(`removed env-${env.envId}'s Terraform workspace`, () => workspace.dispose());
  const applied = await workspace.apply();
  return {
    env,
    workspace,
    outputs: stringOutputs(await workspace.outputs()),
    namespace: synthesizedNamespace(synthesized),
    applyMs: applied.ms,
    slowest: slowest(applied.output),
    resources: (await workspace.stateList()).filter((a) => !a.startsWith("data.")).length,
  };
}

/**
 * Puts the namespace an environment stack defines into the Kubernetes API double, with
 * the values Terraform would compute at apply (created-at, janitor/expires), and a
 * deployment for pause to scale.
 */
async function registerNamespace(kube: KubeApiDouble, emulator: Emulator, cluster: string, d: Deployed): Promise<void> {
  const createdAt = (await nodegroup(emulator, cluster, `${d.env.envId}-nodes`)).tags?.[TAG.createdAt];
  if (createdAt === undefined) throw new Error(`node group ${d.env.envId}-nodes has no ${TAG.createdAt} tag`);
  const annotations = Object.fromEntries(
    Object.entries(d.namespace.annotations).map(([key, value]) => {
      if (!value.includes("${")) return [key, value];
      if (key === K8S_ANNOTATION.createdAt) return [key, createdAt];
      if (key === "janitor/expires") return [key, d.outputs.expires_at!];
      throw new Error(`annotation ${key} of namespace ${d.namespace.name} is a Terraform expression the demo does not know: ${value}`);
    }),
  );
  kube.addNamespace(d.namespace.name, { labels: d.namespace.labels, annotations });
  kube.addWorkload("deployments", d.namespace.name, "web", { replicas: 2 });
}

async function nodegroup(emulator: Emulator, clusterName: string, nodegroupName: string) {
  const eks = new EKSClient(emulator.clientConfig());
  try {
    return (await eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }))).nodegroup!;
  } finally {
    eks.destroy();
  }
}

/** An environment's one-shot expiry schedule, as EventBridge Scheduler holds it. */
async function expirySchedule(emulator: Emulator, envId: string) {
  const scheduler = new SchedulerClient(emulator.clientConfig());
  try {
    return await scheduler.send(new GetScheduleCommand({ Name: expiryScheduleName(envId), GroupName: expiryScheduleGroupName(envId) }));
  } finally {
    scheduler.destroy();
  }
}

/** One line per audit record of a run, in key (= seq) order. */
async function auditTable(emulator: Emulator, bucket: string, runId: string): Promise<string> {
  const s3 = new S3Client(emulator.clientConfig());
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "audit/", ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter((k) => k.includes(`/${runId}/`)));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    keys.sort();
    const rows = [["SEQ", "RECORD", "PHASE", "ACTION", "RESOURCE", "OUTCOME"]];
    for (const key of keys) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      const r = JSON.parse(body) as { seq: number; type: string; step?: string; action?: string; phase?: string; resource?: { kind: string; id: string }; outcome?: string };
      rows.push([
        String(r.seq),
        r.type === "action" ? r.phase ?? "" : r.type,
        r.step ?? "",
        r.action ?? "",
        r.resource ? `${r.resource.kind} ${r.resource.id}` : "",
        r.outcome ?? "",
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
  } finally {
    s3.destroy();
  }
}

/** An environment's IAM roles, launch templates, security groups and schedule groups still in the account. */
async function leftInAccount(emulator: Emulator, envId: string): Promise<string[]> {
  const config = emulator.clientConfig();
  const iam = new IAMClient(config);
  const ec2 = new EC2Client(config);
  const scheduler = new SchedulerClient(config);
  try {
    const found: string[] = [];
    const roles = (await iam.send(new ListRolesCommand({}))).Roles ?? [];
    for (const role of roles) {
      const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName! }))).Tags ?? [];
      if (tags.some((t) => t.Key === TAG.env && t.Value === envId)) found.push(`IAM role ${role.RoleName}`);
    }
    const byTag = [{ Name: `tag:${TAG.env}`, Values: [envId] }];
    for (const lt of (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: byTag }))).LaunchTemplates ?? []) found.push(`launch template ${lt.LaunchTemplateName}`);
    for (const sg of (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: byTag }))).SecurityGroups ?? []) found.push(`security group ${sg.GroupName}`);
    for (const group of (await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups ?? []) {
      const tags = (await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: group.Arn }))).Tags ?? [];
      if (tags.some((t) => t.Key === TAG.env && t.Value === envId)) found.push(`schedule group ${group.Name}`);
    }
    return found;
  } finally {
    iam.destroy();
    ec2.destroy();
    scheduler.destroy();
  }
}

function stringOutputs(outputs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, String(v)]));
}

/** `12 resources: aws_s3_bucket ×1, ...` from `terraform state list`. */
function summarizeState(addresses: readonly string[]): string {
  const managed = addresses.filter((a) => !a.startsWith("data."));
  const counts = new Map<string, number>();
  for (const address of managed) {
    const type = address.split(".")[0]!;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return `${managed.length} resources: ${[...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type)).join(", ")}`;
}

/** The slowest resources of an apply, by resource type. */
function slowest(output: string, count = 2): string {
  return slowestResources(output, count)
    .map((d) => `${d.address.split(".")[0]} ${seconds(d.seconds * 1000)}`)
    .join(", ");
}

/** Runs a command and resolves with its stdout and stderr; rejects with them when it fails. */
function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (err) reject(new Error(`${path.basename(file)} ${args.join(" ")} failed: ${output || err.message}`));
      else resolve(output);
    });
  });
}

runDemo(main, { narrator, cleanup });
