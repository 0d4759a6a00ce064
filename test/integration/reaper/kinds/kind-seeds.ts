import { CreateBudgetCommand } from "@aws-sdk/client-budgets";
import { CreateLaunchTemplateCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, CreateNodegroupCommand } from "@aws-sdk/client-eks";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, CreateDBSubnetGroupCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { CreateScheduleCommand, CreateScheduleGroupCommand } from "@aws-sdk/client-scheduler";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { KindName } from "../../../../reaper/contracts/kind-adapter";
import { IAM_PATH, TAG } from "../../../../reaper/model";
import type { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";
import type { KubeApiDouble } from "../../../../harness/kube-api-double";
import { asTagList, managedTags } from "./kind-test-context";

/** Where one resource is seeded: for `env`, tagged as its own, or (`tagged: false`) as an untagged look-alike. */
export interface Seeding {
  readonly ctx: AwsKindContext;
  readonly env: string;
  readonly tagged: boolean;
  /** A VPC with subnets in two zones, made once per environment. */
  readonly network: { readonly vpcId: string; readonly subnetIds: readonly string[] };
  /** The Kubernetes API double, whose cluster `shared` holds namespaces. */
  readonly kubeApi: KubeApiDouble;
}

/** How a test makes one resource of a kind, and the id discovery reports for the tagged one. */
export interface KindSeed {
  seed(at: Seeding): Promise<void>;
  /** A string, or a pattern for the ids AWS picks (`i-…`). */
  id(env: string): string | RegExp;
}

const ROLE = "arn:aws:iam::123456789012:role/test";
const suffix = (at: Seeding) => (at.tagged ? "" : "-untagged");
const tagList = (at: Seeding) => (at.tagged ? asTagList(managedTags(at.env)) : undefined);

/** A VPC with two subnets, for the kinds that need one. */
export async function seedNetwork(ctx: AwsKindContext): Promise<Seeding["network"]> {
  const vpc = await ctx.ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnets = await Promise.all(
    ["a", "b"].map((zone, i) => ctx.ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `us-east-1${zone}` }))),
  );
  return { vpcId: vpc.Vpc!.VpcId!, subnetIds: subnets.map((s) => s.Subnet!.SubnetId!) };
}

/** The schedule group of `at`'s environment, made by whichever of the two scheduler kinds' seeds comes first. */
async function seedScheduleGroup(at: Seeding): Promise<string> {
  const name = `ephemera-${at.env}${suffix(at)}`;
  try {
    await at.ctx.scheduler.send(new CreateScheduleGroupCommand({ Name: name, Tags: tagList(at) }));
  } catch (err) {
    if ((err as { name?: string }).name !== "ConflictException") throw err;
  }
  return name;
}

/**
 * One seed per kind: the compiler asks for one when a kind is added, and the discovery
 * test (test/integration/reaper/discovery/discover.test.ts) lists every kind from them.
 */
