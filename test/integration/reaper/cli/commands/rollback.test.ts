import { CreateDBSnapshotCommand, ModifyDBInstanceCommand, StopDBInstanceCommand, type DBInstance, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ListTagsForResourceCommand, RestoreDBInstanceFromDBSnapshotCommand } from "@aws-sdk/client-rds";
import { runEphemera } from "../../../../../harness/cli";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../../harness/emulator";
import { emulatorClients, envTags, seedAuditBucket, seedBaselineSnapshot, seedRollbackable } from "../../../../../harness/seed-environments";
import { EnvLeases } from "../../../../../reaper/action/env-lease";
import { verifyAuditIn } from "../../../../../reaper/audit/verify-audit";
import { readSettings } from "../../../../../reaper/config/read-settings";
import { TAG } from "../../../../../reaper/model";
import type { RollbackResult } from "../../../../../reaper/operations/rollback-environment";
import { ReaperRuntime } from "../../../../../reaper/runtime/reaper-runtime";

// `ephemera rollback`: an environment's database put back to a checkpoint, under the same identifier (endpoint) and secret.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-rollback";
const BASELINE = "app-baseline-snap";

let e: Emulator;
let settings: Record<string, string>;

async function database(id: string): Promise<DBInstance | undefined> {
  const { rds, destroy } = emulatorClients(e);
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })).catch(() => undefined))?.DBInstances?.[0];
  } finally {
    destroy();
  }
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off" };
  await seedBaselineSnapshot(e, "app-baseline", BASELINE);
}, 120_000);

