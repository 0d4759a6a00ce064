import { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from "@aws-sdk/client-rds";
import { ListAttachedRolePoliciesCommand, IAMClient } from "@aws-sdk/client-iam";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runEphemera } from "../../../harness/cli";
import { emulatorThrough, type FaultProxy, startFaultProxy } from "../../../harness/fault-proxy";
import { TAG } from "../../../reaper/model";
import { runSweep } from "../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../reaper/config/read-settings";
import { EnvironmentStack, environmentStackName } from "../../../stacks/environment-stack";
import { PlatformStack } from "../../../stacks/platform-stack";
import { EMULATOR_CREDENTIALS, useEmulator } from "../../../harness/emulator";
import { createExistingInfrastructure, environmentConfigOn } from "../../../harness/existing-infrastructure";
import { POOL_SUBNET_GROUP, seedAuditBucket, seedTopic } from "../../../harness/seed-environments";
import { askForAccountId, emulatorEnvironment, synthStack, synthStackWithAssets, TerraformWorkspace } from "../../../harness/terraform";

/**
 * The warm pool end to end, on one deployment shared by every case: the platform stack with
 * its WarmDatabasePool applied for real, the reaper filling that pool, an environment
 * claiming a database, its apply importing the database and its own security group (no
 * restore, no ModifyDBInstance), a second plan with no changes at all, destroy deleting both
 * (and taking the final snapshot, with snapshot-delete), and the next sweep refilling the pool.
 */
const ENV = "pr-66";
/**
 * The sweeps and the claim write their records to a bucket seeded without the platform's
 * bucket policy: moto applies a policy's Deny statements without their conditions
 * (docs/testing.md), so the platform's own audit bucket would refuse every write here.
 */
const AUDIT_BUCKET = "ephemera-audit-pool-e2e";
const emulator = useEmulator({ resetBetweenTests: false });

let settings: Record<string, string>;
let platform: TerraformWorkspace;
let ws: TerraformWorkspace;
let proxy: FaultProxy;
let claimed: { database: string; securityGroupId: string; secretArn: string };
let applied: { seconds: number; calls: Map<string, number> };
const runtimes: ReaperRuntime[] = [];

function runtime(): ReaperRuntime {
  const r = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(r);
  return r;
}

async function describe_(id: string) {
  const rds = new RDSClient(emulator().clientConfig());
  try {
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
    return { status: db.DBInstanceStatus, tags: Object.fromEntries((db.TagList ?? []).map((t) => [t.Key!, t.Value!])), securityGroups: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!) };
  } catch {
    return undefined;
  } finally {
    rds.destroy();
  }
}

async function securityGroup(id: string) {
  const ec2 = new EC2Client(emulator().clientConfig());
  try {
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;
    return { name: group.GroupName, tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key!, t.Value!])), ingressFrom: (group.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((g) => g.GroupId!)) };
  } catch {
    return undefined;
  } finally {
    ec2.destroy();
  }
}

/** The environment's credentials secret the claim created and the apply imported. */
async function credentialsSecret() {
  const secrets = new SecretsManagerClient(emulator().clientConfig());
  try {
    const secret = await secrets.send(new DescribeSecretCommand({ SecretId: claimed.secretArn }));
    return { name: secret.Name, tags: Object.fromEntries((secret.Tags ?? []).map((t) => [t.Key!, t.Value!])), deletedDate: secret.DeletedDate };
  } finally {
    secrets.destroy();
  }
}

async function warmDatabases(): Promise<string[]> {
  const rds = new RDSClient(emulator().clientConfig());
  try {
    const dbs = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    return dbs
      .filter((db) => (db.TagList ?? []).some((t) => t.Key === TAG.state && t.Value === "warm") && !(db.TagList ?? []).some((t) => t.Key === TAG.env))
      .map((db) => db.DBInstanceIdentifier!);
  } finally {
    rds.destroy();
  }
}

/** The platform stack with a pool of one, applied; the pool's settings as the deployed reaper reads them. */
async function deployPlatform(infra: Awaited<ReturnType<typeof createExistingInfrastructure>>): Promise<string> {
  const e = emulator();
  const { tf, assets } = synthStackWithAssets(
    (app) =>
      new PlatformStack(app, "ephemera-platform", {
        region: e.region,
        auditBucketName: "ephemera-audit-platform-pool-e2e",
        activateCostAllocationTag: false,
        databasePool: { vpcId: infra.vpcId, subnetIds: infra.subnetIds, snapshotIdentifier: infra.baselineSnapshot, size: 1 },
      }),
  );
  platform = await TerraformWorkspace.create(tf, e, { assets });
  await platform.apply();
  const lambda = new LambdaClient(e.clientConfig());
  try {
    return (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "ephemera-reaper" }))).Environment!.Variables!.EPHEMERA_DATABASE_POOL!;
  } finally {
    lambda.destroy();
  }
}