export const KIND_SEEDS: Readonly<Record<KindName, KindSeed>> = {
  budget: {
    seed: async (at) => {
      const Budget = { BudgetName: `ephemera-${at.env}${suffix(at)}`, BudgetType: "COST" as const, TimeUnit: "MONTHLY" as const, BudgetLimit: { Amount: "25", Unit: "USD" } };
      await at.ctx.budgets.send(new CreateBudgetCommand({ AccountId: await at.ctx.accountId(), Budget, ResourceTags: tagList(at) }));
    },
    id: (env) => `ephemera-${env}`,
  },
  "db-subnet-group": {
    seed: async (at) => {
      const group = { DBSubnetGroupName: `${at.env}-subnets${suffix(at)}`, DBSubnetGroupDescription: "test", SubnetIds: [...at.network.subnetIds] };
      await at.ctx.rds.send(new CreateDBSubnetGroupCommand({ ...group, Tags: tagList(at) }));
    },
    id: (env) => `${env}-subnets`,
  },
  "ec2-instance": {
    seed: async (at) => {
      const tags = tagList(at);
      await at.ctx.ec2.send(new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1, TagSpecifications: tags && [{ ResourceType: "instance", Tags: tags }] }));
    },
    id: () => /^i-/,
  },
  "eks-nodegroup": {
    seed: async (at) => {
      const clusterName = `${at.env}${suffix(at)}`;
      await at.ctx.eks.send(new CreateClusterCommand({ name: clusterName, roleArn: ROLE, resourcesVpcConfig: { subnetIds: [] } }));
      const tags = at.tagged ? managedTags(at.env) : undefined;
      await at.ctx.eks.send(new CreateNodegroupCommand({ clusterName, nodegroupName: "spot", nodeRole: ROLE, subnets: ["subnet-0123456789abcdef0"], ...(tags ? { tags } : {}) }));
    },
    id: (env) => `${env}/spot`,
  },
  "iam-role": {
    seed: async (at) => {
      const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] };
      const role = { RoleName: `${at.env}-nodes-node${suffix(at)}`, Path: IAM_PATH, AssumeRolePolicyDocument: JSON.stringify(trust) };
      await at.ctx.client(IAMClient).send(new CreateRoleCommand({ ...role, Tags: tagList(at) }));
    },
    id: (env) => `${env}-nodes-node`,
  },
  "k8s-namespace": {
    seed: async (at) => {
      at.kubeApi.addNamespace(`${at.env}${suffix(at)}`, { labels: at.tagged ? { "ephemera.dev/managed-by": "ephemera", "ephemera.dev/env": at.env } : {} });
    },
    id: (env) => `shared/${env}`,
  },
  "launch-template": {
    seed: async (at) => {
      const tags = tagList(at);
      const template = { LaunchTemplateName: `${at.env}-nodes${suffix(at)}`, LaunchTemplateData: { InstanceType: "m6i.large" as const } };
      await at.ctx.ec2.send(new CreateLaunchTemplateCommand({ ...template, TagSpecifications: tags && [{ ResourceType: "launch-template", Tags: tags }] }));
    },
    id: () => /^lt-/,
  },
  "rds-instance": {
    seed: async (at) => {
      const db = { DBInstanceIdentifier: `${at.env}-db${suffix(at)}`, DBInstanceClass: "db.t3.micro", Engine: "postgres", MasterUsername: "app", MasterUserPassword: "not-a-real-password", AllocatedStorage: 20 };
      await at.ctx.rds.send(new CreateDBInstanceCommand({ ...db, Tags: tagList(at) }));
    },
    id: (env) => `${env}-db`,
  },
  "rds-snapshot": {
    seed: async (at) => {
      // A checkpoint of an unmanaged database (so that the database itself is no resource of the inventory).
      const DBInstanceIdentifier = `${at.env}-checkpointed${suffix(at)}`;
      const db = { DBInstanceIdentifier, DBInstanceClass: "db.t3.micro", Engine: "postgres", MasterUsername: "app", MasterUserPassword: "not-a-real-password", AllocatedStorage: 20 };
      await at.ctx.rds.send(new CreateDBInstanceCommand(db));
      const tags = at.tagged ? asTagList({ ...managedTags(at.env), [TAG.checkpoint]: "" }) : undefined;
      await at.ctx.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier, DBSnapshotIdentifier: `ephemera-${at.env}-20260501120000${suffix(at)}`, Tags: tags }));
    },
    id: (env) => `ephemera-${env}-20260501120000`,
  },
  "s3-bucket": {
    seed: async (at) => {
      const Bucket = `${at.env}-assets${suffix(at)}`;
      await at.ctx.s3.send(new CreateBucketCommand({ Bucket }));
      if (at.tagged) await at.ctx.s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList(at) } }));
    },
    id: (env) => `${env}-assets`,
  },
  "scheduler-group": {
    seed: async (at) => {
      await seedScheduleGroup(at);
    },
    id: (env) => `ephemera-${env}`,
  },
  "scheduler-schedule": {
    seed: async (at) => {
      const GroupName = await seedScheduleGroup(at);
      const schedule = { GroupName, Name: "nightly", ScheduleExpression: "rate(1 day)", FlexibleTimeWindow: { Mode: "OFF" as const } };
      await at.ctx.scheduler.send(new CreateScheduleCommand({ ...schedule, Target: { Arn: "arn:aws:sqs:us-east-1:123456789012:jobs", RoleArn: ROLE } }));
    },
    id: (env) => `ephemera-${env}/nightly`,
  },
  secret: {
    seed: async (at) => {
      await at.ctx.secretsManager.send(new CreateSecretCommand({ Name: `${at.env}/password${suffix(at)}`, SecretString: "x", Tags: tagList(at) }));
    },
    id: (env) => `${env}/password`,
  },
  "security-group": {
    seed: async (at) => {
      const tags = tagList(at);
      const group = { GroupName: `${at.env}${suffix(at)}`, Description: "test", VpcId: at.network.vpcId };
      await at.ctx.ec2.send(new CreateSecurityGroupCommand({ ...group, TagSpecifications: tags && [{ ResourceType: "security-group", Tags: tags }] }));
    },
    id: () => /^sg-/,
  },
};
