import { CreateDBInstanceCommand, CreateDBSnapshotCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { claimPoolDatabase } from "../../../../reaper/pool/claim-database";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";
import { TAG } from "../../../../reaper/model";
import { startFaultProxy } from "../../../../harness/fault-proxy";
import { emulatorClients, EXAMPLE_POOL_GROUPS, poolSettings, seedAuditBucket, seedWarmDatabase } from "../../../../harness/seed-environments";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";

// Which warm database a claim takes, and a claim that stopped half-way: one account, in order.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-claim-order";
let e: Emulator;
let env: Record<string, string>;
const runtimes: ReaperRuntime[] = [];

function runtime(endpoint?: string): ReaperRuntime {
  const r = new ReaperRuntime(readSettings({ ...env, ...(endpoint === undefined ? {} : { AWS_ENDPOINT_URL: endpoint }) }), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(r);
  return r;
}

const claim = (envId: string, r = runtime()) =>
  claimPoolDatabase(r, { env: envId, admission: { env: envId, owner: `${envId}@example.com`, ttlMs: 3_600_000 }, tags: { [TAG.owner]: `${envId}@example.com`, [TAG.ttl]: "1h" }, claimant: `agent-${envId}` });

/** A warm pool database restored from `baseline`; each a second after the one before, so their restore times differ. */
async function warmDatabase(id: string, baseline: string): Promise<void> {
  await seedWarmDatabase(e, id, baseline);
  await new Promise((resolve) => setTimeout(resolve, 1100));
}

async function claimRecords(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "claims/" }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const { rds, destroy } = emulatorClients(e);
  await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "app-baseline", Engine: "postgres", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "not-a-secret-1" }));
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: "app-baseline-1" }));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: "app-baseline-2" }));
  destroy();
  // Restored in this order: from the newest baseline first, then a later one from the older baseline.
  await warmDatabase("new-older", "app-baseline-2");
  await warmDatabase("new-newer", "app-baseline-2");
  await warmDatabase("old-newest", "app-baseline-1");
  env = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_DATABASE_POOL: JSON.stringify(poolSettings(3, EXAMPLE_POOL_GROUPS, { sourceDbInstance: "app-baseline" })), EPHEMERA_PRICE_LIST: "off" };
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("which warm database a claim takes", () => {
  test("the freshest of the newest baseline first, then the next of it, and only then an older baseline's", async () => {
    expect((await claim("pr-1")).database).toBe("ephemera-pool-default-new-newer");
    expect((await claim("pr-2")).database).toBe("ephemera-pool-default-new-older");
    expect((await claim("pr-3")).database).toBe("ephemera-pool-default-old-newest");
  });
});

describe("a claim that stops half-way", () => {
  test("a claim whose tag write fails releases its database, and the next try takes the freshest again", async () => {
    await warmDatabase("spare-1", "app-baseline-2");
    await warmDatabase("spare-2", "app-baseline-2");
    const proxy = await startFaultProxy({ target: e.endpoint });
    try {
      proxy.failWhen((r) => (r.service === "rds" && r.action === "AddTagsToResource" ? "unavailable" : undefined));
      const failed = await claim("pr-4", runtime(proxy.url));
      expect(failed).toMatchObject({ status: "failed", ok: false, database: "ephemera-pool-default-spare-2", message: expect.stringContaining("ephemera-pool-default-spare-2 was released: claim again") });
    } finally {
      await proxy.stop();
    }
    // Released: another environment may take it now (it is still the freshest), and the retry takes the next.
    expect(await claim("pr-5")).toMatchObject({ status: "claimed", database: "ephemera-pool-default-spare-2" });
    expect(await claim("pr-4")).toMatchObject({ status: "claimed", ok: true, database: "ephemera-pool-default-spare-1" });
    // spare-2's register: claimed by pr-4, released, claimed by pr-5; spare-1's: claimed by pr-4.
    expect((await claimRecords()).filter((k) => k.includes("spare"))).toEqual([
      "claims/default/ephemera-pool-default-spare-1/999999999998.json",
      "claims/default/ephemera-pool-default-spare-2/999999999996.json",
      "claims/default/ephemera-pool-default-spare-2/999999999997.json",
      "claims/default/ephemera-pool-default-spare-2/999999999998.json",
    ]);
    const { rds, destroy } = emulatorClients(e);
    const tagsOf = async (id: string) => Object.fromEntries(((await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!.TagList ?? []).map((t) => [t.Key, t.Value]));
    expect(await tagsOf("ephemera-pool-default-spare-1")).toMatchObject({ [TAG.env]: "pr-4", [TAG.state]: "active" });
    expect(await tagsOf("ephemera-pool-default-spare-2")).toMatchObject({ [TAG.env]: "pr-5", [TAG.state]: "active" });
    destroy();
  });
});
