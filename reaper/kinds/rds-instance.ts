import {
  AddTagsToResourceCommand,
  CreateDBSnapshotCommand,
  type DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  paginateDescribeDBInstances,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from "@aws-sdk/client-rds";
import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { CreateSecretCommand, GetSecretValueCommand, paginateListSecrets, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { randomBytes, randomInt } from "node:crypto";
import {
  CHECKPOINT_PREFIX,
  CREDENTIALS_SECRET_NAME_PATTERN,
  credentialsSecretDescription,
  credentialsSecretNamePrefix,
  DATABASE_PASSWORD_LENGTH,
  type DatabaseCredentials,
  FINAL_SNAPSHOT_PREFIX,
  formatDatabaseCredentials,
  parseDatabaseCredentials,
  isManagedByEphemera,
  MANAGED_BY_VALUE,
  POOL_MEMBER_PREFIX,
  POOL_TAG_KEYS,
  ROLLBACK_REPLACED_SUFFIX,
  ROLLBACK_STAGED_SUFFIX,
  poolMemberSecurityGroupDescription,
  TAG,
} from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, failed, hasCode, listingFailure, refused } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, RollbackSteps, Waiting } from "../contracts/kind-adapter";
import type { MeteredUsage } from "../contracts/metered-usage";
import type { CheckpointRestoreSpec, CredentialsSecretSpec, RestoreSpec } from "../contracts/plan";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const rdsInstanceRow = {
  what: "RDS DB instances (DescribeDBInstances, tags read from its answer)",
  how: {
    find: "`DescribeDBInstances`, filtered on `TagList`",
    pause: "`StopDBInstance` / `StartDBInstance`. An instance already stopping or stopped (or already starting or available, on resume) counts as done.",
    delete: "`DeleteDBInstance` with `DeleteAutomatedBackups`. With `SkipFinalSnapshot`, or with `FinalDBSnapshotIdentifier` for `snapshot-delete`.",
  },
  deletePhase: "database",
  pausePhase: "database",
  holdsData: true,
  restartedStatus: "available",
  reportsSpend: false,
  metered: true,
  iam: {
    discover: ["rds:DescribeDBInstances"],
    tag: { actions: ["rds:AddTagsToResource"], on: [inRegion("rds", "db:*")], scope: "managed" },
    pause: { actions: ["rds:StopDBInstance", "rds:StartDBInstance"], on: [inRegion("rds", "db:*")], scope: "managed" },
    // CreateDBSnapshot on the instance: the final snapshot is taken by DeleteDBInstance.
    delete: { actions: ["rds:DeleteDBInstance", "rds:CreateDBSnapshot"], on: [inRegion("rds", "db:*")], scope: "managed" },
    finalSnapshot: { actions: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"], on: [inRegion("rds", `snapshot:${FINAL_SNAPSHOT_PREFIX}*`)], scope: "name" },
    // Only pool databases are claimed: the new password (MasterUserPassword), and turning off an RDS-managed secret.
    credentials: { actions: ["rds:ModifyDBInstance"], on: [inRegion("rds", `db:${POOL_MEMBER_PREFIX}*`)], scope: "managed" },
    // The environment's credentials secret, created with its tags (CreateSecret checks them as
    // TagResource): only under the credentials name pattern, only tagged managed, with ephemera: keys alone.
    credentialsSecret: {
      actions: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      on: [inRegion("secretsmanager", `secret:${CREDENTIALS_SECRET_NAME_PATTERN}`)],
      scope: "name",
      condition: {
        StringEquals: { [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY_VALUE },
        "ForAllValues:StringLike": { "aws:TagKeys": ["ephemera:*"] },
      },
    },
    // A retried claim writes the secret it created before: only a managed one, under the pattern.
    credentialsValue: { actions: ["secretsmanager:PutSecretValue"], on: [inRegion("secretsmanager", `secret:${CREDENTIALS_SECRET_NAME_PATTERN}`)], scope: "managed" },
    // RDS checks a restore against the new instance, the snapshot, and the groups it lands in:
    // the snapshot and the subnet group are the pool's own, which the reaper's policy adds
    // (constructs/private/reaper-policy.ts); the option and parameter groups are the snapshot's
    // or the engine's defaults, named by neither the pool nor the restore.
    restore: {
      actions: ["rds:RestoreDBInstanceFromDBSnapshot"],
      on: [inRegion("rds", `db:${POOL_MEMBER_PREFIX}*`), inRegion("rds", "og:*"), inRegion("rds", "pg:*")],
      scope: "name",
      // Only the tags a warm database is restored with.
      condition: { "ForAllValues:StringEquals": { "aws:TagKeys": POOL_TAG_KEYS } },
    },
    restoreTags: {
      actions: ["rds:AddTagsToResource"],
      on: [inRegion("rds", `db:${POOL_MEMBER_PREFIX}*`)],
      scope: "name",
      condition: { "ForAllValues:StringEquals": { "aws:TagKeys": POOL_TAG_KEYS } },
    },
    // The new database's own security group, made by its restore before the database: only
    // tagged managed, with the pool's tag keys alone, and only in the pool's VPC (the reaper's
    // policy adds that VPC to `on`: EC2 checks CreateSecurityGroup against the group and its VPC).
    restoreSecurityGroup: {
      actions: ["ec2:CreateSecurityGroup"],
      on: [inRegion("ec2", "security-group/*")],
      scope: "name",
      condition: { StringEquals: { [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY_VALUE }, "ForAllValues:StringEquals": { "aws:TagKeys": POOL_TAG_KEYS } },
    },
    // Those tags, and only as CreateSecurityGroup writes them: never on a group that exists.
    restoreSecurityGroupTags: {
      actions: ["ec2:CreateTags"],
      on: [inRegion("ec2", "security-group/*")],
      scope: "name",
      condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, "ForAllValues:StringEquals": { "aws:TagKeys": POOL_TAG_KEYS } },
    },
    // A rollback: on the environment's own database alone (managed, with an ephemera:env)...
    rollback: {
      actions: ["rds:ModifyDBInstance", "rds:StartDBInstance", "rds:StopDBInstance", "rds:DeleteDBInstance", "rds:CreateDBSnapshot"],
      on: [inRegion("rds", "db:*")],
      scope: "managed",
      condition: { Null: { [`aws:ResourceTag/${TAG.env}`]: "false" } },
    },
    // ...its restored copy, new: by its name, tagged managed and an environment's, ephemera: keys only...
    rollbackRestore: {
      actions: ["rds:RestoreDBInstanceFromDBSnapshot", "rds:AddTagsToResource"],
      on: [inRegion("rds", `db:*${ROLLBACK_STAGED_SUFFIX}`)],
      scope: "name",
      condition: {
        StringEquals: { [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY_VALUE },
        Null: { [`aws:RequestTag/${TAG.env}`]: "false" },
        "ForAllValues:StringLike": { "aws:TagKeys": ["ephemera:*"] },
      },
    },
    // ...restored from a checkpoint (managed, tagged one), into the snapshot's or the engine's option and parameter groups and its subnet group...
    rollbackSource: {
      actions: ["rds:RestoreDBInstanceFromDBSnapshot"],
      on: [inRegion("rds", `snapshot:${CHECKPOINT_PREFIX}*`)],
      scope: "managed",
      condition: { Null: { [`aws:ResourceTag/${TAG.checkpoint}`]: "false" } },
    },
    rollbackGroups: { actions: ["rds:RestoreDBInstanceFromDBSnapshot"], on: [inRegion("rds", "og:*"), inRegion("rds", "pg:*"), inRegion("rds", "subgrp:*")], scope: "name" },
    // ...the replaced database's final snapshot, by its name (it takes the database's tags)...
    rollbackFinalSnapshot: {
      actions: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
      on: [inRegion("rds", `snapshot:${CHECKPOINT_PREFIX}*${ROLLBACK_REPLACED_SUFFIX}*`)],
      scope: "name",
    },
    // ...and the environment's password, set on the copy: only a managed credentials secret's.
    rollbackSecret: { actions: ["secretsmanager:GetSecretValue"], on: [inRegion("secretsmanager", `secret:${CREDENTIALS_SECRET_NAME_PATTERN}`)], scope: "managed" },
    // A checkpoint: only of an environment's database (managed, with an ephemera:env; not a warm pool database)...
    checkpoint: { actions: ["rds:CreateDBSnapshot"], on: [inRegion("rds", "db:*")], scope: "managed", condition: { Null: { [`aws:ResourceTag/${TAG.env}`]: "false" } } },
    // ...into a new snapshot named ephemera-*, tagged managed and ephemera:checkpoint with ephemera: keys only. RDS has no
    // CreateAction key: a snapshot that already carries the managed tag (every checkpoint, every final snapshot) is never tagged.
    checkpointSnapshot: {
      actions: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
      on: [inRegion("rds", `snapshot:${CHECKPOINT_PREFIX}*`)],
      scope: "name",
      condition: {
        StringEquals: { [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY_VALUE },
        Null: { [`aws:RequestTag/${TAG.checkpoint}`]: "false", [`aws:ResourceTag/${TAG.managedBy}`]: "true" },
        "ForAllValues:StringLike": { "aws:TagKeys": ["ephemera:*"] },
      },
    },
  },
} satisfies KindRow;

/**
 * RDS DB instances.
 *
 * Discovery: DescribeDBInstances, paginated, filtered here on its TagList. It gives
 * the status (`available`, `stopped`, ...) decide needs, in one call per 100
 * instances; `tag:` filters would be neater, but moto rejects them.
 *
 * Rotating credentials (a claimed pool database) sets a new master password, generated
 * here, and writes it with the database's address to the environment's credentials secret
 * (created tagged as the environment's, or found when a retry made it before): first the
 * secret, then the database, so a failure half-way leaves the secret with the password a
 * retry sets again. An RDS-managed secret the database had (a pool database restored
 * before pool members stopped having one) is turned off: RDS deletes it.
 *
 * Pause stops the instance (AWS starts a stopped instance again after 7 days; the
 * engine's `restop` pauses it again). An instance already stopped or stopping, or on
 * resume already available or starting, counts as done.
 */
export const rdsInstanceAdapter: KindAdapter<KindContext> = {
  kind: "rds-instance",

  async list(ctx) {
    try {
      const instances = await describeAll(ctx);
      const managed = instances.filter((db) => isManagedByEphemera(tagsFromList(db.TagList)));
      return { resources: managed.map((db) => toResource(ctx, db)), failures: [], usage: managed.flatMap((db) => toUsage(ctx, db) ?? []) };
    } catch (err) {
      return { resources: [], failures: [listingFailure("rds-instance", `region ${ctx.region}`, err)] };
    }
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const arn = resource.arn ?? (await describeOne(ctx, resource.id))?.DBInstanceArn;
      if (arn === undefined) throw notFound(resource.id);
      const out = await ctx.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  pause(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: resource.id }));
        return done(out.$metadata.requestId, { status: out.DBInstance?.DBInstanceStatus ?? "stopping" });
      } catch (err) {
        return settleStateFault(ctx, resource.id, err, ["stopped", "stopping"], "the instance is already stopped");
      }
    });
  },

  resume(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: resource.id }));
        return done(out.$metadata.requestId, { status: out.DBInstance?.DBInstanceStatus ?? "starting" });
      } catch (err) {
        return settleStateFault(ctx, resource.id, err, ["available", "starting"], "the instance is already running");
      }
    });
  },

  restore(ctx, resource, from) {
    return attempt(async () => {
      const securityGroup = await memberSecurityGroup(ctx, from.securityGroup, resource.tags);
      try {
        const out = await ctx.rds.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: resource.id,
            DBSnapshotIdentifier: from.snapshot,
            DBInstanceClass: from.instanceClass,
            DBSubnetGroupName: from.subnetGroup,
            VpcSecurityGroupIds: [securityGroup],
            PubliclyAccessible: false,
            MultiAZ: false,
            DeletionProtection: false,
            CopyTagsToSnapshot: true,
            // As SnapshotDatabase declares them, so that the claiming environment's import changes nothing.
            BackupRetentionPeriod: 0,
            AutoMinorVersionUpgrade: true,
            // With ephemera:baseline, the snapshot it came from: the environment that claims it has that checkpoint, `baseline`, from birth.
            Tags: tagList(resource.tags),
          }),
        );
        return done(out.$metadata.requestId, { status: out.DBInstance?.DBInstanceStatus ?? "creating", securityGroup });
      } catch (err) {
        // Restored by an earlier try whose answer was lost: the same identifier, so it stands.
        if (hasCode(err, "DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault")) return alreadyDone("the database already exists", undefined, { securityGroup });
        throw err;
      }
    });
  },

  checkpoint(ctx, resource, snapshot, tags) {
    return attempt(async () => {
      try {
        const out = await ctx.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: resource.id, DBSnapshotIdentifier: snapshot, Tags: tagList(tags) }));
        return done(out.$metadata.requestId, { snapshot, status: out.DBSnapshot?.Status ?? "creating" });
      } catch (err) {
        if (!hasCode(err, "DBSnapshotAlreadyExists", "DBSnapshotAlreadyExistsFault")) throw err;
        // Taken by an earlier try whose answer was lost: done, if it is a snapshot of this instance.
        const existing = (await ctx.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshot }))).DBSnapshots?.[0];
        if (existing?.DBInstanceIdentifier !== resource.id) return failed(err);
        return alreadyDone("the snapshot already exists", undefined, { snapshot, status: existing.Status ?? "unknown" });
      }
    });
  },

  rotateCredentials(ctx, resource, secret) {
    return attempt(async () => {
      const db = await describeOne(ctx, resource.id);
      if (db === undefined) throw notFound(resource.id);
      const password = newMasterPassword();
      const written = await writeCredentialsSecret(ctx, resource.id, secret, credentialsOf(db, password));
      const rdsManaged = db.MasterUserSecret?.SecretArn !== undefined;
      const out = await ctx.rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: resource.id,
          ApplyImmediately: true,
          MasterUserPassword: password,
          ...(rdsManaged ? { ManageMasterUserPassword: false } : {}),
        }),
      );
      return done(out.$metadata.requestId, { secretArn: written.arn, secret: written.created ? "created" : "found", ...(rdsManaged ? { rdsManagedSecret: "turned off" } : {}) });
    });
  },

  rollbackSteps: {
    restoreCheckpoint(ctx, resource, from, waiting) {
      return attempt(async () => {
        const restored = await restoreFromCheckpoint(ctx, resource, from);
        return waitUntilAvailable(ctx, resource.id, waiting, restored.requestId, restored.existed ? "an earlier try restored it" : undefined);
      });
    },

    rename(ctx, resource, to, waiting) {
      return attempt(async () => {
        const before = await describeOne(ctx, resource.id);
        if (before === undefined) {
          if ((await describeOne(ctx, to)) === undefined) throw notFound(resource.id);
          return waitUntilAvailable(ctx, to, waiting, undefined, "already renamed");
        }
        // RDS renames only an available database: one starting (a paused environment's) is waited for first.
        await waitUntilAvailable(ctx, resource.id, waiting);
        // CopyTagsToSnapshot: a replaced database's final snapshot takes its tags, and with them its mark as a checkpoint.
        const out = await ctx.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: resource.id, NewDBInstanceIdentifier: to, CopyTagsToSnapshot: true, ApplyImmediately: true }));
        return waitUntilAvailable(ctx, to, waiting, out.$metadata.requestId);
      });
    },

    setPassword(ctx, resource, secretArn, waiting) {
      return attempt(async () => {
        const secret = await ctx.secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn }));
        const { password } = parseDatabaseCredentials(secret.SecretString ?? "", { field: `the value of secret ${secretArn}` });
        await waitUntilAvailable(ctx, resource.id, waiting);
        const out = await ctx.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: resource.id, MasterUserPassword: password, ApplyImmediately: true }));
        return waitUntilAvailable(ctx, resource.id, waiting, out.$metadata.requestId);
      });
    },
  } satisfies RollbackSteps<KindContext>,

  delete(ctx, resource, options) {
    return attempt(async () => {
      const snapshot = options.finalSnapshotName;
      try {
        const out = await ctx.rds.send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: resource.id,
            DeleteAutomatedBackups: true,
            ...(snapshot === undefined ? { SkipFinalSnapshot: true } : { FinalDBSnapshotIdentifier: snapshot }),
          }),
        );
        return done(out.$metadata.requestId, snapshot === undefined ? undefined : { finalSnapshot: snapshot });
      } catch (err) {
        if (hasCode(err, "DBInstanceNotFoundFault", "DBInstanceNotFound")) return alreadyDone("the instance no longer exists");
        return settleStateFault(ctx, resource.id, err, ["deleting"], "the instance is already being deleted");
      }
    });
  },
};

