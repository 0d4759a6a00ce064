import { DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient, ListNodegroupsCommand } from "@aws-sdk/client-eks";
import { CreateRoleCommand, IAMClient, ListRolesCommand, ListRoleTagsCommand } from "@aws-sdk/client-iam";
import { ListScheduleGroupsCommand, ListTagsForResourceCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { IAM_PATH, TAG } from "../../../reaper/model";
import { runSweep } from "../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../reaper/config/read-settings";
import { EnvironmentStack, environmentStackName } from "../../../stacks/environment-stack";
import { EMULATOR_CREDENTIALS, useEmulator } from "../../../harness/emulator";
import { createExistingInfrastructure, environmentConfigOn } from "../../../harness/existing-infrastructure";
import { seedAuditBucket } from "../../../harness/seed-environments";
import { emulatorEnvironment, synthStack, TerraformWorkspace } from "../../../harness/terraform";

/**
 * An environment deployed, reaped, then deployed again under the same id from fresh
 * state: everything with a fixed name (its IAM roles, launch template, schedule group,
 * security group, budget, node group) must be gone, or the second apply clashes. And
 * `terraform destroy` of the reaped environment's old state must still succeed.
 * Without a database, so that each apply takes seconds, not minutes.
 */
const ENV = "pr-88";
const AUDIT_BUCKET = "ephemera-audit-reap-e2e";
const emulator = useEmulator({ resetBetweenTests: false });

let synthesized: Record<string, unknown>;
let first: TerraformWorkspace;
let second: TerraformWorkspace | undefined;

/** Everything tagged as the environment that the second apply would clash with, found with plain SDK calls. */
async function leftOfEnvironment(): Promise<string[]> {
  const config = emulator().clientConfig();
  const iam = new IAMClient(config);
  const ec2 = new EC2Client(config);
  const eks = new EKSClient(config);
  const scheduler = new SchedulerClient(config);
  try {
    const left: string[] = [];
    for (const role of (await iam.send(new ListRolesCommand({}))).Roles ?? []) {
      const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName! }))).Tags ?? [];
      if (tags.some((t) => t.Key === TAG.env && t.Value === ENV)) left.push(`iam role ${role.Path}${role.RoleName}`);
    }
    const byEnv = [{ Name: `tag:${TAG.env}`, Values: [ENV] }];
    for (const t of (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: byEnv }))).LaunchTemplates ?? []) left.push(`launch template ${t.LaunchTemplateName}`);
    for (const g of (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: byEnv }))).SecurityGroups ?? []) left.push(`security group ${g.GroupName}`);
    for (const n of (await eks.send(new ListNodegroupsCommand({ clusterName: "previews" }))).nodegroups ?? []) left.push(`node group ${n}`);
    for (const g of (await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups ?? []) {
      const tags = (await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn }))).Tags ?? [];
      if (tags.some((t) => t.Key === TAG.env && t.Value === ENV)) left.push(`schedule group ${g.Name}`);
    }
    return left.sort();
  } finally {
    for (const client of [iam, ec2, eks, scheduler]) client.destroy();
  }
}

beforeAll(async () => {
  const e = emulator();
  const infra = await createExistingInfrastructure(e);
  const sns = new SNSClient(e.clientConfig());
  const iam = new IAMClient(e.clientConfig());
  const pauseTopicArn = (await sns.send(new CreateTopicCommand({ Name: "ephemera-pause" }))).TopicArn!;
  const schedulerRole = await iam.send(
    new CreateRoleCommand({
      RoleName: "ephemera-reaper-scheduler",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    }),
  );
  sns.destroy();
  iam.destroy();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const config = environmentConfigOn(infra, e.region, ENV, pauseTopicArn, {
    baselineSnapshot: undefined,
    database: false,
    reaper: { functionArn: `arn:aws:lambda:${e.region}:${e.accountId}:function:ephemera-reaper`, schedulerRoleArn: schedulerRole.Role!.Arn! },
  });
  synthesized = emulatorEnvironment(infra)(synthStack((app) => new EnvironmentStack(app, environmentStackName(ENV), config)));
  first = await TerraformWorkspace.create(synthesized, e);
  await first.apply();
}, 900_000);

afterAll(() => {
  first?.dispose();
  second?.dispose();
});

describe("an environment reaped, then deployed again under the same id", () => {
  it("put its IAM roles under the reaper's IAM path", async () => {
    expect((await leftOfEnvironment()).filter((r) => r.startsWith("iam role"))).toEqual([`iam role ${IAM_PATH}${ENV}-nodes-node`, `iam role ${IAM_PATH}ephemera-${ENV}-workload`].sort());
  });

  it("is reaped whole: its roles, launch template, schedule group, security group, node group and budget go", async () => {
    const e = emulator();
    const settings = readSettings({ ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId });
    const runtime = new ReaperRuntime(settings, { credentials: EMULATOR_CREDENTIALS });
    try {
      const later = new Date(Date.now() + 2 * 3_600_000);
      // The owner is warned first; the next run past the expiry reaps.
      expect((await runSweep(runtime, { decideAt: later, envs: [ENV] })).result?.environments).toEqual([{ env: ENV, intent: "warn", status: "done" }]);
      const run = await runSweep(runtime, { decideAt: later, envs: [ENV] });
      expect(run.error).toBeUndefined();
      expect(run.result?.environments).toEqual([{ env: ENV, intent: "reap", status: "done" }]);
      const deleted = (run.result?.actions ?? []).filter((a) => a.action === "delete").map((a) => `${a.step} ${a.target.kind}`);
      expect(deleted).toEqual(
        expect.arrayContaining(["nodegroup eks-nodegroup", "resources launch-template", "network security-group", "identity iam-role", "billing budget", "billing scheduler-group"]),
      );
      expect(await leftOfEnvironment()).toEqual([]);
      const again = await runSweep(runtime, { decideAt: later, envs: [ENV] });
      expect(again.plan?.environments).toEqual([]);
    } finally {
      await runtime.destroy();
    }
  });

  it("lets terraform destroy the reaped environment's old state (what is already gone is not an error)", async () => {
    // The old state still lists everything the reaper deleted; the refresh finds it gone and drops it.
    // (Before the redeploy: roles are found by name, so an old state destroyed after it would hit the new roles.)
    await first.destroy();
    expect(await first.stateList()).toEqual([]);
  });

  it("can be applied again from fresh state, and re-plans clean", async () => {
    second = await TerraformWorkspace.create(synthesized, emulator());
    await second.apply();
    expect((await second.plan()).code).toBe(0);
    expect((await leftOfEnvironment()).filter((r) => r.startsWith("iam role")).length).toBe(2);
    await second.destroy();
    expect(await leftOfEnvironment()).toEqual([]);
  });
});
