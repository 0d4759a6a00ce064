import { CreateSubnetCommand, CreateVpcCommand } from "@aws-sdk/client-ec2";
import {
  CreateDBInstanceCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  RDSServiceException,
} from "@aws-sdk/client-rds";
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { dbSubnetGroupAdapter } from "../../../reaper/kinds/db-subnet-group";
import { rdsInstanceAdapter } from "../../../reaper/kinds/rds-instance";
import type { DiscoveredResource } from "../../../reaper/kinds/resource-kind";
import { secretAdapter } from "../../../reaper/kinds/secret";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

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

async function listed(adapter: typeof rdsInstanceAdapter, id: string): Promise<DiscoveredResource> {
  const found = (await adapter.list(ctx())).resources.find((r) => r.id === id);
  if (!found) throw new Error(`${adapter.kind} ${id} was not listed`);
  return found;
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
    const resource = await listed(rdsInstanceAdapter, `${env}-db`);
    expect(await rdsInstanceAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect(await rdsInstanceAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect((await listed(rdsInstanceAdapter, `${env}-db`)).tags).toEqual({ ...managedTags(env), "ephemera:state": "paused" });
  });

  it("pause stops the instance and a second pause is already done", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listed(rdsInstanceAdapter, `${env}-db`);
    const first = await rdsInstanceAdapter.pause!(ctx(), resource);
    expect(first).toMatchObject({ ok: true, requestId: expect.any(String) });
    expect(first.alreadyDone).toBeUndefined();
    expect(await status(`${env}-db`)).toBe("stopped");
    expect(await rdsInstanceAdapter.pause!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("resume starts a stopped instance and a second resume is already done", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listed(rdsInstanceAdapter, `${env}-db`);
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
    const resource = await listed(rdsInstanceAdapter, `${env}-db`);
    const result = await rdsInstanceAdapter.delete(ctx(), resource, { finalSnapshotName: `${env}-final` });
    expect(result).toMatchObject({ ok: true, facts: { finalSnapshot: `${env}-final` } });
    const snapshots = await ctx().rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `${env}-final` }));
    expect(snapshots.DBSnapshots?.map((s) => s.DBInstanceIdentifier)).toEqual([`${env}-db`]);
  });

  it("delete without a snapshot name skips the final snapshot", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listed(rdsInstanceAdapter, `${env}-db`);
    expect(await rdsInstanceAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    const snapshots = await ctx().rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: `${env}-db` }));
    expect(snapshots.DBSnapshots).toEqual([]);
  });

  it("a second delete is already done", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    const resource = await listed(rdsInstanceAdapter, `${env}-db`);
    await rdsInstanceAdapter.delete(ctx(), resource, {});
    expect(await rdsInstanceAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
    expect((await rdsInstanceAdapter.list(ctx())).resources.map((r) => r.id)).not.toContain(`${env}-db`);
  });

  it("pausing an instance that is gone fails with RDS's code", async () => {
    const gone: DiscoveredResource = { kind: "rds-instance", id: "never-existed", region: "us-east-1", tags: managedTags("pr-x") };
    expect(await rdsInstanceAdapter.pause!(ctx(), gone)).toMatchObject({ ok: false, code: "DBInstanceNotFoundFault" });
  });
});

async function subnetGroup(name: string, tags: Record<string, string> | undefined): Promise<void> {
  const vpc = await ctx().ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnets = await Promise.all(
    ["a", "b"].map((zone, i) =>
      ctx().ec2.send(
        new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `us-east-1${zone}` }),
      ),
    ),
  );
  await ctx().rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: name,
      DBSubnetGroupDescription: "test",
      SubnetIds: subnets.map((s) => s.Subnet!.SubnetId!),
      ...(tags ? { Tags: asTagList(tags) } : {}),
    }),
  );
}