/**
 * A new pool database's own security group, with its tags and no ingress: found by its name
 * in the pool's VPC when an earlier try created it, else created (a lost race to create it
 * finds the winner's). Its id.
 */
async function memberSecurityGroup(ctx: KindContext, group: RestoreSpec["securityGroup"], tags: Readonly<Record<string, string>>): Promise<string> {
  const find = async () =>
    (await ctx.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [group.vpcId] }, { Name: "group-name", Values: [group.name] }] }))).SecurityGroups?.[0]?.GroupId;
  const found = await find();
  if (found !== undefined) return found;
  try {
    const created = await ctx.ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: group.vpcId,
        GroupName: group.name,
        Description: poolMemberSecurityGroupDescription(group.name),
        TagSpecifications: [{ ResourceType: "security-group", Tags: tagList(tags) }],
      }),
    );
    return created.GroupId!;
  } catch (err) {
    const winner = hasCode(err, "InvalidGroup.Duplicate") ? await find() : undefined;
    if (winner === undefined) throw err;
    return winner;
  }
}

/** A master password: {@link DATABASE_PASSWORD_LENGTH} letters and digits from the CSPRNG (nothing RDS forbids, nothing to quote). */
function newMasterPassword(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: DATABASE_PASSWORD_LENGTH }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** The credentials secret's value for `db` with `password` (DatabaseCredentials). */
function credentialsOf(db: DBInstance, password: string): DatabaseCredentials {
  const { Engine: engine, Endpoint: endpoint, MasterUsername: username, DBInstanceIdentifier: dbInstanceIdentifier } = db;
  if (engine === undefined || endpoint?.Address === undefined || endpoint.Port === undefined || username === undefined || dbInstanceIdentifier === undefined) {
    throw new Error(`DB instance ${db.DBInstanceIdentifier ?? "?"} reports no engine, endpoint or master user yet (status ${db.DBInstanceStatus ?? "unknown"})`);
  }
  return { engine, host: endpoint.Address, port: endpoint.Port, username, password, dbInstanceIdentifier };
}

