import { CreateDBSnapshotCommand, DeleteDBInstanceCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { finalSnapshotName, TAG } from "../../../../reaper/model";
import { rdsSnapshotAdapter } from "../../../../reaper/kinds/rds-snapshot";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { asTagList, createDatabase, listedById, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

/** An environment's database, which copies its tags onto its snapshots as SnapshotDatabase's does. */
async function database(id: string, tags: Record<string, string> | undefined): Promise<void> {
  await createDatabase(ctx(), id, tags, { CopyTagsToSnapshot: true });
}

async function snapshot(db: string, id: string, tags?: Record<string, string>): Promise<void> {
  await ctx().rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: id, ...(tags ? { Tags: asTagList(tags) } : {}) }));
}

async function exists(id: string): Promise<boolean> {
  return ctx()
    .rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))
    .then((out) => (out.DBSnapshots ?? []).length > 0, () => false);
}

const checkpointTags = (env: string, label: string) => ({ ...managedTags(env), [TAG.checkpoint]: label });

describe("rds-snapshot adapter", () => {
  it("lists an environment's checkpoints (labelled or not) with their tags, size and time, and meters their storage", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    await snapshot(`${env}-db`, `ephemera-${env}-20260501120000`, checkpointTags(env, "before-migration"));
    await snapshot(`${env}-db`, `ephemera-${env}-20260501130000`, checkpointTags(env, ""));
    const { resources, failures, usage } = await rdsSnapshotAdapter.list(ctx());
    expect(failures).toEqual([]);
    const mine = ofEnv(resources, env).sort((a, b) => a.id.localeCompare(b.id));
    expect(mine).toEqual([
      {
        kind: "rds-snapshot",
        id: `ephemera-${env}-20260501120000`,
        arn: `arn:aws:rds:us-east-1:123456789012:snapshot:ephemera-${env}-20260501120000`,
        region: "us-east-1",
        tags: checkpointTags(env, "before-migration"),
        status: "available",
        facts: expect.objectContaining({ dbInstanceIdentifier: `${env}-db`, allocatedStorageGb: 20, createdAt: expect.stringMatching(/Z$/) }),
      },
      expect.objectContaining({ id: `ephemera-${env}-20260501130000`, tags: checkpointTags(env, "") }),
    ]);
    const metered = (usage ?? []).filter((u) => u.tags[TAG.env] === env);
    expect(metered).toHaveLength(2);
    expect(metered[0]).toMatchObject({ kind: "rds-snapshot", charging: false, storage: { gb: 20, product: { kind: "rds-snapshot", region: "us-east-1" } } });
    expect(metered[0]!.compute).toBeUndefined();
  });

  it("never lists a final snapshot (the environment's tags, copied), a baseline snapshot, an unmanaged look-alike or an automated snapshot", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    await database(`${env}-baseline`, undefined);
    await snapshot(`${env}-baseline`, `${env}-baseline-1`);
    await snapshot(`${env}-db`, `ephemera-${env}-20260501120000-theirs`, { ...otherManagedTags(env), [TAG.checkpoint]: "" });
    await snapshot(`${env}-db`, `ephemera-${env}-20260501120000-untagged`);
    // The final snapshot DeleteDBInstance takes, with the environment's tags copied onto it.
    const final = finalSnapshotName(env, new Date());
    await ctx().rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${env}-db`, FinalDBSnapshotIdentifier: final }));
    const finalTags = (await ctx().rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: final }))).DBSnapshots?.[0]?.TagList ?? [];
    expect(finalTags).toEqual(expect.arrayContaining(asTagList(managedTags(env))));

    const { resources } = await rdsSnapshotAdapter.list(ctx());
    expect(resources.filter((r) => r.id.includes(env))).toEqual([]);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, undefined);
    const id = `ephemera-${env}-20260501120000`;
    await snapshot(`${env}-db`, id, checkpointTags(env, "one"));
    const resource = await listedById(ctx(), rdsSnapshotAdapter, id);
    expect(await rdsSnapshotAdapter.tag(ctx(), resource, { [TAG.state]: "reaping" })).toMatchObject({ ok: true });
    expect(await rdsSnapshotAdapter.tag(ctx(), { ...resource, arn: undefined } as DiscoveredResource, { [TAG.state]: "reaping" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), rdsSnapshotAdapter, id)).tags).toEqual({ ...checkpointTags(env, "one"), [TAG.state]: "reaping" });
  });

  it("delete removes the checkpoint and a second delete is already done; the database and its other snapshots stay", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const id = `ephemera-${env}-20260501120000`;
    await snapshot(`${env}-db`, id, checkpointTags(env, ""));
    await snapshot(`${env}-db`, `${env}-manual`);
    const resource = await listedById(ctx(), rdsSnapshotAdapter, id);
    const first = await rdsSnapshotAdapter.delete(ctx(), resource, {});
    expect(first).toMatchObject({ ok: true, requestId: expect.any(String) });
    expect(first.alreadyDone).toBeUndefined();
    expect(await exists(id)).toBe(false);
    expect(await rdsSnapshotAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
    expect(await exists(`${env}-manual`)).toBe(true);
  });
});
