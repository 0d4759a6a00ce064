import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { runEphemera } from "../../../harness/cli";
import { TAG } from "../../../reaper/model";
import { runSweep } from "../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../reaper/config/read-settings";
import { EnvironmentStack, environmentStackName } from "../../../stacks/environment-stack";
import { EMULATOR_CREDENTIALS, useEmulator } from "../../../harness/emulator";
import { createExistingInfrastructure, environmentConfigOn } from "../../../harness/existing-infrastructure";
import { POOL_SUBNET_GROUP, poolSettings, seedAuditBucket, seedPoolGroups, seedTopic } from "../../../harness/seed-environments";
import { askForAccountId, emulatorEnvironment, synthStack, TerraformWorkspace } from "../../../harness/terraform";

/**
 * The warm pool end to end: the reaper fills the pool, an environment claims a database,
 * its apply imports it (no restore), a second plan is clean, destroy deletes it, and the
 * next sweep refills the pool.
 */
const ENV = "pr-66";
const AUDIT_BUCKET = "ephemera-audit-pool-e2e";
const emulator = useEmulator({ resetBetweenTests: false });

let settings: Record<string, string>;
let ws: TerraformWorkspace;
let claimed: string;
let applySeconds: number;
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

beforeAll(async () => {
  const e = emulator();
  const infra = await createExistingInfrastructure(e);
  await seedAuditBucket(e, AUDIT_BUCKET);
  const pauseTopicArn = await seedTopic(e, "ephemera-pause");
  const poolGroups = await seedPoolGroups(e, infra.vpcId, infra.subnetIds);
  settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_PRICE_LIST: "off",
    EPHEMERA_DATABASE_POOL: JSON.stringify(poolSettings(1, poolGroups, { snapshot: infra.baselineSnapshot })),
  };

  // The reaper fills the pool, and the pipeline claims a database before the deploy.
  expect((await runSweep(runtime())).ok).toBe(true);
  const claim = await runEphemera(["claim", ENV, "--owner", "octocat@example.com", "--json"], settings);
  expect(claim.code).toBe(0);
  claimed = claim.json<{ database: string }>().database;

  const envConfig = environmentConfigOn(infra, e.region, ENV, pauseTopicArn, { claimedDatabase: { identifier: claimed, subnetGroupName: POOL_SUBNET_GROUP } });
  ws = await TerraformWorkspace.create(emulatorEnvironment(infra)(synthStack((app) => new EnvironmentStack(app, environmentStackName(ENV), envConfig))), e);
  askForAccountId(ws);
  const started = Date.now();
  await ws.apply();
  applySeconds = (Date.now() - started) / 1000;
}, 900_000);

afterAll(async () => {
  ws?.dispose();
  for (const r of runtimes) await r.destroy();
});

describe("an environment deployed with a claimed warm database", () => {
  it("imported the claimed database instead of restoring one, and says so in its outputs", async () => {
    expect(claimed).toMatch(/^ephemera-pool-default-[0-9a-f]{8}$/);
    const out = await ws.outputs();
    expect(out).toMatchObject({ database_source: "pool", database_endpoint: expect.stringMatching(new RegExp(`^${claimed}\\.`)) });
    console.log(`apply with a claimed database: ${applySeconds.toFixed(1)} s`);
  });

  it("made the database the environment's: its tags, its own security group only, the pool's tag gone", async () => {
    const db = (await describe_(claimed))!;
    expect(db.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: ENV, [TAG.owner]: "octocat@example.com" });
    expect(db.tags).not.toHaveProperty(TAG.pool);
    expect(db.securityGroups).toHaveLength(1);
    expect(db.securityGroups[0]).not.toBe(JSON.parse(settings.EPHEMERA_DATABASE_POOL!).securityGroupIds[0]);
  });

  it("plans clean after the apply: no resource to change", async () => {
    const plan = await ws.plan();
    // Emulator artifact: moto gives the database a new RDS-managed secret on every ModifyDBInstance that
    // carries ManageMasterUserPassword (AWS keeps the one it has), so the secret ARN output moves once
    // after the import's apply. No resource changes; the output only.
    const changes = plan.output.split("\n").filter((line) => /^\s+# .* will be /.test(line));
    expect(changes).toEqual([]);
    expect(plan.code === 0 || /Changes to Outputs:\n\s+~ database_secret_arn = "[^"]+" -> "[^"]+"\n\nYou can apply this plan to save these new output values/.test(plan.output)).toBe(true);
  });

  it("is deleted by destroy, and the next sweep refills the pool", async () => {
    expect(await warmDatabases()).toEqual([]);
    await ws.destroy();
    const gone = await describe_(claimed);
    expect(gone === undefined || gone.status === "deleting").toBe(true);
    const sweep = await runSweep(runtime());
    expect(sweep.plan!.environments.find((p) => p.env === "pool:default")).toMatchObject({ intent: "refill" });
    const warm = await warmDatabases();
    expect(warm).toHaveLength(1);
    expect(warm[0]).not.toBe(claimed);
  });
});
