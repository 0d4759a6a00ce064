import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { claimPoolDatabase } from "../../../../reaper/pool/claim-database";
import { runEphemera } from "../../../../harness/cli";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";
import { verifyAuditIn } from "../../../../reaper/audit/verify-audit";
import { credentialsSecretDescription, parseDatabaseCredentials, TAG } from "../../../../reaper/model";
import { BASELINE_PASSWORD, emulatorClients, EXAMPLE_POOL_GROUPS, poolSettings, seedAuditBucket, seedWarmDatabase } from "../../../../harness/seed-environments";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";

// One account walked through in order: three warm databases, five concurrent claims, then a claim resumed.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-pool";
const POOL = poolSettings(3, EXAMPLE_POOL_GROUPS, { snapshot: "app-baseline-1" });

let e: Emulator;
let env: Record<string, string>;
const runtimes: ReaperRuntime[] = [];
const results: Awaited<ReturnType<typeof claimPoolDatabase>>[] = [];

function runtime(): ReaperRuntime {
  const r = new ReaperRuntime(readSettings(env), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(r);
  return r;
}

const tagsFor = (envId: string) => ({ [TAG.owner]: `${envId}@example.com`, [TAG.ttl]: "8h", [TAG.createdAt]: "2026-05-01T12:00:00Z" });
const claimFor = (envId: string, claimant: string, r: ReaperRuntime = runtime()) =>
  claimPoolDatabase(r, { env: envId, admission: { env: envId, owner: `${envId}@example.com`, ttlMs: 8 * 3_600_000 }, tags: tagsFor(envId), claimant });

async function database(id: string) {
  const { rds, destroy } = emulatorClients(e);
  const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  destroy();
  return {
    tags: Object.fromEntries((db.TagList ?? []).map((t) => [t.Key!, t.Value!])),
    secretArn: db.MasterUserSecret?.SecretArn,
    securityGroups: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId),
  };
}

async function securityGroup(id: string) {
  const { ec2, destroy } = emulatorClients(e);
  const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;
  destroy();
  return { name: group.GroupName, tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key!, t.Value!])) };
}

async function secretVersions(arn: string): Promise<string[]> {
  const { secrets, destroy } = emulatorClients(e);
  const out = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
  destroy();
  return Object.keys(out.VersionIdsToStages ?? {}).sort();
}

