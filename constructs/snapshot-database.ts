import { DataAwsDbSnapshot } from "@cdktf/provider-aws/lib/data-aws-db-snapshot";
import { DataAwsSecretsmanagerRandomPassword } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password";
import { DbInstance, type DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { Annotations, Fn, Token } from "./core";
import { envIdProp, envScopedName, integerProp, isLiteral, nameProp, nonEmptyListProp, requiredStringProp } from "./private/props";
import {
  credentialsSecretDescription,
  credentialsSecretNamePrefix,
  DATABASE_PASSWORD_LENGTH,
  databaseCredentialsValue,
  InvalidValueError,
  isSecretArn,
  OnExpiry,
  parseOnExpiry,
  poolMemberSecurityGroupDescription,
  poolMemberSecurityGroupName,
  TAG,
} from "../reaper/model";

export interface SnapshotDatabaseProps {
  /** The environment this database belongs to; names its resources and final snapshot. */
  readonly envId: string;
  /**
   * What happens at expiry (the same value as the environment's `onExpiry` tag):
   * `snapshot-delete` keeps a final snapshot `ephemera-<identifier>-final-<yyyymmddhhmm>`
   * (stamped with the instance's creation time) when `terraform destroy` deletes the
   * instance; anything else deletes it without one.
   * @default delete
   */
  readonly onExpiry?: OnExpiry;
  /** The VPC the database's security group is created in. */
  readonly vpcId: string;
  /** Private subnets (in at least two Availability Zones) for the database's own DB subnet group. */
  readonly subnetIds: readonly string[];
  /**
   * The snapshot to restore (identifier, or ARN for a shared snapshot).
   * Give this or `sourceDbInstanceIdentifier`, not both.
   * @default - the latest snapshot of `sourceDbInstanceIdentifier`
   */
  readonly snapshotIdentifier?: string;
  /**
   * Restore the most recent snapshot (manual or automated) of this DB instance, looked
   * up at plan time. A newer snapshot later does not replace a running environment's
   * database: `snapshot_identifier` is in `ignore_changes`, so new baselines reach new
   * environments only. The lookup runs on every plan, so the instance must keep at least
   * one snapshot while environments restored from it exist.
   * @default - `snapshotIdentifier` is used
   */
  readonly sourceDbInstanceIdentifier?: string;
  /**
   * Security groups admitted on the database's port; more can be added with `allowFrom`.
   * @default - none: nothing can connect until allowFrom is called
   */
  readonly allowedSecurityGroupIds?: readonly string[];
  /**
   * The DB instance identifier (lowercase), also used for the subnet group, security group and final snapshot.
   * @default `<envId>-<construct id>`, e.g. `pr-123-database`
   */
  readonly identifier?: string;
  /**
   * @default db.t4g.micro
   */
  readonly instanceClass?: string;
  /**
   * Whether storage is encrypted. RDS cannot encrypt while restoring, so this must
   * match the snapshot: an unencrypted baseline must first be copied with a KMS key
   * (`aws rds copy-db-snapshot --kms-key-id ...`). With `sourceDbInstanceIdentifier`
   * a plan-time check says so; with `snapshotIdentifier` a mismatch shows as a
   * replacement on every plan.
   * @default true
   */
  readonly storageEncrypted?: boolean;
  /**
   * Blocks deletion by the reaper and by `terraform destroy` until switched off; a synth warning says so.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Days of automated backups (0 to 35). Above 0 a restore waits for a first full
   * backup and the backups cost money; a synth warning says so.
   * @default 0
   */
  readonly backupRetentionPeriod?: number;
  /**
   * A warm pool database the environment claimed (`ephemera claim`): taken into this
   * environment's state by Terraform imports instead of restored, so the apply waits for
   * no restore. It keeps the pool's DB subnet group, its class and its own security group
   * (imported too: this environment's rules are added to it), takes this environment's
   * tags, and is destroyed with the environment like a restored one. Its credentials
   * secret, which the claim created and wrote (with a password it set on the database),
   * is imported too, and no version of it is written here. Nothing the import reads back
   * differs from what is declared, so the apply modifies nothing on the database (no
   * `ModifyDBInstance`). The baseline props are still read, but only to fill the ignored
   * `snapshot_identifier`.
   * @default - a fresh restore
   */
  readonly claimed?: ClaimedDatabase;
}

/** A pool database claimed for the environment: its identifier, the pool's DB subnet group, its own security group and its credentials secret (`ephemera claim --json`). */
export interface ClaimedDatabase {
  readonly identifier: string;
  readonly subnetGroupName: string;
  /** The database's own security group (`securityGroupId` of `ephemera claim --json`), imported as the database's. */
  readonly securityGroupId: string;
  /** The environment's credentials secret the claim created and wrote (`secretArn` of `ephemera claim --json`), imported as the database's. */
  readonly secretArn: string;
}

const DEFAULT_INSTANCE_CLASS = "db.t4g.micro";
/** Days a deleted credentials secret can be restored: the reaper's own window (reaper/kinds/secret.ts), the shortest AWS allows. */
const SECRET_RECOVERY_WINDOW_DAYS = 7;
const CLAIMED_SECRET_EXAMPLE = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ephemera-pool-default-ab12cd34-credentials-1a2b3c4d-AbCdEf";

/**
 * A short-lived copy of a baseline database: an RDS instance restored from a
 * snapshot into private subnets, reachable only from the security groups it is
 * told about, with a master password of its own, so the copy never shares the
 * baseline's password.
 *
 * The credentials live in a Secrets Manager secret the environment owns
 * (`ephemera-<identifier>-credentials-<unique suffix>`, deleted with a 7-day recovery
 * window), not in an RDS-managed `rds!db-…` secret, which is bound to its instance: a
 * rollback that restores a snapshot into a new instance and swaps it in keeps this secret
 * and sets its password on the new instance. Its value is one JSON object,
 * `{engine, host, port, username, password, dbInstanceIdentifier}` (DatabaseCredentials).
 *
 * A restored database's password comes from the `aws_secretsmanager_random_password` data
 * source (32 letters and digits) and reaches the instance and the secret through
 * write-only arguments (`password_wo`, `secret_string_wo`, version 1), which Terraform
 * never stores for those resources and never diffs. The data source's own result is kept
 * in the Terraform state, though (cdktf 0.21 has no ephemeral resources, which would
 * avoid it): treat the state as secret, as it must be anyway. A claimed database's
 * password was set by the claim, which also wrote its secret.
 */
export class SnapshotDatabase extends Construct {
  /** `address:port` of the instance. */
  readonly endpoint: string;
  readonly address: string;
  readonly port: number;
  readonly securityGroupId: string;
  /** ARN of the environment's credentials secret: JSON `{engine, host, port, username, password, dbInstanceIdentifier}` (DatabaseCredentials). */
  readonly secretArn: string;
  /** The credentials secret (created here, or the claim's, imported). */
  readonly secret: SecretsmanagerSecret;
  readonly identifier: string;
  /** Escape hatch for settings this construct does not expose. */
  readonly instance: DbInstance;
  /** `pool` when a claimed database was imported, `restore` when this environment restored its own. */
  readonly source: "pool" | "restore";

  private readonly securityGroup: SecurityGroup;
  private readonly allowed: string[] = [];

  constructor(scope: Construct, id: string, props: SnapshotDatabaseProps) {
    super(scope, id);
    // The steps below create the constructs in this order, which the synthesized JSON follows.
    const config = checkProps(props, id);
    this.source = config.claimed === undefined ? "restore" : "pool";
    this.warnAboutCosts(config);
    const snapshotIdentifier = this.baselineSnapshot(props, config.storageEncrypted);
    const subnetGroupName = this.subnetGroupName(config);
    this.securityGroup = this.createSecurityGroup(props, config);
    this.securityGroupId = this.securityGroup.id;
    // A restore's password, generated at plan time; a claimed database's was set by the claim.
    const password =
      config.claimed === undefined ? new DataAwsSecretsmanagerRandomPassword(this, "password", { passwordLength: DATABASE_PASSWORD_LENGTH, excludePunctuation: true }).randomPassword : undefined;
    this.instance = this.createInstance(props, config, snapshotIdentifier, subnetGroupName, password);
    if (config.claimed !== undefined) this.instance.importFrom(config.claimed.identifier);
    this.identifier = this.instance.identifier;
    this.address = this.instance.address;
    this.port = this.instance.port;
    this.endpoint = this.instance.endpoint;
    this.secret = this.createSecret(config, password);
    this.secretArn = this.secret.arn;

    for (const sg of props.allowedSecurityGroupIds ?? []) this.allowFrom(sg);
  }

  /**
   * Admits connections from `securityGroupId` on the database's port.
   * Each call adds one ingress rule, whose construct id (`allow-<n>`) follows call order.
   *
   * @param description shown on the rule, e.g. "api pods"
   */
  allowFrom(securityGroupId: string, description?: string): VpcSecurityGroupIngressRule {
    requiredStringProp("securityGroupId", securityGroupId, "sg-0abc1234");
    if (isLiteral(securityGroupId) && this.allowed.includes(securityGroupId)) {
      throw new InvalidValueError("securityGroupId", securityGroupId, "is already allowed", "call allowFrom once per security group");
    }
    this.allowed.push(securityGroupId);
    return new VpcSecurityGroupIngressRule(this, `allow-${this.allowed.length}`, {
      securityGroupId: this.securityGroup.id,
      referencedSecurityGroupId: securityGroupId,
      ipProtocol: "tcp",
      fromPort: this.instance.port,
      toPort: this.instance.port,
      description,
    });
  }

  /**
   * The database's security group: its own, or for a claimed database the one the pool
   * restored it into, imported (its name and description, which Terraform cannot change in
   * place, are the pool's: poolMemberSecurityGroupName), so the database keeps its group.
   */
  private createSecurityGroup(props: SnapshotDatabaseProps, config: CheckedConfig): SecurityGroup {
    const { claimed, envId, identifier } = config;
    if (claimed !== undefined) {
      const group = new SecurityGroup(this, "security-group", {
        name: poolMemberSecurityGroupName(claimed.identifier),
        description: poolMemberSecurityGroupDescription(claimed.identifier),
        vpcId: props.vpcId,
      });
      group.importFrom(claimed.securityGroupId);
      return group;
    }
    return new SecurityGroup(this, "security-group", {
      name: `ephemera-${identifier}`,
      description: `Ephemera ${envId}: admits only the allowed security groups to database ${identifier}`,
      vpcId: props.vpcId,
    });
  }

  /**
   * The environment's credentials secret. A restore creates it with a unique name and writes
   * its one version (write-only: never in the state); a claim created and wrote it, so it is
   * imported, with no version here and neither name argument (both are read back on import).
   */
  private createSecret(config: CheckedConfig, password: string | undefined): SecretsmanagerSecret {
    const { claimed, envId, identifier } = config;
    const secret = new SecretsmanagerSecret(this, "credentials", {
      ...(claimed === undefined ? { namePrefix: credentialsSecretNamePrefix(identifier) } : {}),
      description: credentialsSecretDescription(envId, identifier),
      recoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS,
    });
    if (claimed !== undefined) {
      secret.importFrom(claimed.secretArn);
      return secret;
    }
    const { instance } = this;
    new SecretsmanagerSecretVersion(this, "credentials-value", {
      secretId: secret.id,
      secretStringWo: Fn.jsonencode(
        databaseCredentialsValue({ engine: instance.engine, host: instance.address, port: instance.port, username: instance.username, password, dbInstanceIdentifier: instance.identifier }),
      ),
      secretStringWoVersion: 1,
    });
    return secret;
  }

  /** Synth warnings for the settings that keep the database, or its bill, around. */
  private warnAboutCosts(config: CheckedConfig): void {
    if (config.deletionProtection === true) {
      Annotations.of(this).addWarning(
        "deletionProtection is true: neither the reaper nor `terraform destroy` can delete this database until it is switched off, so the environment outlives its TTL and keeps costing money",
      );
    }
    if (isLiteral(config.backupRetentionPeriod) && config.backupRetentionPeriod > 0) {
      Annotations.of(this).addWarning(
        `backupRetentionPeriod is ${config.backupRetentionPeriod}: the restore waits for a first full backup, and the backups are billed; 0 is right for a short-lived copy`,
      );
    }
  }

  /** A DB subnet group of the database's own, or the pool's for a claimed database. */
  private subnetGroupName(config: CheckedConfig): string {
    const { claimed, envId, identifier } = config;
    // A claimed database stays in the pool's subnet group: moving it would mean waiting on RDS for nothing.
    return (
      claimed?.subnetGroupName ??
      new DbSubnetGroup(this, "subnet-group", {
        name: identifier,
        description: `Ephemera ${envId}: private subnets of database ${identifier}`,
        subnetIds: [...config.subnetIds],
      }).name
    );
  }

  /** The instance, restored from `snapshotIdentifier` (or imported, when claimed), private, with `password` set write-only (a restore's). */
  private createInstance(props: SnapshotDatabaseProps, config: CheckedConfig, snapshotIdentifier: string, subnetGroupName: string, password: string | undefined): DbInstance {
    const { identifier, storageEncrypted, backupRetentionPeriod, deletionProtection } = config;
    return new DbInstance(this, "instance", {
      identifier,
      snapshotIdentifier,
      instanceClass: props.instanceClass ?? DEFAULT_INSTANCE_CLASS,
      dbSubnetGroupName: subnetGroupName,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: false,
      multiAz: false,
      storageEncrypted,
      // Write-only: sent once (version 1), never stored for the instance, never diffed.
      ...(password === undefined ? {} : { passwordWo: password, passwordWoVersion: 1 }),
      backupRetentionPeriod,
      deletionProtection,
      copyTagsToSnapshot: true,
      applyImmediately: true,
      autoMinorVersionUpgrade: true,
      performanceInsightsEnabled: false,
      deleteAutomatedBackups: true,
      skipFinalSnapshot: config.onExpiry !== "snapshot-delete",
      // The environment's `baseline` checkpoint: the snapshot it came from (a claimed database has it from the pool's restore).
      ...(config.claimed === undefined ? { tags: { [TAG.baseline]: snapshotIdentifier } } : {}),
      ...finalSnapshot(config),
    });
  }

  private baselineSnapshot(props: SnapshotDatabaseProps, storageEncrypted: boolean): string {
    const { snapshotIdentifier, sourceDbInstanceIdentifier } = props;
    if ((snapshotIdentifier === undefined) === (sourceDbInstanceIdentifier === undefined)) {
      throw new InvalidValueError(
        "snapshotIdentifier",
        snapshotIdentifier ?? "",
        snapshotIdentifier === undefined ? "and sourceDbInstanceIdentifier are both missing" : "and sourceDbInstanceIdentifier are both set",
        'give exactly one: a snapshot such as "baseline-2025-06-01", or sourceDbInstanceIdentifier such as "baseline-db" for its latest snapshot',
      );
    }
    if (snapshotIdentifier !== undefined) return requiredStringProp("snapshotIdentifier", snapshotIdentifier, "baseline-2025-06-01");
    requiredStringProp("sourceDbInstanceIdentifier", sourceDbInstanceIdentifier, "baseline-db");
    const latest = new DataAwsDbSnapshot(this, "baseline", {
      dbInstanceIdentifier: sourceDbInstanceIdentifier,
      mostRecent: true,
      lifecycle: storageEncrypted
        ? {
            postcondition: [
              {
                // A data source's postcondition refers to its own result as `self`.
                condition: "${self.encrypted}",
                errorMessage: `The latest snapshot of ${sourceDbInstanceIdentifier} is not encrypted, and RDS cannot encrypt while restoring: copy it with a KMS key (aws rds copy-db-snapshot --kms-key-id ...) or set storageEncrypted to false.`,
              },
            ],
          }
        : undefined,
    });
    return latest.dbSnapshotIdentifier;
  }
}

/**
 * The final snapshot's name, and what the plan ignores. A restored database's is the
 * reaper's naming (`ephemera-…-final-<yyyymmddhhmm>`), stamped once at creation and then
 * ignored, so an environment id that comes back after a reap never collides with its
 * predecessor's final snapshot, and plans stay clean. A claimed database's is its pool
 * identifier's (`ephemera-pool-<pool>-<8 hex>-final`), as unique and stable, and not ignored:
 * an import reads none back, and a destroy without one could not take the snapshot. A claimed
 * database also keeps the pool's class, and the two arguments an import never reads back
 * (`manage_master_user_password`: a pool database restored before the claim set its own
 * password had RDS keep one, which the claim turns off; `apply_immediately`) are ignored,
 * so the import changes nothing. Both ignore the checkpoint tags (CHECKPOINT_TAGS).
 */
function finalSnapshot(config: CheckedConfig): Pick<DbInstanceConfig, "finalSnapshotIdentifier" | "lifecycle"> {
  if (config.claimed !== undefined) {
    return {
      finalSnapshotIdentifier: `${config.claimed.identifier}-final`,
      lifecycle: { ignoreChanges: ["snapshot_identifier", "instance_class", "manage_master_user_password", "apply_immediately", ...CHECKPOINT_TAGS] },
    };
  }
  return {
    finalSnapshotIdentifier: `ephemera-${config.identifier}-final-${Fn.formatdate("YYYYMMDDhhmm", Fn.timestamp())}`,
    lifecycle: { ignoreChanges: ["snapshot_identifier", "final_snapshot_identifier", ...CHECKPOINT_TAGS] },
  };
}

/**
 * The tags of the database's checkpoints, written outside this configuration: the baseline's,
 * once at creation (or by the pool's restore), so a newer baseline never shows as a diff; and
 * the checkpoint a rollback restored (`ephemera rollback`), so a plan after it shows none.
 */
const CHECKPOINT_TAGS = [`tags["${TAG.baseline}"]`, `tags["${TAG.restoredFrom}"]`];

/** The props, checked, with their defaults filled in. */
interface CheckedConfig {
  readonly envId: string;
  readonly onExpiry: OnExpiry;
  readonly subnetIds: readonly string[];
  readonly claimed?: ClaimedDatabase;
  readonly identifier: string;
  readonly backupRetentionPeriod: number;
  readonly deletionProtection: boolean;
  readonly storageEncrypted: boolean;
}

/** Every prop but the baseline's checked, in this order (the first bad prop found is the one reported), and the defaults filled in. */
function checkProps(props: SnapshotDatabaseProps, id: string): CheckedConfig {
  const envId = envIdProp(props.envId);
  const onExpiry = parseOnExpiry(props.onExpiry, { field: "onExpiry" });
  requiredStringProp("vpcId", props.vpcId, "vpc-0abc1234");
  const subnetIds = nonEmptyListProp("subnetIds", props.subnetIds, '"subnet-0abc1234", "subnet-0def5678"');
  if (!Token.isUnresolved(subnetIds) && subnetIds.length < 2) {
    throw new InvalidValueError("subnetIds", JSON.stringify(subnetIds), "lists one subnet, but a DB subnet group needs two Availability Zones", 'add a private subnet in another zone, such as ["subnet-0abc1234", "subnet-0def5678"]');
  }
  const claimed = props.claimed;
  if (claimed !== undefined) {
    requiredStringProp("claimed.identifier", claimed.identifier, "ephemera-pool-default-ab12cd34");
    requiredStringProp("claimed.subnetGroupName", claimed.subnetGroupName, "ephemera-pool-default");
    requiredStringProp("claimed.securityGroupId", claimed.securityGroupId, "sg-0abc1234");
    if (isLiteral(claimed.securityGroupId) && !/^sg-[0-9a-f]+$/.test(claimed.securityGroupId)) {
      throw new InvalidValueError("claimed.securityGroupId", claimed.securityGroupId, "is not a security group id", "use the securityGroupId of `ephemera claim --json`, such as \"sg-0abc1234\"");
    }
    requiredStringProp("claimed.secretArn", claimed.secretArn, CLAIMED_SECRET_EXAMPLE);
    if (isLiteral(claimed.secretArn) && !isSecretArn(claimed.secretArn)) {
      throw new InvalidValueError("claimed.secretArn", claimed.secretArn, "is not a Secrets Manager secret ARN", `use the secretArn of \`ephemera claim --json\`, such as "${CLAIMED_SECRET_EXAMPLE}"`);
    }
  }
  const identifier = claimed?.identifier ?? props.identifier ?? envScopedName(envId, id);
  // Named "identifier" also when derived from the construct id: setting it is the fix.
  nameProp("identifier", identifier, 63, `${envId}-db`);
  if (isLiteral(identifier) && identifier !== identifier.toLowerCase()) {
    throw new InvalidValueError("identifier", identifier, "has uppercase letters (RDS stores identifiers in lowercase)", `use "${identifier.toLowerCase()}"`);
  }
  return {
    envId,
    onExpiry,
    subnetIds,
    claimed,
    identifier,
    backupRetentionPeriod: integerProp("backupRetentionPeriod", props.backupRetentionPeriod, 0, 0, 35, 0),
    deletionProtection: props.deletionProtection ?? false,
    storageEncrypted: props.storageEncrypted ?? true,
  };
}
