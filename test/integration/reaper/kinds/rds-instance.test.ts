import { CreateDBInstanceCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { rdsInstanceAdapter } from "../../../../reaper/kinds/rds-instance";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext, listedById } from "./kind-test-context";

const { ctx } = useKindContext();

async function database(id: string, tags: Record<string, string> | undefined): Promise<void> {
  await ctx().rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      MasterUsername: "app",
      MasterUserPassword: "not-a-real-password",
      AllocatedStorage: 20,
      ...(tags ? { Tags: asTagList(tags) } : {}),
    }),
  );
}

async function status(id: string): Promise<string | undefined> {
  const out = await ctx().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  return out.DBInstances?.[0]?.DBInstanceStatus;
}

describe("rds-instance adapter", () => {
  it("lists DB instances tagged managed-by=ephemera with their status, and ignores the rest", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    await database(`${env}-untagged`, undefined);
    await database(`${env}-theirs`, otherManagedTags(env));
    const { resources, failures } = await rdsInstanceAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(resources.map((r) => r.id)).toContain(`${env}-db`);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-untagged`);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-theirs`);
    expect(ofEnv(resources, env)).toEqual([
      {
        kind: "rds-instance",
        id: `${env}-db`,
        arn: `arn:aws:rds:us-east-1:123456789012:db:${env}-db`,
        region: "us-east-1",
        tags: managedTags(env),
        status: "available",
        facts: expect.objectContaining({ engine: "postgres", instanceClass: "db.t3.micro" }),
      },
    ]);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    expect(await rdsInstanceAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect(await rdsInstanceAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), rdsInstanceAdapter, `${env}-db`)).tags).toEqual({ ...managedTags(env), "ephemera:state": "paused" });
  });

  it("pause stops the instance and a second pause is already done", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    const first = await rdsInstanceAdapter.pause!(ctx(), resource);
    expect(first).toMatchObject({ ok: true, requestId: expect.any(String) });
    expect(first.alreadyDone).toBeUndefined();
    expect(await status(`${env}-db`)).toBe("stopped");
    expect(await rdsInstanceAdapter.pause!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("resume starts a stopped instance and a second resume is already done", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    await rdsInstanceAdapter.pause!(ctx(), resource);
    const first = await rdsInstanceAdapter.resume!(ctx(), resource);
    expect(first).toMatchObject({ ok: true });
    expect(first.alreadyDone).toBeUndefined();
    expect(await status(`${env}-db`)).toBe("available");
    expect(await rdsInstanceAdapter.resume!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("delete with a final snapshot name leaves that snapshot behind", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    const result = await rdsInstanceAdapter.delete(ctx(), resource, { finalSnapshotName: `${env}-final` });
    expect(result).toMatchObject({ ok: true, facts: { finalSnapshot: `${env}-final` } });
    const snapshots = await ctx().rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `${env}-final` }));
    expect(snapshots.DBSnapshots?.map((s) => s.DBInstanceIdentifier)).toEqual([`${env}-db`]);
  });

  it("delete without a snapshot name skips the final snapshot", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    expect(await rdsInstanceAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    const snapshots = await ctx().rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: `${env}-db` }));
    expect(snapshots.DBSnapshots).toEqual([]);
  });

  it("a second delete is already done", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    await rdsInstanceAdapter.delete(ctx(), resource, {});
    expect(await rdsInstanceAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
    expect((await rdsInstanceAdapter.list(ctx())).resources.map((r) => r.id)).not.toContain(`${env}-db`);
  });

  it("pausing an instance that is gone fails with RDS's code", async () => {
    const gone: DiscoveredResource = { kind: "rds-instance", id: "never-existed", region: "us-east-1", tags: managedTags("pr-x") };
    expect(await rdsInstanceAdapter.pause!(ctx(), gone)).toMatchObject({ ok: false, code: "DBInstanceNotFoundFault" });
  });
});
