import { BudgetsClient, CreateBudgetCommand } from "@aws-sdk/client-budgets";
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, CreateNodegroupCommand, EKSClient } from "@aws-sdk/client-eks";
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  type CreateDBInstanceCommandInput,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { CreateBucketCommand, GetBucketTaggingCommand, HeadBucketCommand, PutBucketTaggingCommand, PutObjectCommand, PutObjectLockConfigurationCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { budgetName, expireEvent, expiryScheduleGroupName, expiryScheduleName, poolMemberSecurityGroupDescription, poolMemberSecurityGroupName, TAG } from "../reaper/model";
import type { Emulator } from "./emulator";

const HOUR = 3_600_000;
export const CLUSTER = "shared";
export const REAPER_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ephemera-reaper";

export interface SeedOptions {
  /** Hours from now to the expiry (created-at + ttl); negative: expired. */
  readonly expiresInHours: number;
  /** The `ephemera:ttl`, in hours. @default 8 */
  readonly ttlHours?: number;
  readonly state?: string;
  readonly protect?: boolean;
  /** [limit, actual spend] in USD. @default [25, 3] */
  readonly budget?: readonly [number, number];
  /** An RDS instance `<env>-db`. @default true */
  readonly database?: boolean;
  /** A spot node group `<env>-spot` (desired 2, min 1) on the shared cluster (call {@link seedCluster} first). */
  readonly nodegroup?: readonly string[];
  /** Where the one-shot `ephemera-expiry-<env>` schedule lives: the environment's own group, or a named one. */
  readonly expirySchedule?: "own-group" | string;
  /** Objects put in the `<env>-artifacts` bucket. @default 0 */
  readonly objects?: number;
  /** A Secrets Manager secret `<env>/db-password`. @default false */
  readonly secret?: boolean;
  /** The `ephemera:managed-by` value: anything but "ephemera" makes a look-alike the reaper must leave alone. @default "ephemera" */
  readonly managedBy?: string;
  /** `ephemera:owner`. @default "team@example.com" */
  readonly owner?: string;
  /** `ephemera:on-expiry` on every resource. @default none (delete) */
  readonly onExpiry?: string;
}

/** The tags tagEnvironment writes, for an environment that expires `expiresInHours` from `now`. */
export function envTags(env: string, now: Date, options: SeedOptions): Record<string, string> {
  const ttlHours = options.ttlHours ?? 8;
  const createdAt = new Date(now.getTime() + (options.expiresInHours - ttlHours) * HOUR);
  return {
    [TAG.managedBy]: options.managedBy ?? "ephemera",
    [TAG.env]: env,
    [TAG.owner]: options.owner ?? "team@example.com",
    [TAG.ttl]: `${ttlHours}h`,
    [TAG.createdAt]: createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    [TAG.budgetUsd]: String(options.budget?.[0] ?? 25),
    ...(options.state === undefined ? {} : { [TAG.state]: options.state }),
    ...(options.protect ? { [TAG.protect]: "true" } : {}),
    ...(options.onExpiry === undefined ? {} : { [TAG.onExpiry]: options.onExpiry }),
  };
}

/** The small database `<env>-db` an environment is seeded with. */
export function seedDatabase(env: string, tags: Record<string, string>): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: `${env}-db`,
    Engine: "postgres",
    DBInstanceClass: "db.t3.micro",
    AllocatedStorage: 20,
    MasterUsername: "app",
    MasterUserPassword: "not-a-secret-1",
    Tags: tagList(tags),
  };
}

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** SDK clients for seeding and inspecting the emulator; destroy() when done. */
export function emulatorClients(e: Emulator) {
  const config = e.clientConfig();
  const clients = {
    ec2: new EC2Client(config),
    eks: new EKSClient(config),
    rds: new RDSClient(config),
    s3: new S3Client(config),
    budgets: new BudgetsClient(config),
    scheduler: new SchedulerClient(config),
    sns: new SNSClient(config),
    secrets: new SecretsManagerClient(config),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}

/** The audit bucket, with Object Lock and a default retention, as the AuditBucket construct makes it. */
export async function seedAuditBucket(e: Emulator, bucket: string): Promise<void> {
  const { s3, destroy } = emulatorClients(e);
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } },
    }),
  );
  destroy();
}

