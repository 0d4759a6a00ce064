import { CreateSubnetCommand, CreateVpcCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { CreateDBSnapshotCommand, CreateDBSubnetGroupCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, type ModifyDBInstanceCommandInput } from "@aws-sdk/client-rds";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { parseDatabaseCredentials, POOL_TAG_KEYS, poolMemberSecurityGroupDescription, TAG } from "../../../../reaper/model";
import { findCredentialsSecret, rdsInstanceAdapter } from "../../../../reaper/kinds/rds-instance";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { createDatabase, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext, listedById } from "./kind-test-context";

const { ctx } = useKindContext();

async function database(id: string, tags: Record<string, string> | undefined, options: { readonly rdsManagedSecret?: boolean } = {}): Promise<void> {
  await createDatabase(ctx(), id, tags, options.rdsManagedSecret === true ? { ManageMasterUserPassword: true, MasterUserPassword: undefined } : {});
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

  it("restore makes a pool database its own security group first, with its tags and no ingress, and restores into it as SnapshotDatabase declares", async () => {
    const env = uniqueEnv();
    await createDatabase(ctx(), `${env}-base`, undefined, { BackupRetentionPeriod: 7 });
    await ctx().rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: `${env}-base`, DBSnapshotIdentifier: `${env}-base-1` }));
    const vpcId = (await ctx().ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }))).Vpc!.VpcId!;
    const subnets = await Promise.all(["a", "b"].map(async (az, i) => (await ctx().ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.9.${i}.0/24`, AvailabilityZone: `us-east-1${az}` }))).Subnet!.SubnetId!));
    await ctx().rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: `${env}-pool`, DBSubnetGroupDescription: "pool", SubnetIds: subnets }));
    const id = `ephemera-pool-default-${env}`;
    const tags = { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: `${env}-base-1` };
    const member: DiscoveredResource = { kind: "rds-instance", id, region: "us-east-1", tags };
    const from = { snapshot: `${env}-base-1`, instanceClass: "db.t4g.micro", subnetGroup: `${env}-pool`, securityGroup: { vpcId, name: id } };

    const restored = await rdsInstanceAdapter.restore!(ctx(), member, from);
    expect(restored).toMatchObject({ ok: true, facts: { securityGroup: expect.stringMatching(/^sg-/) } });
    const groups = (await ctx().ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [id] }] }))).SecurityGroups!;
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ GroupId: restored.facts!.securityGroup, VpcId: vpcId, Description: poolMemberSecurityGroupDescription(id), IpPermissions: [] });
    expect(Object.fromEntries(groups[0]!.Tags!.map((t) => [t.Key, t.Value]))).toEqual(tags);
    const db = (await ctx().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
    // The database records the snapshot it came from (ephemera:baseline): the claiming environment's baseline checkpoint.
    const dbTags = Object.fromEntries(db.TagList!.map((t) => [t.Key, t.Value]));
    expect(dbTags).toEqual(tags);
    expect(Object.keys(dbTags).sort()).toEqual([...POOL_TAG_KEYS].sort());
    expect(db).toMatchObject({ BackupRetentionPeriod: 0, AutoMinorVersionUpgrade: true, DeletionProtection: false, MultiAZ: false, CopyTagsToSnapshot: true });
    expect(db.VpcSecurityGroups!.map((g) => g.VpcSecurityGroupId)).toEqual([restored.facts!.securityGroup]);

    // A retry (its answer lost) finds the group by its name and the database by its identifier: nothing twice.
    expect(await rdsInstanceAdapter.restore!(ctx(), member, from)).toMatchObject({ ok: true, alreadyDone: true, facts: { securityGroup: restored.facts!.securityGroup } });
    expect((await ctx().ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [id] }] }))).SecurityGroups).toHaveLength(1);
    expect((await listedById(ctx(), rdsInstanceAdapter, id)).facts).toMatchObject({ securityGroups: restored.facts!.securityGroup });
  });

  it("checkpoint takes a manual snapshot with the given tags; a retry is already done, a same-named snapshot of another database is not", async () => {
    const env = uniqueEnv();
    await database(`${env}-db`, managedTags(env));
    await database(`${env}-other`, managedTags(env));
    const resource = await listedById(ctx(), rdsInstanceAdapter, `${env}-db`);
    const snapshot = `ephemera-${env}-20260501120000`;
    const tags = { ...managedTags(env), [TAG.checkpoint]: "before-migration" };
    const first = await rdsInstanceAdapter.checkpoint!(ctx(), resource, snapshot, tags);
    expect(first).toMatchObject({ ok: true, requestId: expect.any(String), facts: { snapshot } });
    expect(first.alreadyDone).toBeUndefined();
    const taken = (await ctx().rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshot }))).DBSnapshots![0]!;
    expect(taken.DBInstanceIdentifier).toBe(`${env}-db`);
    expect(Object.fromEntries(taken.TagList!.map((t) => [t.Key, t.Value]))).toEqual(tags);
    expect(await rdsInstanceAdapter.checkpoint!(ctx(), resource, snapshot, tags)).toMatchObject({ ok: true, alreadyDone: true });
    const other = await listedById(ctx(), rdsInstanceAdapter, `${env}-other`);
    expect(await rdsInstanceAdapter.checkpoint!(ctx(), other, snapshot, tags)).toMatchObject({ ok: false, code: expect.stringMatching(/^DBSnapshotAlreadyExists/) });
  });

  describe("rotateCredentials (a claimed pool database)", () => {
    /** The ModifyDBInstance requests the adapter sends while `run` runs. */
    async function modificationsDuring(run: () => Promise<unknown>): Promise<ModifyDBInstanceCommandInput[]> {
      const sent: ModifyDBInstanceCommandInput[] = [];
      const name = `capture-${Math.random().toString(16).slice(2)}`;
      ctx().rds.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === "ModifyDBInstanceCommand") sent.push(args.input as ModifyDBInstanceCommandInput);
          return next(args);
        },
        { step: "initialize", name },
      );
      try {
        await run();
      } finally {
        ctx().rds.middlewareStack.remove(name);
      }
      return sent;
    }

    const secretValue = async (arn: string) => parseDatabaseCredentials((await ctx().secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!);
    const secretTags = async (arn: string) => Object.fromEntries(((await ctx().secretsManager.send(new DescribeSecretCommand({ SecretId: arn }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));

    it("sets a new password on the database and writes it, with the address, to the environment's own credentials secret, created tagged as the environment's", async () => {
      const env = uniqueEnv();
      const id = `ephemera-pool-default-${env.replace(/[^0-9a-z]/g, "").slice(-8)}`;
      await database(id, { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm" });
      const resource = await listedById(ctx(), rdsInstanceAdapter, id);
      const tags = { ...managedTags(env), [TAG.state]: "active" };
      let result: unknown;
      const sent = await modificationsDuring(async () => {
        result = await rdsInstanceAdapter.rotateCredentials!(ctx(), resource, { env, tags });
      });
      expect(result).toMatchObject({ ok: true, facts: { secretArn: expect.stringMatching(new RegExp(`:secret:${id}-credentials-[0-9a-f]{8}-\\w{6}$`)), secret: "created" } });
      const arn = (result as { facts: { secretArn: string } }).facts.secretArn;
      const db = (await ctx().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
      const credentials = await secretValue(arn);
      expect(credentials).toEqual({ engine: "postgres", host: db.Endpoint!.Address, port: db.Endpoint!.Port, username: "app", password: expect.stringMatching(/^[A-Za-z0-9]{32}$/), dbInstanceIdentifier: id });
      // The password the secret holds is the one set on the database, and RDS keeps no secret of its own.
      expect(sent).toEqual([{ DBInstanceIdentifier: id, ApplyImmediately: true, MasterUserPassword: credentials.password }]);
      expect(db.MasterUserSecret).toBeUndefined();
      expect(await secretTags(arn)).toEqual(tags);
      expect(await findCredentialsSecret(ctx(), id, env)).toBe(arn);
    });

    it("a retry finds the secret it created and writes the newer password there; another environment's secret is never it", async () => {
      const env = uniqueEnv();
      const id = `ephemera-pool-default-${env.replace(/[^0-9a-z]/g, "").slice(-8)}`;
      await database(id, { [TAG.managedBy]: "ephemera", [TAG.pool]: "default" });
      const resource = await listedById(ctx(), rdsInstanceAdapter, id);
      const first = await rdsInstanceAdapter.rotateCredentials!(ctx(), resource, { env, tags: managedTags(env) });
      const firstArn = String(first.facts?.secretArn);
      const firstPassword = (await secretValue(firstArn)).password;
      const again = await rdsInstanceAdapter.rotateCredentials!(ctx(), resource, { env, tags: managedTags(env) });
      expect(again).toMatchObject({ ok: true, facts: { secretArn: firstArn, secret: "found" } });
      expect((await secretValue(firstArn)).password).not.toBe(firstPassword);
      const other = `${env}-other`;
      const theirs = await rdsInstanceAdapter.rotateCredentials!(ctx(), resource, { env: other, tags: managedTags(other) });
      expect(theirs).toMatchObject({ ok: true, facts: { secret: "created" } });
      expect(theirs.facts?.secretArn).not.toBe(firstArn);
      expect(await findCredentialsSecret(ctx(), id, env)).toBe(firstArn);
    });

    it("turns off an RDS-managed secret the database had (a pool database from before), setting the password in the same call", async () => {
      const env = uniqueEnv();
      const id = `ephemera-pool-default-${env.replace(/[^0-9a-z]/g, "").slice(-8)}`;
      await database(id, { [TAG.managedBy]: "ephemera", [TAG.pool]: "default" }, { rdsManagedSecret: true });
      const resource = await listedById(ctx(), rdsInstanceAdapter, id);
      let result: unknown;
      const sent = await modificationsDuring(async () => {
        result = await rdsInstanceAdapter.rotateCredentials!(ctx(), resource, { env, tags: managedTags(env) });
      });
      expect(result).toMatchObject({ ok: true, facts: { rdsManagedSecret: "turned off" } });
      expect(sent).toEqual([{ DBInstanceIdentifier: id, ApplyImmediately: true, MasterUserPassword: expect.stringMatching(/^[A-Za-z0-9]{32}$/), ManageMasterUserPassword: false }]);
      expect((await ctx().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!.MasterUserSecret).toBeUndefined();
    });

    it("fails with RDS's code for a database that is gone, and creates no secret", async () => {
      const env = uniqueEnv();
      const gone: DiscoveredResource = { kind: "rds-instance", id: `${env}-gone`, region: "us-east-1", tags: managedTags(env) };
      expect(await rdsInstanceAdapter.rotateCredentials!(ctx(), gone, { env, tags: managedTags(env) })).toMatchObject({ ok: false, code: "DBInstanceNotFoundFault" });
      expect(await findCredentialsSecret(ctx(), gone.id, env)).toBeUndefined();
    });
  });

  it("pausing an instance that is gone fails with RDS's code", async () => {
    const gone: DiscoveredResource = { kind: "rds-instance", id: "never-existed", region: "us-east-1", tags: managedTags("pr-x") };
    expect(await rdsInstanceAdapter.pause!(ctx(), gone)).toMatchObject({ ok: false, code: "DBInstanceNotFoundFault" });
  });
});
