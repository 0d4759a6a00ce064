import { createServer } from "node:net";
import { CreateBudgetCommand } from "@aws-sdk/client-budgets";
import { CreateLaunchTemplateCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, CreateNodegroupCommand } from "@aws-sdk/client-eks";
import { CreateDBInstanceCommand, CreateDBSubnetGroupCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { CreateScheduleCommand, CreateScheduleGroupCommand } from "@aws-sdk/client-scheduler";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { discover } from "../../../../reaper/discovery/discover";
import { IAM_PATH } from "../../../../reaper/model";
import { ALL_KIND_ADAPTERS, KIND_ADAPTERS } from "../../../../reaper/kinds";
import { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";
import type { KindName } from "../../../../reaper/contracts/kind-adapter";
import { KubeClient } from "../../../../reaper/kube/kube-client";
import { useEmulator } from "../../../../harness/emulator";
import { useKubeApiDouble } from "../../../../harness/kube-api-double";
import { asTagList, AUDIT_BUCKET, managedTags } from "../kinds/kind-test-context";

const emulator = useEmulator();
const kubeApi = useKubeApiDouble();

let contexts: AwsKindContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.map((c) => c.destroy()));
  contexts = [];
});

function context(kubernetesClusters: string[] = [], endpoint?: string): AwsKindContext {
  const e = emulator();
  const ctx = new AwsKindContext({
    aws: { ...e.clientConfig(), ...(endpoint === undefined ? {} : { endpoint }) },
    accountId: e.accountId,
    auditBucket: AUDIT_BUCKET,
    maxAttempts: 1,
    kubernetesClusters,
    ...(endpoint === undefined
      ? { kubeClientFactory: (cluster, self) => new KubeClient({ server: kubeApi().url, token: self.eksTokenProvider(cluster) }) }
      : {}),
  });
  contexts.push(ctx);
  return ctx;
}

/** One resource of every kind for environment `env`, and an untagged twin of each where the API allows. */
async function seedEveryKind(ctx: AwsKindContext, env: string): Promise<void> {
  const tags = managedTags(env);
  const list = asTagList(tags);
  const role = "arn:aws:iam::123456789012:role/test";
  const vpc = await ctx.ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnets = await Promise.all(
    ["a", "b"].map((zone, i) =>
      ctx.ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `us-east-1${zone}` })),
    ),
  );
  for (const tagged of [true, false]) {
    const suffix = tagged ? "" : "-untagged";
    const maybe = <T>(value: T) => (tagged ? value : undefined);
    await ctx.ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12c6146b",
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: maybe([{ ResourceType: "instance", Tags: list }]),
      }),
    );
    await ctx.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${env}${suffix}`,
        Description: "test",
        VpcId: vpc.Vpc!.VpcId,
        TagSpecifications: maybe([{ ResourceType: "security-group", Tags: list }]),
      }),
    );
    await ctx.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: `${env}-db${suffix}`,
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "app",
        MasterUserPassword: "not-a-real-password",
        AllocatedStorage: 20,
        Tags: maybe(list),
      }),
    );
    await ctx.rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: `${env}-subnets${suffix}`,
        DBSubnetGroupDescription: "test",
        SubnetIds: subnets.map((s) => s.Subnet!.SubnetId!),
        Tags: maybe(list),
      }),
    );
    await ctx.secretsManager.send(new CreateSecretCommand({ Name: `${env}/password${suffix}`, SecretString: "x", Tags: maybe(list) }));
    await ctx.s3.send(new CreateBucketCommand({ Bucket: `${env}-assets${suffix}` }));
    if (tagged) await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: `${env}-assets`, Tagging: { TagSet: list } }));
    await ctx.budgets.send(
      new CreateBudgetCommand({
        AccountId: await ctx.accountId(),
        Budget: { BudgetName: `ephemera-${env}${suffix}`, BudgetType: "COST", TimeUnit: "MONTHLY", BudgetLimit: { Amount: "25", Unit: "USD" } },
        ResourceTags: maybe(list),
      }),
    );
    await ctx.scheduler.send(new CreateScheduleGroupCommand({ Name: `ephemera-${env}${suffix}`, Tags: maybe(list) }));
    await ctx.scheduler.send(
      new CreateScheduleCommand({
        GroupName: `ephemera-${env}${suffix}`,
        Name: "nightly",
        ScheduleExpression: "rate(1 day)",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: "arn:aws:sqs:us-east-1:123456789012:jobs", RoleArn: role },
      }),
    );
    await ctx.eks.send(new CreateClusterCommand({ name: `${env}${suffix}`, roleArn: role, resourcesVpcConfig: { subnetIds: [] } }));
    await ctx.eks.send(
      new CreateNodegroupCommand({
        clusterName: `${env}${suffix}`,
        nodegroupName: "spot",
        nodeRole: role,
        subnets: ["subnet-0123456789abcdef0"],
        ...(tagged ? { tags } : {}),
      }),
    );
    await ctx.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${env}-nodes${suffix}`,
        LaunchTemplateData: { InstanceType: "m6i.large" },
        TagSpecifications: maybe([{ ResourceType: "launch-template", Tags: list }]),
      }),
    );
    await ctx.client(IAMClient).send(
      new CreateRoleCommand({
        RoleName: `${env}-nodes-node${suffix}`,
        Path: IAM_PATH,
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        Tags: maybe(list),
      }),
    );
    kubeApi().addNamespace(`${env}${suffix}`, {
      labels: tagged ? { "ephemera.dev/managed-by": "ephemera", "ephemera.dev/env": env } : {},
    });
  }
  // The audit bucket, tagged as an environment's: discovery must never return it.
  await ctx.s3.send(new CreateBucketCommand({ Bucket: AUDIT_BUCKET }));
  await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: AUDIT_BUCKET, Tagging: { TagSet: list } }));
}