/**
 * Writes `credentials` to the environment's credentials secret of database `identifier`:
 * the one an earlier try created (found by its name prefix and the environment's tag), or a
 * new one, `<credentialsSecretNamePrefix><8 hex>`, created with the value and the
 * environment's tags in one call.
 */
async function writeCredentialsSecret(ctx: KindContext, identifier: string, spec: CredentialsSecretSpec, credentials: DatabaseCredentials): Promise<{ readonly arn: string; readonly created: boolean }> {
  const value = formatDatabaseCredentials(credentials);
  const found = await findCredentialsSecret(ctx, identifier, spec.env);
  if (found !== undefined) {
    await ctx.secretsManager.send(new PutSecretValueCommand({ SecretId: found, SecretString: value }));
    return { arn: found, created: false };
  }
  const created = await ctx.secretsManager.send(
    new CreateSecretCommand({
      Name: `${credentialsSecretNamePrefix(identifier)}${randomBytes(4).toString("hex")}`,
      Description: credentialsSecretDescription(spec.env, identifier),
      SecretString: value,
      Tags: tagList({ ...spec.tags, [TAG.managedBy]: MANAGED_BY_VALUE, [TAG.env]: spec.env }),
    }),
  );
  return { arn: created.ARN!, created: true };
}

/**
 * The ARN of environment `env`'s credentials secret of database `identifier`: managed, tagged
 * the environment's, named with the database's prefix, not scheduled for deletion; the
 * first by name when there are several. Undefined when there is none.
 */
