import { AddTagsToResourceCommand, CreateDBInstanceCommand, CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { runEphemera } from "../../../../../harness/cli";
import { type Emulator, useEmulator } from "../../../../../harness/emulator";
import { emulatorClients, envTags, seedAuditBucket, seedEnvironment } from "../../../../../harness/seed-environments";
import { finalSnapshotName, TAG } from "../../../../../reaper/model";
import type { CheckpointListing } from "../../../../../reaper/operations/list-checkpoints";

// `ephemera checkpoint` and `ephemera checkpoints`: an environment's checkpoints, against the emulator.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-checkpoints";
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

let e: Emulator;
let settings: Record<string, string>;
let finalSnapshot: string;

/** Each snapshot of the emulator by identifier: its database and tags. */
async function snapshots(): Promise<Map<string, { db: string; tags: Record<string, string> }>> {
  const { rds, destroy } = emulatorClients(e);
  const out = await rds.send(new DescribeDBSnapshotsCommand({}));
  destroy();
  return new Map((out.DBSnapshots ?? []).map((s) => [s.DBSnapshotIdentifier!, { db: s.DBInstanceIdentifier!, tags: Object.fromEntries((s.TagList ?? []).map((t) => [t.Key!, t.Value!])) }]));
}

beforeAll(async () => {
  e = emulator();
  const now = new Date();
  await seedAuditBucket(e, AUDIT_BUCKET);
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off", EPHEMERA_MAX_CHECKPOINTS: "2" };
  await seedEnvironment(e, "pr-cp", now, { expiresInHours: 6 });
  await seedEnvironment(e, "pr-nodb", now, { expiresInHours: 6, database: false });
  await seedEnvironment(e, "pr-paused", now, { expiresInHours: 6 });
  const { rds, destroy } = emulatorClients(e);
  // The baseline pr-cp was restored from (no environment's), recorded on its database as SnapshotDatabase records it.
  await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "app-baseline", Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "not-a-secret-1" }));
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: "app-baseline-1" }));
  await rds.send(new AddTagsToResourceCommand({ ResourceName: `arn:aws:rds:us-east-1:${e.accountId}:db:pr-cp-db`, Tags: tagList({ [TAG.baseline]: "app-baseline-1" }) }));
  // A final snapshot of an earlier database of pr-cp, with its tags as CopyTagsToSnapshot leaves them.
  finalSnapshot = finalSnapshotName("pr-cp", new Date(now.getTime() - 86_400_000));
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "pr-cp-db", DBSnapshotIdentifier: finalSnapshot, Tags: tagList(envTags("pr-cp", now, { expiresInHours: 6 })) }));
  destroy();
}, 120_000);

describe("ephemera checkpoint", () => {
  test("takes a labelled checkpoint of the environment's database, tagged as the environment's, audited", async () => {
    const run = await runEphemera(["checkpoint", "pr-cp", "--name", "before-migration", "--json"], settings);
    expect(run.code).toBe(0);
    const result = run.json<{ status: string; snapshot: string; label: string; database: string; replaced: string[]; runId: string }>();
    expect(result).toMatchObject({ status: "created", label: "before-migration", database: "pr-cp-db", replaced: [] });
    expect(result.snapshot).toMatch(/^ephemera-pr-cp-\d{14}$/);
    const taken = (await snapshots()).get(result.snapshot)!;
    expect(taken.db).toBe("pr-cp-db");
    expect(taken.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: "pr-cp", [TAG.owner]: "team@example.com", [TAG.checkpoint]: "before-migration" });
    expect(taken.tags[TAG.baseline]).toBeUndefined();
    expect((await runEphemera(["audit", "verify", "--run", result.runId, "--json"], settings)).code).toBe(0);
  });

  test("refuses a label the environment already has, or a bad one (exit 2), and an unknown environment (exit 2), changing nothing", async () => {
    const before = [...(await snapshots()).keys()].sort();
    const taken = await runEphemera(["checkpoint", "pr-cp", "--name", "before-migration"], settings);
    expect(taken.code).toBe(2);
    expect(taken.err).toMatch(/^ephemera: checkpoint pr-cp refused: the environment already has a checkpoint labelled "before-migration"/);
    expect((await runEphemera(["checkpoint", "pr-cp", "--name", "Before"], settings)).code).toBe(2);
    const unknown = await runEphemera(["checkpoint", "pr-nope", "--json"], settings);
    expect(unknown.code).toBe(2);
    expect(unknown.json()).toMatchObject({ status: "refused", code: "not-found" });
    const noDb = await runEphemera(["checkpoint", "pr-nodb", "--json"], settings);
    expect(noDb.code).toBe(1);
    expect(noDb.json()).toMatchObject({ status: "refused", code: "no-database" });
    expect([...(await snapshots()).keys()].sort()).toEqual(before);
  });

  test("past EPHEMERA_MAX_CHECKPOINTS the oldest label-less checkpoint is deleted in the same run; a labelled one never is", async () => {
    const first = (await runEphemera(["checkpoint", "pr-cp", "--json"], settings)).json<{ status: string; snapshot: string }>();
    expect(first.status).toBe("created");
    const second = await runEphemera(["checkpoint", "pr-cp", "--json"], settings);
    expect(second.code).toBe(0);
    expect(second.json()).toMatchObject({ status: "created", replaced: [first.snapshot] });
    const now = await snapshots();
    expect(now.has(first.snapshot)).toBe(false);
    expect(now.has(second.json<{ snapshot: string }>().snapshot)).toBe(true);
  });

  test("a paused environment (its database stopped) can be checkpointed", async () => {
    expect((await runEphemera(["pause", "pr-paused"], settings)).code).toBe(0);
    const run = await runEphemera(["checkpoint", "pr-paused", "--json"], settings);
    expect(run.code).toBe(0);
    const result = run.json<{ status: string; snapshot: string }>();
    expect(result.status).toBe("created");
    expect((await snapshots()).get(result.snapshot)!.tags).toMatchObject({ [TAG.env]: "pr-paused", [TAG.state]: "paused", [TAG.checkpoint]: "" });
  });

  test("when every checkpoint past the limit is labelled, it refuses (exit 1), naming the setting and the fix", async () => {
    const run = await runEphemera(["checkpoint", "pr-cp", "--name", "one-more"], { ...settings, EPHEMERA_MAX_CHECKPOINTS: "1" });
    expect(run.code).toBe(1);
    expect(run.err).toContain("EPHEMERA_MAX_CHECKPOINTS=1");
    expect(run.err).toContain("Delete a labelled one first");
  });
});