describe("ephemera rollback", () => {
  it("swaps the baseline in under the same identifier, keeps the replaced database as a checkpoint, and audits every step", async () => {
    await seedRollbackable(e, "rb-one");
    const before = (await database("rb-one-db"))!;
    const run = await runEphemera(["rollback", "rb-one", "--to", "baseline", "--json"], settings);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
    const result = run.json<RollbackResult>();
    expect(result).toMatchObject({ status: "rolled-back", ok: true, snapshot: BASELINE });
    expect(result.actions!.map((a) => `${a.action} ${a.target.id}: ${a.outcome}`)).toEqual([
      "restore-checkpoint rb-one-db-rollback: done",
      "set-password rb-one-db-rollback: done",
      "rename rb-one-db: done",
      "rename rb-one-db-rollback: done",
      "tag rb-one-db-replaced: done",
      "delete rb-one-db-replaced: done",
    ]);
    const after = (await database("rb-one-db"))!;
    // Another database under the same identifier, so the same endpoint; it came from the checkpoint.
    expect(after.DbiResourceId).not.toBe(before.DbiResourceId);
    expect(after.Endpoint?.Address).toBe(before.Endpoint?.Address);
    expect(after.TagList).toEqual(expect.arrayContaining([{ Key: TAG.restoredFrom, Value: BASELINE }, { Key: TAG.env, Value: "rb-one" }]));
    expect(await database("rb-one-db-rollback")).toBeUndefined();
    expect(["deleting", undefined]).toContain((await database("rb-one-db-replaced"))?.DBInstanceStatus);

    // The replaced database's data is kept: its final snapshot, a label-less checkpoint of the environment.
    const { rds, destroy } = emulatorClients(e);
    const kept = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: result.keptAs! }))).DBSnapshots![0]!;
    const keptTags = (await rds.send(new ListTagsForResourceCommand({ ResourceName: kept.DBSnapshotArn! }))).TagList ?? [];
    destroy();
    expect(kept.DBInstanceIdentifier).toBe("rb-one-db-replaced");
    expect(keptTags).toEqual(expect.arrayContaining([{ Key: TAG.checkpoint, Value: "" }, { Key: TAG.env, Value: "rb-one" }, { Key: TAG.managedBy, Value: "ephemera" }]));

    const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
    const runs = await verifyAuditIn(runtime.auditStore());
    await runtime.destroy();
    expect(runs.find((r) => r.runId === result.runId)).toMatchObject({ ok: true, status: "complete" });
  }, 120_000);

  it("resumes a rollback that stopped after its restore: the restored database is the one swapped in, not restored again", async () => {
    await seedRollbackable(e, "rb-two");
    const { rds, destroy } = emulatorClients(e);
    const tags = [...Object.entries(envTags("rb-two", new Date(), { expiresInHours: 6 })).map(([Key, Value]) => ({ Key, Value })), { Key: TAG.restoredFrom, Value: BASELINE }];
    const staged = (await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "rb-two-db-rollback", DBSnapshotIdentifier: BASELINE, Tags: tags }))).DBInstance!;
    destroy();
    const run = await runEphemera(["rollback", "rb-two", "--to", "baseline", "--json"], settings);
    expect(run.code).toBe(0);
    expect(run.json<RollbackResult>().actions![0]).toMatchObject({ action: "restore-checkpoint", outcome: "already-done" });
    expect((await database("rb-two-db"))!.DbiResourceId).toBe(staged.DbiResourceId);
  }, 120_000);

  it("resumes a rollback that stopped between its renames: the copy is renamed into place, the replaced database kept and deleted", async () => {
    await seedRollbackable(e, "rb-four");
    const { rds, destroy } = emulatorClients(e);
    const tags = [...Object.entries(envTags("rb-four", new Date(), { expiresInHours: 6 })).map(([Key, Value]) => ({ Key, Value })), { Key: TAG.restoredFrom, Value: BASELINE }];
    const staged = (await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "rb-four-db-rollback", DBSnapshotIdentifier: BASELINE, Tags: tags }))).DBInstance!;
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "rb-four-db", NewDBInstanceIdentifier: "rb-four-db-replaced", ApplyImmediately: true }));
    destroy();
    const run = await runEphemera(["rollback", "rb-four", "--to", "baseline", "--json"], settings);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
    expect(run.json<RollbackResult>().actions!.map((a) => `${a.action} ${a.target.id}`)).toEqual(["rename rb-four-db-rollback", "tag rb-four-db-replaced", "delete rb-four-db-replaced"]);
    expect((await database("rb-four-db"))!.DbiResourceId).toBe(staged.DbiResourceId);
    expect(await database("rb-four-db-replaced")).toBeUndefined();
  }, 120_000);

  it("rolls back a paused environment: its database started for the swap, the rolled-back one stopped again", async () => {
    await seedRollbackable(e, "rb-paused", { state: "paused" });
    const { rds, destroy } = emulatorClients(e);
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "rb-paused-db" }));
    destroy();
    const run = await runEphemera(["rollback", "rb-paused", "--to", "baseline", "--json"], settings);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
    const result = run.json<RollbackResult>();
    expect(result.paused).toBe(true);
    expect(result.actions!.map((a) => `${a.action} ${a.target.id}`)).toEqual([
      "restore-checkpoint rb-paused-db-rollback",
      "set-password rb-paused-db-rollback",
      "resume rb-paused-db",
      "rename rb-paused-db",
      "rename rb-paused-db-rollback",
      "tag rb-paused-db-replaced",
      "delete rb-paused-db-replaced",
      "pause rb-paused-db",
    ]);
    expect((await database("rb-paused-db"))?.DBInstanceStatus).toBe("stopped");
  }, 120_000);

  it("refuses, changing nothing: an unknown checkpoint (exit 2), a protected environment, an unfinished rollback to another checkpoint", async () => {
    await seedRollbackable(e, "rb-three");
    const unknown = await runEphemera(["rollback", "rb-three", "--to", "before-migration"], settings);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('has no checkpoint "before-migration"; its checkpoints: baseline');
    await seedRollbackable(e, "rb-reaping", { state: "reaping" });
    const reaping = await runEphemera(["rollback", "rb-reaping", "--to", "baseline"], settings);
    expect(reaping.code).toBe(1);
    expect(reaping.err).toContain("is being reaped or released (ephemera:state=reaping); there is nothing to roll back");
    expect(await database("rb-reaping-db-rollback")).toBeUndefined();
    await seedRollbackable(e, "rb-kept", { protect: true });
    const kept = await runEphemera(["rollback", "rb-kept", "--to", "baseline"], settings);
    expect(kept.code).toBe(1);
    expect(kept.err).toContain("protects the whole environment; rollback refused");
    const { rds, destroy } = emulatorClients(e);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: "other-snap" }));
    const tags = [...Object.entries(envTags("rb-three", new Date(), { expiresInHours: 6 })).map(([Key, Value]) => ({ Key, Value })), { Key: TAG.restoredFrom, Value: "other-snap" }];
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "rb-three-db-rollback", DBSnapshotIdentifier: "other-snap", Tags: tags }));
    destroy();
    const conflict = await runEphemera(["rollback", "rb-three", "--to", "baseline"], settings);
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain("an earlier rollback to snapshot other-snap is unfinished; finish it first with ephemera rollback rb-three --to other-snap");
    expect((await database("rb-three-db"))?.DBInstanceStatus).toBe("available");
  }, 120_000);

  it("does not act while another run holds the environment's lease", async () => {
    await seedRollbackable(e, "rb-held");
    const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
    const leases = new EnvLeases(runtime.auditStore(), { runId: "20260101T000000Z-sweep001", leaseMs: 300_000, maxSkewMs: 30_000, lookedAt: new Date(), clock: () => new Date() });
    const held = await leases.acquire("rb-held");
    expect(held.ok).toBe(true);
    const run = await runEphemera(["rollback", "rb-held", "--to", "baseline", "--json"], settings);
    await runtime.destroy();
    expect(run.code).toBe(1);
    expect(run.json<RollbackResult>().actions!.every((a) => a.outcome === "deferred" && a.code === "LeaseHeld")).toBe(true);
    expect(await database("rb-held-db-rollback")).toBeUndefined();
  }, 120_000);
});