export async function findCredentialsSecret(ctx: KindContext, identifier: string, env: string): Promise<string | undefined> {
  const prefix = credentialsSecretNamePrefix(identifier);
  const filters = [
    { Key: "name" as const, Values: [prefix] },
    { Key: "tag-key" as const, Values: [TAG.env] },
    { Key: "tag-value" as const, Values: [env] },
  ];
  const secrets = await allPages(paginateListSecrets({ client: ctx.secretsManager, pageSize: 100 }, { Filters: filters }), (page) => page.SecretList);
  const mine = secrets.filter((s) => {
    const tags = tagsFromList(s.Tags);
    return s.DeletedDate === undefined && s.Name?.startsWith(prefix) === true && tags[TAG.env] === env && isManagedByEphemera(tags);
  });
  return mine.sort((a, b) => (a.Name ?? "").localeCompare(b.Name ?? ""))[0]?.ARN;
}

/**
 * RDS answers InvalidDBInstanceStateFault both for "already in the state you want"
 * (stop a stopped instance) and for "busy" (stop one that is backing up). Only the
 * first is success, so the instance's status decides.
 */
async function settleStateFault(
  ctx: KindContext,
  id: string,
  err: unknown,
  doneStatuses: readonly string[],
  message: string,
) {
  if (!hasCode(err, "InvalidDBInstanceStateFault", "InvalidDBInstanceState")) return failed(err);
  const now = await describeOne(ctx, id);
  const status = now?.DBInstanceStatus;
  if (status !== undefined && doneStatuses.includes(status)) return alreadyDone(message, undefined, { status });
  return failed(err);
}