describe("db-subnet-group adapter", () => {
  it("lists DB subnet groups tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    await subnetGroup(`${env}-untagged`, undefined);
    await subnetGroup(`${env}-theirs`, otherManagedTags(env));
    const { resources, failures } = await dbSubnetGroupAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-untagged`);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-theirs`);
    expect(ofEnv(resources, env)).toEqual([
      expect.objectContaining({
        kind: "db-subnet-group",
        id: `${env}-subnets`,
        arn: `arn:aws:rds:us-east-1:123456789012:subgrp:${env}-subnets`,
        tags: managedTags(env),
      }),
    ]);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    const resource = await listed(dbSubnetGroupAdapter, `${env}-subnets`);
    expect(await dbSubnetGroupAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listed(dbSubnetGroupAdapter, `${env}-subnets`)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete removes the group and a second delete is already done", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    const resource = await listed(dbSubnetGroupAdapter, `${env}-subnets`);
    expect(await dbSubnetGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    await expect(ctx().rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: `${env}-subnets` }))).rejects.toThrow();
    expect(await dbSubnetGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("a group still used by a database fails with RDS's code", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    const resource = await listed(dbSubnetGroupAdapter, `${env}-subnets`);
    // moto 5.2.1 deletes a subnet group in use, so AWS's answer is injected into the client.
    ctx().rds.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteDBSubnetGroupCommand") {
          throw new RDSServiceException({
            name: "InvalidDBSubnetGroupStateFault",
            $fault: "client",
            $metadata: { httpStatusCode: 400, requestId: "req-in-use" },
            message: "Cannot delete the subnet group because at least one database instance is still using it.",
          });
        }
        return next(args);
      },
      { step: "initialize", name: "awsSubnetGroupInUse" },
    );
    expect(await dbSubnetGroupAdapter.delete(ctx(), resource, {})).toMatchObject({
      ok: false,
      code: "InvalidDBSubnetGroupStateFault",
      requestId: "req-in-use",
    });
  });
});

async function secret(name: string, tags: Record<string, string> | undefined): Promise<string> {
  const out = await ctx().secretsManager.send(
    new CreateSecretCommand({ Name: name, SecretString: "s3cr3t", ...(tags ? { Tags: asTagList(tags) } : {}) }),
  );
  return out.ARN!;
}

describe("secret adapter", () => {
  it("lists secrets tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    const arn = await secret(`${env}/db-password`, managedTags(env));
    await secret(`${env}/untagged`, undefined);
    await secret(`${env}/theirs`, otherManagedTags(env));
    // Another tag whose value is "ephemera" must not pass the tag-value filter on its own.
    await secret(`${env}/lookalike`, { "ephemera:managed-by": "someone", team: "ephemera" });
    const { resources, failures } = await secretAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(resources.filter((r) => r.id.startsWith(`${env}/`))).toEqual([
      { kind: "secret", id: `${env}/db-password`, arn, region: "us-east-1", tags: managedTags(env) },
    ]);
  });

  it("does not list a secret already scheduled for deletion", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    await ctx().secretsManager.send(new DeleteSecretCommand({ SecretId: `${env}/db-password`, RecoveryWindowInDays: 7 }));
    expect(ofEnv((await secretAdapter.list(ctx())).resources, env)).toEqual([]);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listed(secretAdapter, `${env}/db-password`);
    expect(await secretAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listed(secretAdapter, `${env}/db-password`)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete schedules the secret for deletion after a 7-day recovery window", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listed(secretAdapter, `${env}/db-password`);
    const before = Date.now();
    expect(await secretAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    const described = await ctx().secretsManager.send(new DescribeSecretCommand({ SecretId: resource.arn }));
    const days = (described.DeletedDate!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });

  it("a second delete is already done", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listed(secretAdapter, `${env}/db-password`);
    await secretAdapter.delete(ctx(), resource, {});
    expect(await secretAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("deleting a secret that no longer exists at all is already done", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listed(secretAdapter, `${env}/db-password`);
    await ctx().secretsManager.send(new DeleteSecretCommand({ SecretId: resource.arn, ForceDeleteWithoutRecovery: true }));
    expect(await secretAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });
});
