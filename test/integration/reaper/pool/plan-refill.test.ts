import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { claimPoolDatabase } from "../../../../reaper/pool/claim-database";
import { takeClaim } from "../../../../reaper/pool/claim-record";
import { runSweep } from "../../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";
import { verifyAuditIn } from "../../../../reaper/audit/verify-audit";
import { TAG } from "../../../../reaper/model";
import { emulatorClients, type PoolGroups, poolSettings, seedAuditBucket, seedPoolBaseline, seedWarmDatabase } from "../../../../harness/seed-environments";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";

// One account walked through in order: the pool filled, a claim, a new baseline, the stale databases replaced.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-refill";

let e: Emulator;
let settings: Record<string, string>;
let poolGroups: PoolGroups;
const runtimes: ReaperRuntime[] = [];
const runtime = () => {
  const r = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(r);
  return r;
};

async function poolDatabases(): Promise<{ id: string; tags: Record<string, string>; securityGroups: string[]; backupRetention?: number }[]> {
  const { rds, destroy } = emulatorClients(e);
  const out = await rds.send(new DescribeDBInstancesCommand({}));
  destroy();
  return (out.DBInstances ?? [])
    .map((db) => ({
      id: db.DBInstanceIdentifier!,
      tags: Object.fromEntries((db.TagList ?? []).map((t) => [t.Key!, t.Value!])),
      securityGroups: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!),
      backupRetention: db.BackupRetentionPeriod,
    }))
    .filter((db) => db.tags[TAG.pool] === "default")
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The pool databases' own security groups (named after a pool database), by name. */
async function memberGroups(): Promise<Map<string, { id: string; vpcId?: string; tags: Record<string, string>; ingress: number }>> {
  const { ec2, destroy } = emulatorClients(e);
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["ephemera-pool-default-*"] }] }));
  destroy();
  return new Map(
    (out.SecurityGroups ?? [])
      .filter((g) => g.GroupName !== "ephemera-pool-default")
      .map((g) => [g.GroupName!, { id: g.GroupId!, vpcId: g.VpcId, tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key!, t.Value!])), ingress: (g.IpPermissions ?? []).length }]),
  );
}

const warm = <Db extends { tags: Record<string, string> }>(dbs: Db[]) => dbs.filter((db) => db.tags[TAG.state] === "warm" && db.tags[TAG.env] === undefined);