/** Restores the checkpoint as `resource.id`; one an earlier try restored is taken as is (`existed`). */
async function restoreFromCheckpoint(ctx: KindContext, resource: DiscoveredResource, from: CheckpointRestoreSpec): Promise<{ requestId?: string; existed: boolean }> {
  try {
    const out = await ctx.rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: resource.id,
        DBSnapshotIdentifier: from.snapshot,
        ...(from.instanceClass === "" ? {} : { DBInstanceClass: from.instanceClass }),
        ...(from.subnetGroup === "" ? {} : { DBSubnetGroupName: from.subnetGroup }),
        ...(from.securityGroupIds.length === 0 ? {} : { VpcSecurityGroupIds: [...from.securityGroupIds] }),
        PubliclyAccessible: false,
        MultiAZ: false,
        CopyTagsToSnapshot: true,
        DeletionProtection: false,
        BackupRetentionPeriod: 0,
        Tags: tagList(resource.tags),
      }),
    );
    return { ...(out.$metadata.requestId === undefined ? {} : { requestId: out.$metadata.requestId }), existed: false };
  } catch (err) {
    if (hasCode(err, "DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault")) return { existed: true };
    throw err;
  }
}

/** How long a rollback step waits for a database to be available: a restore on AWS takes minutes (docs/checkpoints.md). */
export const ROLLBACK_WAIT_MS = 60 * 60_000;