/** An SNS topic for owner notifications; returns its ARN. */
export async function seedTopic(e: Emulator, name: string): Promise<string> {
  const { sns, destroy } = emulatorClients(e);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  destroy();
  return TopicArn!;
}

/** The shared EKS cluster (and the VPC it needs); returns its subnets. */
export async function seedCluster(e: Emulator): Promise<string[]> {
  const { ec2, eks, destroy } = emulatorClients(e);
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnets: string[] = [];
  for (const [i, az] of ["us-east-1a", "us-east-1b"].entries()) {
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: az }));
    subnets.push(Subnet!.SubnetId!);
  }
  await eks.send(new CreateClusterCommand({ name: CLUSTER, roleArn: "arn:aws:iam::123456789012:role/eks", resourcesVpcConfig: { subnetIds: subnets } }));
  destroy();
  return subnets;
}

/**
 * One environment as the constructs leave it: an artifacts bucket, a budget
 * `ephemera-<env>` with spend, a schedule group `ephemera-<env>`, and optionally a
 * database, a spot node group and the one-shot expiry schedule.
 */
export async function seedEnvironment(e: Emulator, env: string, now: Date, options: SeedOptions): Promise<Record<string, string>> {
  const c = emulatorClients(e);
  const tags = envTags(env, now, options);
  await c.s3.send(new CreateBucketCommand({ Bucket: `${env}-artifacts` }));
  await c.s3.send(new PutBucketTaggingCommand({ Bucket: `${env}-artifacts`, Tagging: { TagSet: tagList(tags) } }));
  for (let i = 0; i < (options.objects ?? 0); i++) {
    await c.s3.send(new PutObjectCommand({ Bucket: `${env}-artifacts`, Key: `build/${i}.txt`, Body: `artifact ${i} of ${env}` }));
  }
  if (options.secret) {
    await c.secrets.send(new CreateSecretCommand({ Name: `${env}/db-password`, SecretString: "not-a-secret", Tags: tagList(tags) }));
  }
  const [limit, actual] = options.budget ?? [25, 3];
  await c.budgets.send(
    new CreateBudgetCommand({
      AccountId: e.accountId,
      Budget: {
        BudgetName: budgetName(env),
        BudgetType: "COST",
        TimeUnit: "MONTHLY",
        BudgetLimit: { Amount: String(limit), Unit: "USD" },
        CalculatedSpend: { ActualSpend: { Amount: String(actual), Unit: "USD" } },
      },
      ResourceTags: tagList(tags),
    }),
  );
  if (options.database ?? true) {
    await c.rds.send(new CreateDBInstanceCommand(seedDatabase(env, tags)));
  }
  if (options.nodegroup !== undefined) {
    await c.eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName: `${env}-spot`,
        nodeRole: "arn:aws:iam::123456789012:role/node",
        subnets: [...options.nodegroup],
        capacityType: "SPOT",
        scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 },
        tags,
      }),
    );
  }
  const group = expiryScheduleGroupName(env);
  await c.scheduler.send(new CreateScheduleGroupCommand({ Name: group, Tags: tagList(tags) }));
  if (options.expirySchedule !== undefined) {
    const expiresAt = new Date(new Date(tags[TAG.createdAt]!).getTime() + (options.ttlHours ?? 8) * HOUR);
    await c.scheduler.send(
      new CreateScheduleCommand({
        Name: expiryScheduleName(env),
        GroupName: options.expirySchedule === "own-group" ? group : options.expirySchedule,
        ScheduleExpression: `at(${expiresAt.toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: "UTC",
        FlexibleTimeWindow: { Mode: "OFF" },
        ActionAfterCompletion: "DELETE",
        Target: {
          Arn: REAPER_FUNCTION_ARN,
          RoleArn: "arn:aws:iam::123456789012:role/ephemera-scheduler",
          Input: JSON.stringify(expireEvent(env)),
        },
      }),
    );
  }
  c.destroy();
  return tags;
}

/** The pool every test and bench uses: "default", db.t4g.micro, its subnet group `ephemera-pool-default`, a day's max age. */
export const POOL_SUBNET_GROUP = "ephemera-pool-default";

/** The pool's shared security group and its VPC, as the WarmDatabasePool construct makes them (seedPoolGroups). */
export interface PoolGroups {
  readonly securityGroupId: string;
  readonly vpcId: string;
}

/** Groups that exist nowhere, for a pool whose refill restores nothing (its baseline does not exist, or no sweep runs). */
export const EXAMPLE_POOL_GROUPS: PoolGroups = { securityGroupId: "sg-0abc1234", vpcId: "vpc-0abc1234" };

/** `EPHEMERA_DATABASE_POOL` as the WarmDatabasePool construct writes it, for the default pool of `size`. */
export function poolSettings(size: number, groups: PoolGroups, baseline: { snapshot: string } | { sourceDbInstance: string }) {
  return { name: "default", size, maxAge: "1d", instanceClass: "db.t4g.micro", subnetGroup: POOL_SUBNET_GROUP, vpcId: groups.vpcId, securityGroupIds: [groups.securityGroupId], baseline };
}

/** What the WarmDatabasePool construct makes in the platform stack: the pool's DB subnet group, and a security group that admits nothing. */
export async function seedPoolGroups(e: Emulator, vpcId: string, subnetIds: readonly string[]): Promise<PoolGroups> {
  const { ec2, rds, destroy } = emulatorClients(e);
  try {
    await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: POOL_SUBNET_GROUP, DBSubnetGroupDescription: "warm pool", SubnetIds: [...subnetIds] }));
    const group = await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: POOL_SUBNET_GROUP, Description: "admits nothing" }));
    return { securityGroupId: group.GroupId!, vpcId };
  } finally {
    destroy();
  }
}

/** The seeded baseline's master password, which its snapshots and the warm databases restored from them keep until a claim. */
export const BASELINE_PASSWORD = "not-a-secret-1";

/**
 * A warm database of a pool, as a refill leaves it: `ephemera-pool-<pool>-<suffix>`, tagged
 * managed, warm and with its baseline, with the baseline's master password (a restore keeps
 * the snapshot's; the claim sets a new one), in a security group of its own named after it
 * (in `options.vpcId`, else the default VPC) with the same tags. `options.legacySecurityGroup`
 * seeds one as restored before members had their own group: in that (shared) group instead;
 * `options.rdsManagedSecret` one whose password RDS keeps in its own `rds!db-…` secret, as
 * claims left them before environments owned their credentials secret. Returns its identifier.
 */
export async function seedWarmDatabase(
  e: Emulator,
  suffix: string,
  baseline: string,
  pool = "default",
  extraTags: Readonly<Record<string, string>> = {},
  options: { readonly vpcId?: string; readonly legacySecurityGroup?: string; readonly rdsManagedSecret?: boolean } = {},
): Promise<string> {
  const { ec2, rds, destroy } = emulatorClients(e);
  const id = `ephemera-pool-${pool}-${suffix}`;
  try {
    const tags = Object.entries({ [TAG.managedBy]: "ephemera", [TAG.pool]: pool, [TAG.state]: "warm", [TAG.baseline]: baseline, ...extraTags }).map(([Key, Value]) => ({ Key, Value }));
    const group =
      options.legacySecurityGroup ??
      (
        await ec2.send(
          new CreateSecurityGroupCommand({
            ...(options.vpcId === undefined ? {} : { VpcId: options.vpcId }),
            GroupName: poolMemberSecurityGroupName(id),
            Description: poolMemberSecurityGroupDescription(id),
            TagSpecifications: [{ ResourceType: "security-group", Tags: tags }],
          }),
        )
      ).GroupId!;
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: "postgres",
        DBInstanceClass: "db.t4g.micro",
        AllocatedStorage: 20,
        MasterUsername: "app",
        ...(options.rdsManagedSecret === true ? { ManageMasterUserPassword: true } : { MasterUserPassword: BASELINE_PASSWORD }),
        VpcSecurityGroupIds: [group],
        Tags: tags,
      }),
    );
    return id;
  } finally {
    destroy();
  }
}

/**
 * What a warm pool needs before its first refill: a VPC with two subnets, the pool's subnet
 * and security groups (seedPoolGroups), and the baseline instance `source` whose snapshots
 * the pool restores from (the caller takes them). Returns the pool's security group.
 */
export async function seedPoolBaseline(e: Emulator, source = "app-baseline"): Promise<PoolGroups> {
  const { ec2, rds, destroy } = emulatorClients(e);
  let subnets: string[];
  let vpcId: string;
  try {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }));
    vpcId = Vpc!.VpcId!;
    subnets = [];
    for (const [i, az] of ["us-east-1a", "us-east-1b"].entries()) {
      subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.1.${i}.0/24`, AvailabilityZone: az }))).Subnet!.SubnetId!);
    }
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: source, Engine: "postgres", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: BASELINE_PASSWORD }));
  } finally {
    destroy();
  }
  return seedPoolGroups(e, vpcId, subnets);
}