async function snapshot(id: string): Promise<void> {
  const { rds, destroy } = emulatorClients(e);
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: id }));
  destroy();
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  poolGroups = await seedPoolBaseline(e);
  await snapshot("app-baseline-1");
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_DATABASE_POOL: JSON.stringify(poolSettings(2, poolGroups, { sourceDbInstance: "app-baseline" })), EPHEMERA_PRICE_LIST: "off" };
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("the reaper refills the warm pool", () => {
  test("a sweep fills an empty pool to its size from the baseline's newest snapshot, tagged warm; the plan says so", async () => {
    const result = await runSweep(runtime());
    expect(result.ok).toBe(true);
    const refill = result.plan!.environments.find((p) => p.env === "pool:default")!;
    expect(refill).toMatchObject({ intent: "refill", reason: "refill pool default: 2 to restore, 0 to replace" });
    const dbs = await poolDatabases();
    expect(dbs.map((db) => db.id)).toEqual([expect.stringMatching(/^ephemera-pool-default-[0-9a-f]{8}$/), expect.stringMatching(/^ephemera-pool-default-[0-9a-f]{8}$/)]);
    // Each records the snapshot it came from (ephemera:baseline): a claiming environment's baseline checkpoint.
    expect(dbs.every((db) => db.tags[TAG.state] === "warm" && db.tags[TAG.baseline] === "app-baseline-1" && db.tags[TAG.managedBy] === "ephemera")).toBe(true);
    // Each in a security group of its own, in the pool's VPC, tagged as it is and admitting nothing; no backups, as SnapshotDatabase declares.
    const groups = await memberGroups();
    for (const db of dbs) {
      expect(groups.get(db.id)).toEqual({ id: db.securityGroups[0], vpcId: poolGroups.vpcId, tags: db.tags, ingress: 0 });
      expect(db.securityGroups).toHaveLength(1);
      expect(db.backupRetention).toBe(0);
    }
  });

  test("a full pool is left as it is, and its databases are never reaped as environments", async () => {
    const result = await runSweep(runtime());
    expect(result.plan!.environments).toEqual([]);
    expect(result.plan!.notes.filter((n) => n.resource?.kind === "rds-instance")).toEqual([]);
  });

  test("a claimed database no longer counts: the next sweep restores one more, and leaves the claimed one alone", async () => {
    const claim = await claimPoolDatabase(runtime(), {
      env: "pr-7",
      admission: { env: "pr-7", owner: "team@example.com", ttlMs: 8 * 3_600_000 },
      tags: { [TAG.owner]: "team@example.com", [TAG.ttl]: "8h", [TAG.createdAt]: new Date().toISOString().slice(0, 19) + "Z" },
      claimant: "agent",
    });
    expect(claim.status).toBe("claimed");
    const result = await runSweep(runtime());
    expect(result.plan!.environments.find((p) => p.env === "pool:default")).toMatchObject({ reason: "refill pool default: 1 to restore, 0 to replace" });
    const dbs = await poolDatabases();
    expect(warm(dbs)).toHaveLength(2);
    expect(dbs.find((db) => db.id === claim.database)!.tags).toMatchObject({ [TAG.env]: "pr-7", [TAG.state]: "active" });
  });

  test("a newer baseline snapshot replaces the warm databases: fresh ones first, the stale ones once those are ready", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later SnapshotCreateTime than the first
    await snapshot("app-baseline-2");
    const first = await runSweep(runtime());
    expect(first.plan!.environments.find((p) => p.env === "pool:default")).toMatchObject({ reason: "refill pool default: 2 to restore, 0 to replace" });
    // A claim has taken one stale database's record but not yet tagged it: discovery sees it warm and unclaimed.
    const stale = warm(await poolDatabases()).filter((db) => db.tags[TAG.baseline] === "app-baseline-1");
    expect(stale).toHaveLength(2);
    expect(await takeClaim(runtime().auditStore(), { pool: "default", database: stale[0]!.id, env: "pr-8", claimant: "agent-8", at: new Date().toISOString() })).toBe("mine");
    const second = await runSweep(runtime());
    const replace = second.plan!.environments.find((p) => p.env === "pool:default")!;
    expect(replace.phases[0]!.actions.map((a) => `${a.type} ${"resource" in a ? a.resource.id : ""}`)).toEqual([`delete ${stale[1]!.id}`]);
    expect(second.plan!.notes).toContainEqual(expect.objectContaining({ code: "pool", message: `${stale[0]!.id} was claimed since the pool was listed: not deleted` }));
    const dbs = await poolDatabases();
    expect(dbs.map((db) => db.id)).toContain(stale[0]!.id);
    expect(dbs.map((db) => db.id)).not.toContain(stale[1]!.id);
    expect(warm(dbs).map((db) => db.tags[TAG.baseline]).sort()).toEqual(["app-baseline-1", "app-baseline-2", "app-baseline-2"]);
    expect(dbs.filter((db) => db.tags[TAG.env] === "pr-7")).toHaveLength(1); // the claimed one is the environment's, never the pool's to replace
  });

  test("the next sweep deletes the replaced database's security group, and leaves the claimed one's, which is its environment's", async () => {
    const before = await memberGroups();
    const dbs = new Set((await poolDatabases()).map((db) => db.id));
    const orphans = [...before.keys()].filter((name) => !dbs.has(name));
    expect(orphans).toHaveLength(1);
    const result = await runSweep(runtime());
    const refill = result.plan!.environments.find((p) => p.env === "pool:default")!;
    expect(refill.phases.find((p) => p.name === "network")!.actions.map((a) => ("resource" in a ? a.resource.id : ""))).toEqual([before.get(orphans[0]!)!.id]);
    const after = await memberGroups();
    expect([...after.keys()].sort()).toEqual([...dbs].sort());
    const claimed = (await poolDatabases()).find((db) => db.tags[TAG.env] === "pr-7")!;
    expect(after.get(claimed.id)!.tags).toMatchObject({ [TAG.env]: "pr-7" });
  });

  test("a database restored into the pool's shared security group, before each had its own, is replaced like a stale one", async () => {
    const legacy = await seedWarmDatabase(e, "1e9ac700", "app-baseline-2", "default", {}, { legacySecurityGroup: poolGroups.securityGroupId });
    const result = await runSweep(runtime());
    const refill = result.plan!.environments.find((p) => p.env === "pool:default")!;
    expect(refill.phases[0]!.actions).toContainEqual(expect.objectContaining({ type: "delete", reason: "replaced: restored into the pool's shared security group, before each database had its own" }));
    expect((await poolDatabases()).map((db) => db.id)).not.toContain(legacy);
  });

  test("every refill is audited like any other run, and the trail verifies", async () => {
    const runs = await verifyAuditIn(runtime().auditStore());
    expect(runs.length).toBeGreaterThanOrEqual(6);
    expect(runs.every((run) => run.ok)).toBe(true);
  });
});