describe("discover", () => {
  it("returns the tagged resources of every kind in one inventory, and nothing untagged or the audit bucket", async () => {
    const ctx = context(["shared"]);
    await seedEveryKind(ctx, "pr-42");
    const inventory = await discover(ctx);
    expect(inventory.failures).toEqual([]);
    const byKind = new Map<KindName, string[]>();
    for (const r of inventory.resources) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r.id]);
    expect(Object.fromEntries(byKind)).toEqual({
      "k8s-namespace": ["shared/pr-42"],
      "eks-nodegroup": ["pr-42/spot"],
      "rds-instance": ["pr-42-db"],
      "ec2-instance": [expect.stringMatching(/^i-/)],
      "s3-bucket": ["pr-42-assets"],
      budget: ["ephemera-pr-42"],
      "scheduler-schedule": ["ephemera-pr-42/nightly"],
      "launch-template": [expect.stringMatching(/^lt-/)],
      "scheduler-group": ["ephemera-pr-42"],
      "security-group": [expect.stringMatching(/^sg-/)],
      "db-subnet-group": ["pr-42-subnets"],
      "iam-role": ["pr-42-nodes-node"],
      secret: ["pr-42/password"],
    });
    for (const r of inventory.resources) expect(r.tags).toMatchObject({ "ephemera:managed-by": "ephemera", "ephemera:env": "pr-42" });
  });

  it("an unreachable AWS endpoint is a listing failure for every AWS kind, not an empty inventory", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const inventory = await discover(context([], `http://127.0.0.1:${closedPort}`));
    expect(inventory.resources).toEqual([]);
    expect(inventory.failures.map((f) => f.kind).sort()).toEqual(
      ALL_KIND_ADAPTERS.map((a) => a.kind)
        .filter((k) => k !== "k8s-namespace")
        .sort(),
    );
    // Under Jest, Node's socket errors come from another realm and the SDK rewraps them, so
    // the code survives only in the message; outside Jest `code` is "ECONNREFUSED" itself.
    for (const failure of inventory.failures) expect(failure.message).toContain("ECONNREFUSED");
  });

  it("a configured Kubernetes cluster that EKS does not know is a listing failure", async () => {
    const e = emulator();
    const ctx = new AwsKindContext({
      aws: e.clientConfig(),
      accountId: e.accountId,
      auditBucket: AUDIT_BUCKET,
      maxAttempts: 1,
      kubernetesClusters: ["no-such-cluster"],
    });
    contexts.push(ctx);
    expect(await discover(ctx, [KIND_ADAPTERS["k8s-namespace"]])).toEqual({
      resources: [],
      failures: [
        { kind: "k8s-namespace", scope: "cluster no-such-cluster", code: "ResourceNotFoundException", message: expect.any(String) },
      ],
      usage: [],
    });
  });
});