/** A baseline database `instance` and its snapshot `snapshot`, which environments are restored from. */
export async function seedBaselineSnapshot(e: Emulator, instance: string, snapshot: string): Promise<void> {
  const { rds, destroy } = emulatorClients(e);
  try {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: instance, Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "baseline-pw-1" }));
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instance, DBSnapshotIdentifier: snapshot }));
  } finally {
    destroy();
  }
}

/**
 * An environment a rollback can act on (seedEnvironment, expiring in 6 h): its database
 * `<env>-db` tagged as restored from `baseline` (the `baseline` checkpoint), and its
 * credentials secret `ephemera-<env>-db-credentials-a1b2c3` (password `env-password-1`).
 */
export async function seedRollbackable(e: Emulator, env: string, options: Omit<SeedOptions, "expiresInHours"> & { readonly baseline?: string } = {}): Promise<void> {
  const now = new Date();
  await seedEnvironment(e, env, now, { expiresInHours: 6, ...options });
  const { rds, secrets, destroy } = emulatorClients(e);
  try {
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${env}-db` }))).DBInstances![0]!;
    await rds.send(new AddTagsToResourceCommand({ ResourceName: db.DBInstanceArn!, Tags: [{ Key: TAG.baseline, Value: options.baseline ?? "app-baseline-snap" }] }));
    const value = JSON.stringify({ engine: "postgres", host: db.Endpoint?.Address, port: 5432, username: "app", password: "env-password-1", dbInstanceIdentifier: `${env}-db` });
    await secrets.send(new CreateSecretCommand({ Name: `ephemera-${env}-db-credentials-a1b2c3`, SecretString: value, Tags: tagList(envTags(env, now, { expiresInHours: 6, ...options })) }));
  } finally {
    destroy();
  }
}

/** Whether the emulator has the bucket. */
export async function bucketExists(e: Emulator, bucket: string): Promise<boolean> {
  const { s3, destroy } = emulatorClients(e);
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
  destroy();
  return exists;
}

/** The bucket's tags, as a record. */
export async function bucketTags(e: Emulator, bucket: string): Promise<Record<string, string>> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
  destroy();
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}