describe("ephemera checkpoints", () => {
  test("lists the checkpoints newest first, with size, state and monthly cost, then the baseline; never the final snapshot", async () => {
    const run = await runEphemera(["checkpoints", "pr-cp", "--json"], settings);
    expect(run.code).toBe(0);
    const listing = run.json<CheckpointListing>();
    expect(listing).toMatchObject({ version: 1, env: "pr-cp", count: 2, maxCheckpoints: 2 });
    expect(listing.checkpoints.map((c) => c.label)).toEqual([null, "before-migration", "baseline"]);
    expect(listing.checkpoints[0]).toMatchObject({ sizeGiB: 20, state: "available", estimatedMonthlyUsd: 1.9, createdAt: expect.stringMatching(/Z$/) });
    expect(listing.checkpoints[2]).toEqual({ label: "baseline", snapshot: "app-baseline-1", createdAt: expect.any(String), sizeGiB: 20, state: "available", estimatedMonthlyUsd: null });
    expect(listing.checkpoints.map((c) => c.snapshot)).not.toContain(finalSnapshot);
    const text = await runEphemera(["checkpoints", "pr-cp"], settings);
    expect(text.out).toMatch(/^pr-cp: 2 of 2 checkpoints \(the baseline not counted\)\nLABEL +SNAPSHOT/);
    expect(text.out).toContain("~$1.90");
  });

  test("an unknown environment is a clear error (exit 2)", async () => {
    const run = await runEphemera(["checkpoints", "pr-nope"], settings);
    expect(run.code).toBe(2);
    expect(run.err).toBe("ephemera: checkpoints pr-nope: no resources of environment pr-nope were found; check the id (ephemera ls lists them)");
  });
});

describe("a reap of the environment", () => {
  test("deletes its checkpoints with it, and leaves its final snapshot and its baseline snapshot", async () => {
    const listing = (await runEphemera(["checkpoints", "pr-cp", "--json"], settings)).json<CheckpointListing>();
    const checkpoints = listing.checkpoints.filter((c) => c.label !== "baseline").map((c) => c.snapshot);
    expect(checkpoints).toHaveLength(2);
    const run = await runEphemera(["release", "pr-cp", "--json"], settings);
    expect(run.code).toBe(0);
    const deleted = run.json<{ actions: { action: string; target: { kind: string; id: string }; outcome: string }[] }>().actions.filter((a) => a.target.kind === "rds-snapshot" && a.action === "delete");
    expect(deleted.map((a) => `${a.action} ${a.target.id} ${a.outcome}`).sort()).toEqual(checkpoints.map((id) => `delete ${id} done`).sort());
    const left = await snapshots();
    for (const id of checkpoints) expect(left.has(id)).toBe(false);
    expect(left.has(finalSnapshot)).toBe(true);
    expect(left.has("app-baseline-1")).toBe(true);
  });
});