/**
 * Polls until the database is `available`, renewing the environment's lease at every poll; fails when the lease is lost or the wait runs out.
 * Not the SDK's `waitUntilDBInstanceAvailable`: it cannot renew a lease between its polls, and across a rename it fails on "not found" or returns before the reboot.
 */
async function waitUntilAvailable(ctx: KindContext, id: string, waiting: Waiting, requestId?: string, already?: string) {
  const started = Date.now();
  for (let delay = 1000; ; delay = Math.min(delay * 2, 15_000)) {
    const db = await describeOne(ctx, id);
    if (db?.DBInstanceStatus === "available") {
      const facts = { status: "available" };
      return already === undefined ? done(requestId, facts) : alreadyDone(already, requestId, facts);
    }
    if (!(await waiting.keepLease())) return refused("LeaseLost", `stopped waiting for ${id}: the environment's lease could not be renewed; run the rollback again to resume`);
    if (Date.now() - started > ROLLBACK_WAIT_MS) {
      return refused("StillInProgress", `${id} is ${db?.DBInstanceStatus ?? "missing"} after ${ROLLBACK_WAIT_MS / 60_000} min; run the rollback again to resume`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function describeAll(ctx: KindContext): Promise<DBInstance[]> {
  return allPages(paginateDescribeDBInstances({ client: ctx.rds, pageSize: 100 }, {}), (page) => page.DBInstances);
}

async function describeOne(ctx: KindContext, id: string): Promise<DBInstance | undefined> {
  try {
    const out = await ctx.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  } catch (err) {
    if (hasCode(err, "DBInstanceNotFoundFault", "DBInstanceNotFound")) return undefined;
    throw err;
  }
}

function notFound(id: string): Error {
  const err = new Error(`DB instance ${id} not found`);
  err.name = "DBInstanceNotFoundFault";
  return err;
}

/**
 * What the spend meter needs of a database: its class and engine, and its allocated
 * storage, billed from creation whether it runs or not. RDS bills the instance unless it
 * is stopped; it reports no time of the latest start, so its run is taken from creation.
 * An Aurora instance's storage belongs to its cluster and is not metered.
 */
function toUsage(ctx: KindContext, db: DBInstance): MeteredUsage | undefined {
  if (db.DBInstanceIdentifier === undefined || db.DBInstanceClass === undefined || db.InstanceCreateTime === undefined) return undefined;
  const since = db.InstanceCreateTime.toISOString();
  const multiAz = db.MultiAZ === true;
  const storage =
    db.DBClusterIdentifier === undefined && db.AllocatedStorage !== undefined && db.AllocatedStorage > 0
      ? { gb: db.AllocatedStorage, product: { kind: "rds-storage" as const, region: ctx.region, storageType: db.StorageType ?? "gp2", multiAz }, since }
      : undefined;
  return {
    kind: "rds-instance",
    id: db.DBInstanceIdentifier,
    region: ctx.region,
    tags: tagsFromList(db.TagList),
    status: db.DBInstanceStatus ?? "unknown",
    charging: db.DBInstanceStatus !== "stopped",
    runStart: since,
    compute: { kind: "rds", region: ctx.region, engine: db.Engine ?? "unknown", instanceClass: db.DBInstanceClass, multiAz },
    ...(storage === undefined ? {} : { storage }),
  };
}

function toResource(ctx: KindContext, db: DBInstance): DiscoveredResource {
  const facts: Record<string, string | number | boolean> = {};
  if (db.Engine !== undefined) facts.engine = db.Engine;
  if (db.DBInstanceClass !== undefined) facts.instanceClass = db.DBInstanceClass;
  if (db.DBClusterIdentifier !== undefined) facts.dbClusterIdentifier = db.DBClusterIdentifier;
  if (db.DeletionProtection !== undefined) facts.deletionProtection = db.DeletionProtection;
  if (db.InstanceCreateTime !== undefined) facts.createdAt = db.InstanceCreateTime.toISOString();
  const groups = (db.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId === undefined ? [] : [g.VpcSecurityGroupId]));
  if (groups.length > 0) facts.securityGroups = groups.join(",");
  if (db.DBSubnetGroup?.DBSubnetGroupName !== undefined) facts.subnetGroup = db.DBSubnetGroup.DBSubnetGroupName;
  return {
    kind: "rds-instance",
    id: db.DBInstanceIdentifier ?? "",
    ...(db.DBInstanceArn === undefined ? {} : { arn: db.DBInstanceArn }),
    region: ctx.region,
    tags: tagsFromList(db.TagList),
    ...(db.DBInstanceStatus === undefined ? {} : { status: db.DBInstanceStatus }),
    facts,
  };
}