beforeAll(async () => {
  const e = emulator();
  const infra = await createExistingInfrastructure(e);
  await seedAuditBucket(e, AUDIT_BUCKET);
  const pauseTopicArn = await seedTopic(e, "ephemera-pause-env");
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off", EPHEMERA_DATABASE_POOL: await deployPlatform(infra) };

  // The reaper fills the pool, and the pipeline claims a database before the deploy.
  expect((await runSweep(runtime())).ok).toBe(true);
  const claim = await runEphemera(["claim", ENV, "--owner", "octocat@example.com", "--json"], settings);
  expect(claim.code).toBe(0);
  claimed = claim.json<{ database: string; securityGroupId: string; secretArn: string }>();

  const envConfig = environmentConfigOn(infra, e.region, ENV, pauseTopicArn, {
    onExpiry: "snapshot-delete",
    claimedDatabase: { identifier: claimed.database, subnetGroupName: POOL_SUBNET_GROUP, securityGroupId: claimed.securityGroupId, secretArn: claimed.secretArn },
  });
  // The environment's Terraform goes through a counting proxy: what the apply asks of RDS is counted.
  proxy = await startFaultProxy({ target: e.endpoint });
  ws = await TerraformWorkspace.create(emulatorEnvironment(infra)(synthStack((app) => new EnvironmentStack(app, environmentStackName(ENV), envConfig))), emulatorThrough(proxy, e));
  askForAccountId(ws);
  const since = proxy.requests.length;
  const started = Date.now();
  await ws.apply();
  applied = { seconds: (Date.now() - started) / 1000, calls: proxy.countByAction(since) };
}, 1_200_000);

afterAll(async () => {
  ws?.dispose();
  platform?.dispose();
  await proxy?.stop();
  for (const r of runtimes) await r.destroy();
});

describe("the warm pool of a platform stack, applied", () => {
  it("hands the deployed reaper the pool's settings, and its refill grants in a policy of their own", async () => {
    const pool = JSON.parse(settings.EPHEMERA_DATABASE_POOL!) as Record<string, unknown>;
    expect(pool).toMatchObject({ name: "default", size: 1, subnetGroup: POOL_SUBNET_GROUP, vpcId: expect.stringMatching(/^vpc-/), securityGroupIds: [expect.stringMatching(/^sg-/)] });
    const iam = new IAMClient(emulator().clientConfig());
    try {
      const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: `ephemera-reaper-${emulator().region}` }))).AttachedPolicies ?? [];
      expect(attached.map((p) => p.PolicyName)).toEqual([`ephemera-reaper-pool-${emulator().region}`]);
    } finally {
      iam.destroy();
    }
  });

  it("was filled by a sweep: the claimed database was restored in a security group of its own", async () => {
    expect(claimed.database).toMatch(/^ephemera-pool-default-[0-9a-f]{8}$/);
    expect(await securityGroup(claimed.securityGroupId)).toMatchObject({ name: claimed.database });
  });
});

describe("an environment deployed with a claimed warm database", () => {
  it("imported the claimed database instead of restoring one, and says so in its outputs", async () => {
    const out = await ws.outputs();
    expect(out).toMatchObject({ database_source: "pool", database_endpoint: expect.stringMatching(new RegExp(`^${claimed.database}\\.`)), database_secret_arn: claimed.secretArn });
    console.log(`apply with a claimed database: ${applied.seconds.toFixed(1)} s`);
  });

  it("modified nothing on the database: no ModifyDBInstance in the apply, so no waiting on RDS", () => {
    expect(applied.calls.get("rds:DescribeDBInstances")).toBeGreaterThan(0);
    expect(applied.calls.get("rds:ModifyDBInstance") ?? 0).toBe(0);
    expect(applied.calls.get("rds:RestoreDBInstanceFromDBSnapshot") ?? 0).toBe(0);
  });

  it("made the database and its own security group the environment's: their tags, the pool's tag gone, its nodes admitted", async () => {
    const db = (await describe_(claimed.database))!;
    expect(db.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: ENV, [TAG.owner]: "octocat@example.com" });
    expect(db.tags).not.toHaveProperty(TAG.pool);
    expect(db.securityGroups).toEqual([claimed.securityGroupId]);
    const group = (await securityGroup(claimed.securityGroupId))!;
    expect(group.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: ENV });
    expect(group.tags).not.toHaveProperty(TAG.pool);
    expect(group.ingressFrom).toHaveLength(1);
    const secret = await credentialsSecret();
    expect(secret.name).toMatch(new RegExp(`^${claimed.database}-credentials-`));
    expect(secret.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: ENV, [TAG.owner]: "octocat@example.com", [TAG.onExpiry]: "snapshot-delete" });
    expect(secret.deletedDate).toBeUndefined();
  });

  it("plans clean after the apply: terraform plan -detailed-exitcode exits 0", async () => {
    const plan = await ws.plan();
    expect({ code: plan.code, output: plan.code === 0 ? "" : plan.output }).toEqual({ code: 0, output: "" });
  });

  it("is deleted by destroy with its security group, taking its final snapshot, and the next sweep refills the pool", async () => {
    expect(await warmDatabases()).toEqual([]);
    await ws.destroy();
    const gone = await describe_(claimed.database);
    expect(gone === undefined || gone.status === "deleting").toBe(true);
    expect(await securityGroup(claimed.securityGroupId)).toBeUndefined();
    // The credentials secret the claim made, imported: scheduled for deletion with the recovery window.
    expect((await credentialsSecret()).deletedDate).toBeDefined();
    const rds = new RDSClient(emulator().clientConfig());
    const snapshots = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `${claimed.database}-final` }))).DBSnapshots ?? [];
    rds.destroy();
    expect(snapshots.map((s) => s.DBSnapshotIdentifier)).toEqual([`${claimed.database}-final`]);
    const sweep = await runSweep(runtime());
    expect(sweep.plan!.environments.find((p) => p.env === "pool:default")).toMatchObject({ intent: "refill" });
    const warm = await warmDatabases();
    expect(warm).toHaveLength(1);
    expect(warm[0]).not.toBe(claimed.database);
  });
});