async function secret(arn: string) {
  const { secrets, destroy } = emulatorClients(e);
  try {
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    return { name: described.Name!, description: described.Description, tags: Object.fromEntries((described.Tags ?? []).map((t) => [t.Key!, t.Value!])), credentials: parseDatabaseCredentials(value.SecretString!) };
  } finally {
    destroy();
  }
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  // The third was restored before pool members stopped having an RDS-managed secret.
  for (const [i, suffix] of ["aaaa0001", "aaaa0002", "aaaa0003"].entries()) await seedWarmDatabase(e, suffix, "app-baseline-1", "default", { n: String(i) }, { rdsManagedSecret: i === 2 });
  // Someone else's database with a pool tag: not the pool's (not managed).
  const { rds, destroy } = emulatorClients(e);
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: "lookalike-pool-db",
      Engine: "postgres",
      DBInstanceClass: "db.t4g.micro",
      AllocatedStorage: 20,
      MasterUsername: "app",
      MasterUserPassword: "not-a-secret-1",
      Tags: [{ Key: TAG.pool, Value: "default" }, { Key: TAG.state, Value: "warm" }],
    }),
  );
  destroy();
  env = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_DATABASE_POOL: JSON.stringify(POOL), EPHEMERA_PRICE_LIST: "off" };
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("claiming warm pool databases", () => {
  test("five concurrent claims for three warm databases: three get one each, never the same, and two are told to restore a fresh one", async () => {
    const envs = ["pr-1", "pr-2", "pr-3", "pr-4", "pr-5"];
    results.push(...(await Promise.all(envs.map((envId) => claimFor(envId, `arn:aws:iam::123456789012:role/agent-${envId}`)))));
    const claimed = results.filter((r) => r.status === "claimed");
    expect(claimed).toHaveLength(3);
    expect(new Set(claimed.map((r) => r.database)).size).toBe(3);
    expect(results.filter((r) => r.status === "empty").map((r) => r.message)).toEqual([
      "pool default has no warm database free: restore a fresh one",
      "pool default has no warm database free: restore a fresh one",
    ]);
    expect(claimed.every((r) => r.database!.startsWith("ephemera-pool-default-"))).toBe(true);
  });

  test("a claimed database is the environment's: its tags, state active, the pool kept for lineage; and so is its own security group", async () => {
    for (const r of results.filter((x) => x.status === "claimed")) {
      const { tags, securityGroups } = await database(r.database!);
      expect(tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: r.env, [TAG.state]: "active", [TAG.owner]: `${r.env}@example.com`, [TAG.ttl]: "8h", [TAG.pool]: "default" });
      expect(securityGroups).toEqual([r.securityGroupId]);
      const group = await securityGroup(r.securityGroupId!);
      expect(group.name).toBe(r.database);
      expect(group.tags).toEqual(tags);
    }
  });

  test("each claim set a new master password and wrote it to the environment's own credentials secret, tagged the environment's; RDS keeps none", async () => {
    for (const r of results.filter((x) => x.status === "claimed")) {
      const db = await database(r.database!);
      expect(db.secretArn).toBeUndefined();
      const { name, description, tags, credentials } = await secret(r.secretArn!);
      expect(name).toMatch(new RegExp(`^${r.database}-credentials-[0-9a-f]{8}$`));
      expect(description).toBe(credentialsSecretDescription(r.env, r.database!));
      expect(tags).toEqual({ [TAG.managedBy]: "ephemera", [TAG.env]: r.env, [TAG.state]: "active", ...tagsFor(r.env) });
      expect(credentials).toMatchObject({ engine: "postgres", username: "app", dbInstanceIdentifier: r.database, password: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
      expect(credentials.password).not.toBe(BASELINE_PASSWORD);
    }
    expect(new Set(results.filter((x) => x.status === "claimed").map((r) => r.secretArn)).size).toBe(3);
  });

  test("each database has one claim record, written once, naming its environment and who claimed it", async () => {
    const { s3, destroy } = emulatorClients(e);
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "claims/" }))).Contents ?? []).map((o) => o.Key!).sort();
    const claimed = results.filter((x) => x.status === "claimed");
    // Version 1 of each claimed database's register, and no other: the losers of a race wrote nothing.
    expect(keys).toEqual(claimed.map((r) => `claims/default/${r.database}/999999999998.json`).sort());
    for (const r of claimed) {
      const body = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: `claims/default/${r.database}/999999999998.json` }))).Body!.transformToString());
      expect(body).toMatchObject({ v: 1, seq: 1, value: { holder: r.env, action: "claim", by: `arn:aws:iam::123456789012:role/agent-${r.env}` } });
    }
    destroy();
  });

  test("every claim is an audited run that verifies: its admission, then a rotation and the tags, before and after", async () => {
    const runs = await verifyAuditIn(runtime().auditStore());
    // Five admissions (every claim passes admission first) and three claims.
    expect(runs).toHaveLength(8);
    expect(runs.map((run) => [run.ok, run.status])).toEqual(runs.map(() => [true, "complete"]));
    for (const r of results.filter((x) => x.status === "claimed")) {
      expect(r.actions?.map((a) => `${a.action} ${a.target.id} ${a.outcome}`)).toEqual([`rotate-credentials ${r.database} done`, `tag ${r.database} done`, `tag ${r.securityGroupId} done`]);
    }
  });

  test("claiming again for an environment that holds a database returns it as it is: no rotation, no new tags, no later expiry", async () => {
    const first = results.find((r) => r.status === "claimed")!;
    const before = await database(first.database!);
    const versions = await secretVersions(first.secretArn!);
    const again = await claimPoolDatabase(runtime(), {
      env: first.env,
      admission: { env: first.env, owner: `${first.env}@example.com`, ttlMs: 8 * 3_600_000 },
      tags: { ...tagsFor(first.env), [TAG.createdAt]: "2026-05-02T12:00:00Z" },
      claimant: "arn:aws:iam::123456789012:role/agent-retry",
    });
    expect(again).toMatchObject({ status: "claimed", ok: true, existing: true, database: first.database, secretArn: first.secretArn, securityGroupId: first.securityGroupId });
    expect(again.actions).toBeUndefined();
    expect(await secretVersions(first.secretArn!)).toEqual(versions);
    expect((await database(first.database!)).tags).toEqual(before.tags);
  });

  test("a claim passes admission: over a cap it is refused, and no database is touched", async () => {
    const capped = new ReaperRuntime(readSettings({ ...env, EPHEMERA_MAX_ENVIRONMENTS: "3" }), { credentials: EMULATOR_CREDENTIALS });
    runtimes.push(capped);
    const refused = await claimFor("pr-8", "arn:aws:iam::123456789012:role/agent-pr-8", capped);
    expect(refused).toMatchObject({ status: "refused", ok: false, limit: "max-environments", message: expect.stringContaining("EPHEMERA_MAX_ENVIRONMENTS") });
    const { s3, destroy } = emulatorClients(e);
    const claims = ((await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "claims/" }))).Contents ?? []).length;
    destroy();
    expect(claims).toBe(3);
  });

  test("the CLI: claim --json says the pool is empty and to restore fresh (exit 0); ls shows the pool; bad input exits 2", async () => {
    const claim = await runEphemera(["claim", "pr-6", "--owner", "team@example.com", "--json"], env);
    expect(claim.code).toBe(0);
    expect(claim.json()).toMatchObject({ status: "empty", ok: true, env: "pr-6", pool: "default", fallback: "fresh-restore" });
    const ls = await runEphemera(["ls", "--json"], env);
    expect(ls.code).toBe(0);
    expect(ls.json<{ pools: unknown }>().pools).toEqual([{ pool: "default", size: 3, warm: 0, restoring: 0, oldestRestoredAt: null }]);
    const bad = await runEphemera(["claim", "pr-6"], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("ephemera claim needs --owner");
  });

  test("a database restored into the pool's shared security group, before each had its own, is never claimed: the refill replaces it", async () => {
    const { ec2, destroy } = emulatorClients(e);
    const shared = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "ephemera-pool-default", Description: "admits nothing" }))).GroupId!;
    destroy();
    const legacy = await seedWarmDatabase(e, "aaaa0009", "app-baseline-1", "default", {}, { legacySecurityGroup: shared });
    expect(await claimFor("pr-10", "arn:aws:iam::123456789012:role/agent-pr-10")).toMatchObject({ status: "empty", ok: true });
    expect((await database(legacy)).tags).not.toHaveProperty(TAG.env);
  });

  test("without a pool configured, a claim is refused with the fix", async () => {
    const { EPHEMERA_DATABASE_POOL: _pool, ...withoutPool } = env;
    const r = new ReaperRuntime(readSettings(withoutPool), { credentials: EMULATOR_CREDENTIALS });
    runtimes.push(r);
    expect(await claimFor("pr-9", "x", r)).toMatchObject({ status: "refused", ok: false, message: expect.stringContaining("EPHEMERA_DATABASE_POOL") });
  });
});
