import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct, IConstruct } from "constructs";
import { Annotations, Aspects, IAspect, Op, TerraformResource, TerraformStack, Token } from "./core";
import { excludeFromEnvironmentTags } from "./environment-tags";
import { integerProp, isLiteral, requiredStringProp } from "./private/props";
import { KIND_CATALOG, KIND_NAMES } from "../reaper/contracts/kind-catalog";
import type { IamGrant, KindRow } from "../reaper/contracts/kind-row";
import {
  ADMISSION_PREFIX,
  ADMISSION_REQUEST_PREFIX,
  AUDIT_BUCKET_PREFIXES,
  AUDIT_PREFIX,
  CLAIM_PREFIX,
  InvalidValueError,
  isIamPrincipalArn,
  isKmsKeyArn,
  LEASE_PREFIX,
  LIVE_INDEX_PREFIX,
  MANAGED_BY_VALUE,
  PLAN_PREFIX,
  POOL_MEMBER_PREFIX,
  PROVISIONING_PREFIX,
  TAG,
  TRACE_PREFIX,
  TRACE_SEAL_PREFIX,
} from "../reaper/model";

/** How S3 Object Lock holds each record for the retention period. */
export type AuditRetentionMode = "GOVERNANCE" | "COMPLIANCE";

export interface AuditBucketProps {
  /**
   * The bucket's globally unique name (S3 names are global, so the caller chooses it); the
   * reaper is configured with the same.
   */
  readonly bucketName: string;
  /**
   * The Object Lock mode of the bucket's default retention (`COMPLIANCE` warns at synth).
   *
   * GOVERNANCE: no one can delete or shorten a record's lock unless they hold
   * `s3:BypassGovernanceRetention`, and this bucket's policy denies that to everyone
   * but `breakGlassPrincipalArn`; so day to day it is as strict as COMPLIANCE, yet a
   * mistake (a wrong retention, a secret written into a record) can still be undone.
   * COMPLIANCE: no one, not even the account's root user, can delete a record or
   * shorten its lock before it expires; choose it when an auditor requires WORM
   * storage (SEC 17a-4 style). Switching later only affects records written after
   * the switch, and must be applied by the break-glass principal (see below).
   * @default GOVERNANCE
   */
  readonly retentionMode?: AuditRetentionMode;
  /**
   * Days each record is locked after it is written (1 to 36500).
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * The SSE-KMS key: the ARN of an existing KMS key.
   *
   * The writer needs `kms:GenerateDataKey` on it (`grantWrite` adds that; readers need
   * `kms:Decrypt`, which `grantReadWrite` adds) and the key's policy must let IAM policies grant it.
   * @default - a new key of its own, with yearly rotation, kept when the construct is removed
   */
  readonly kmsKeyArn?: string;
  /**
   * The one role or user (its ARN) exempt from the bucket policy's denials, except TLS
   * and writing each key once.
   *
   * It is exempt from the denials of deletes, retention and legal-hold changes, and
   * changes to the bucket's policy, lifecycle, Object Lock and versioning. It is also the
   * principal that must apply every later change to those settings (a `cdktf deploy` that
   * changes the retention, the lifecycle ages or the policy runs as it). Without one,
   * after the first apply no one can change the bucket's policy, lifecycle, Object Lock or
   * versioning, and only the account's root user can delete the bucket policy.
   * @default - none: nobody is exempt, Terraform included, and synth warns
   */
  readonly breakGlassPrincipalArn?: string;
  /**
   * Days after which records and noncurrent versions move to STANDARD_IA (at least 30).
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Days after which records and noncurrent versions move to GLACIER_IR (later than
   * `infrequentAccessAfterDays`).
   * @default 90
   */
  readonly glacierAfterDays?: number;
}

const DEFAULT_RETENTION_MODE: AuditRetentionMode = "GOVERNANCE";
const DEFAULT_RETENTION_DAYS = 365;
const DEFAULT_IA_DAYS = 30;
const DEFAULT_GLACIER_DAYS = 90;

/**
 * The actions only the break-glass principal may take on records. `s3:PutObjectRetention`
 * is bounded by statements of its own (see {@link auditBucketPolicy}): S3 checks it on a
 * write that carries its own retention too.
 */
export const AUDIT_PROTECTED_OBJECT_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention"] as const;

/**
 * The actions only the break-glass principal may take on the bucket's settings: its
 * policy (these denials themselves), its lifecycle (an expiration rule), its Object Lock
 * configuration (the default retention) and its versioning.
 */
export const AUDIT_PROTECTED_BUCKET_ACTIONS = [
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketVersioning",
] as const;

/** Who gets which grant: see {@link AuditBucket.grantAdmit}, {@link AuditBucket.grantOperate} and the others. */
export type AuditBucketAccess = "write" | "read-write" | "admit" | "operate";

/** Options of {@link AuditBucket.grantOperate}. */
export interface OperateGrantOptions {
  /**
   * The baseline snapshots (identifiers, or ARNs for shared ones) a rollback may restore for
   * `rollback --to baseline`: a baseline is no environment's, so it is granted by name.
   * @default - none: `--to baseline` needs the caller's own grant to restore the baseline
   */
  readonly rollbackBaselines?: readonly string[];
}

/** The prefixes `ephemera admit` writes: its reservation, its request when it has to wait its turn, and the audit records of its decision. */
export const ADMIT_WRITES: readonly string[] = [ADMISSION_PREFIX, ADMISSION_REQUEST_PREFIX, AUDIT_PREFIX];
/** What `ephemera admit` reads: the reservations and waiting requests, the provisioning switch, the live-environment index (which it never writes), and the trail it opens its run on. */
export const ADMIT_READS: readonly string[] = [ADMISSION_PREFIX, ADMISSION_REQUEST_PREFIX, PROVISIONING_PREFIX, LIVE_INDEX_PREFIX, AUDIT_PREFIX];
/**
 * What operators' commands write: `provisioning pause|resume` the switch, `claim` a claim
 * record, `claim`, `release`, `pause`, `resume` and `extend` their environment's lease and
 * audited run, `claim` (which passes admission) or an operator's own `admit` a reservation, and
 * `reap --plan-out` a reviewed plan, which `reap --plan` claims for the run that executes it,
 * `trace append` (and the MCP record_decision) an environment's decision trace, and `release`
 * and `reap --plan` the pointer to the trace seal they record.
 * Not `spend/`: only the reaper's sweeps keep the spend meter's readings.
 */
export const OPERATE_WRITES: readonly string[] = [AUDIT_PREFIX, LEASE_PREFIX, CLAIM_PREFIX, ADMISSION_PREFIX, ADMISSION_REQUEST_PREFIX, PROVISIONING_PREFIX, PLAN_PREFIX, TRACE_PREFIX, TRACE_SEAL_PREFIX];
/** What operators' commands read: every prefix (`ls` reads the spend meter's readings). */
export const OPERATE_READS: readonly string[] = AUDIT_BUCKET_PREFIXES;

/**
 * The long-lived, tamper-evident bucket the reaper writes every action to: one per
 * account and region, shared by all environments, and never an environment's resource.
 *
 * Object Lock with a default retention (set at creation; it cannot be added later),
 * versioning, SSE-KMS, all public access blocked, TLS only, deletes and lock changes
 * denied to everyone but an optional break-glass principal, lifecycle transitions to
 * cheaper storage, and `prevent_destroy` on the bucket and its key: Terraform refuses
 * to plan their destruction, and a destroyed key would make every record unreadable.
 */
export class AuditBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** ARN of the key that encrypts the records. */
  readonly kmsKeyArn: string;
  /** Escape hatches for settings this construct does not expose. */
  readonly bucket: S3Bucket;
  readonly key?: KmsKey;

  private readonly grantIds = new Set<string>();
  /** The partition, region and account of `grantOperate`'s RDS ARNs: data sources, made with the first. */
  private where?: { partition: string; region: string; accountId: string };

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);
    // Never an environment's resource: untouched by tagEnvironment, and guarded below.
    excludeFromEnvironmentTags(this);
    Aspects.of(this).add(new NeverManagedByEphemera());

    // The steps below create the constructs in this order, which the synthesized JSON follows.
    const config = checkProps(props);
    this.warnAboutLockOut(config);
    if (props.kmsKeyArn === undefined) this.key = this.createKey(config);
    this.kmsKeyArn = props.kmsKeyArn ?? this.key!.arn;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: config.bucketName,
      objectLockEnabled: true,
      forceDestroy: false,
      tags: PROTECT,
      lifecycle: { preventDestroy: true },
    });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.configureBucket(config);
  }

  /** Synth warnings for the settings that lock people out: COMPLIANCE retention, and no break-glass principal. */
  private warnAboutLockOut(config: CheckedConfig): void {
    if (config.mode === "COMPLIANCE") {
      Annotations.of(this).addWarning(
        `retentionMode COMPLIANCE cannot be undone: for ${config.days} days after it is written no one, not even the root user, can delete a record or shorten its lock, and the storage is paid for until then. Use GOVERNANCE unless an auditor requires WORM storage.`,
      );
    }
    if (config.breakGlass === undefined) {
      Annotations.of(this).addWarning(
        `No breakGlassPrincipalArn: once applied, the bucket policy denies s3:PutBucketPolicy, s3:DeleteBucketPolicy, s3:PutLifecycleConfiguration, s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning to every principal, Terraform included, so a later change to this bucket's policy, lifecycle, retention or versioning fails with AccessDenied; only the account's root user can delete the bucket policy. Set breakGlassPrincipalArn to the role that applies such changes (such as "arn:aws:iam::123456789012:role/audit-break-glass").`,
      );
    }
  }

  /** The customer-managed key, when none is given: rotated yearly, and kept when the construct is removed. */
  private createKey(config: CheckedConfig): KmsKey {
    return new KmsKey(this, "key", {
      description: `Ephemera audit records in s3://${config.bucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: PROTECT,
      lifecycle: { preventDestroy: true },
    });
  }

  /** The bucket's versioning, Object Lock, encryption, public access block and lifecycle, then its policy. */
  private configureBucket(config: CheckedConfig): void {
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    const lock = new S3BucketObjectLockConfigurationA(this, "object-lock", {
      bucket: this.bucket.id,
      rule: { defaultRetention: { mode: config.mode, days: config.days } },
      dependsOn: [versioning],
    });
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn }, bucketKeyEnabled: true }],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const lifecycle = this.createLifecycle(config, versioning);
    // Created last: it denies the calls that configure versioning, Object Lock and the lifecycle.
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: auditBucketPolicy(this.bucket.arn, config.breakGlass, { mode: config.mode, days: config.days }),
      dependsOn: [versioning, lock, publicAccess, encryption, lifecycle],
    });
  }

  /** Records, and noncurrent versions, move to STANDARD_IA and then GLACIER_IR. */
  private createLifecycle(config: CheckedConfig, versioning: S3BucketVersioningA): S3BucketLifecycleConfiguration {
    const { iaDays, glacierDays } = config;
    return new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "cheaper-storage-over-time",
          status: "Enabled",
          filter: [{ prefix: "" }],
          transition: [
            { days: iaDays, storageClass: "STANDARD_IA" },
            { days: glacierDays, storageClass: "GLACIER_IR" },
          ],
          noncurrentVersionTransition: [
            { noncurrentDays: iaDays, storageClass: "STANDARD_IA" },
            { noncurrentDays: glacierDays, storageClass: "GLACIER_IR" },
          ],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      dependsOn: [versioning],
    });
  }

  /**
   * Lets `role` write records under `audit/`, each key once (a put without
   * `If-None-Match: *` is denied), and nothing else (no read, no delete), including
   * `kms:GenerateDataKey` on the bucket's key, which SSE-KMS writes need. For a writer of
   * your own that only appends records; the roles that run `ephemera` take
   * {@link grantAdmit} (pipelines) or {@link grantOperate} (operators).
   *
   * @param role an `IamRole` construct, or an existing role's name or ARN
   * @returns the inline policy it attached to the role
   */
  grantWrite(role: IamRole | string): IamRolePolicy {
    return this.grant(role, "write");
  }

  /**
   * Everything the reaper's own role has in the bucket, for a reaper role of your own (the
   * `Reaper` construct's role has it in its own policy): `grantWrite`, plus writing, listing
   * and reading under `audit/`, `leases/`, `spend/`, `claims/`, `admissions/` and
   * `provisioning/` (`s3:ListBucket` with those prefixes, `s3:GetObject`, `kms:Decrypt`),
   * each key once. A run reads the trail to close the chains of runs that stopped and to
   * name the run before it, takes environments' leases, goes on from the spend meter's last
   * readings, claims warm pool databases once each, and pauses provisioning. Too much for a
   * pipeline (it could resume a budget pause): give a pipeline {@link grantAdmit}, an
   * operator {@link grantOperate}.
   *
   * @param role an `IamRole` construct, or an existing role's name or ARN
   * @returns the inline policy it attached to the role
   */
  grantReadWrite(role: IamRole | string): IamRolePolicy {
    return this.grant(role, "read-write");
  }

  /**
   * What a pipeline that runs `ephemera admit` needs, and no more: write the admission
   * register (`admissions/`) and the audit records of its decision (`audit/`), each key
   * once; read and list `admissions/`, `provisioning/` (is provisioning paused) and
   * `audit/` (a run opens on the trail); `kms:GenerateDataKey` and `kms:Decrypt` on the
   * bucket's key; and discovery's reads on every resource (admit counts the live
   * environments: the kinds' listings, and the budgets). An explicit Deny keeps it out of
   * `provisioning/`, `claims/`, `leases/` and `spend/` even when another policy of the role
   * allows `s3:*` (a deploy policy over `ephemera-*` buckets matches the default audit
   * bucket's name): a pipeline can neither lift a budget pause nor take a pool database.
   *
   * @param role an `IamRole` construct, or an existing role's name or ARN
   * @returns the inline policy it attached to the role
   */
  grantAdmit(role: IamRole | string): IamRolePolicy {
    return this.grant(role, "admit");
  }

  /**
   * What an operator who runs `ephemera provisioning`, `claim`, `release`, `pause`, `resume`, `checkpoint`,
   * `extend`, `ls` and `audit verify` needs in the bucket: write under `audit/`, `leases/`,
   * `claims/`, `admissions/` and `provisioning/`, each key once (not `spend/`: only the
   * reaper keeps the spend meter's readings); read and list all six prefixes; the bucket's
   * key; discovery's reads on every resource (`ls`, `release` and `claim` list the
   * environments and the pool). And what `claim` needs beyond that, which the reaper's role
   * does not have: `rds:AddTagsToResource` with `ephemera:` keys only and
   * `rds:ModifyDBInstance` (the new master password), both on the pool's databases
   * (`db:ephemera-pool-*`) tagged `ephemera:managed-by=ephemera`, in this region and account;
   * `ec2:CreateTags` with `ephemera:` keys only on a pool database's own security group
   * (tagged managed, and with an `ephemera:pool`);
   * and the environment's credentials secret the claim writes the password to:
   * `secretsmanager:CreateSecret` and `TagResource` on `secret:ephemera-*-credentials-*`
   * only with the request tag `ephemera:managed-by=ephemera` and `ephemera:` keys alone, and
   * `secretsmanager:PutSecretValue` on such a secret tagged managed (a retried claim's).
   * And what `checkpoint` needs: `rds:CreateDBSnapshot` on an environment's own database
   * (tagged managed and with an `ephemera:env`), and `rds:CreateDBSnapshot` with
   * `rds:AddTagsToResource` on a new snapshot named `ephemera-*`, tagged managed and
   * `ephemera:checkpoint` with `ephemera:` keys only, and never on a snapshot that already
   * carries the managed tag (docs/checkpoints.md).
   * And what `rollback` needs, on an environment's own database alone (tagged managed, with an
   * `ephemera:env`): rename, password, start, stop, delete and its final snapshot; a restore
   * into a new `*-rollback` database tagged managed and an environment's, from a checkpoint
   * (a managed snapshot tagged `ephemera:checkpoint`) or one of `rollbackBaselines`; and the
   * password of a managed credentials secret (`ephemera-*-credentials-*`), which it sets on the
   * restored database.
   * What `release`, `pause`, `resume` and `extend` do to an environment's resources needs the
   * actions the reaper's role has on them (docs/deploying.md): the operator's own policy.
   *
   * @param role an `IamRole` construct, or an existing role's name or ARN
   * @returns the inline policy it attached to the role
   */
  grantOperate(role: IamRole | string, options: OperateGrantOptions = {}): IamRolePolicy {
    for (const [i, snapshot] of (options.rollbackBaselines ?? []).entries()) requiredStringProp(`rollbackBaselines[${i}]`, snapshot, "baseline-2026-11-01");
    return this.grant(role, "operate", options);
  }

  private grant(role: IamRole | string, access: AuditBucketAccess, options: OperateGrantOptions = {}): IamRolePolicy {
    const roleName = typeof role === "string" ? roleNameOf(role) : role.name;
    const idPart = typeof role !== "string" ? role.node.id : isLiteral(roleName) ? roleName : `role-${this.grantIds.size + 1}`;
    if (this.grantIds.has(idPart)) {
      throw new InvalidValueError("role", idPart, "was already granted access to this audit bucket", "call one of grantWrite, grantReadWrite, grantAdmit and grantOperate once per role");
    }
    this.grantIds.add(idPart);
    const objects = (prefixes: readonly string[]) => prefixes.map((prefix) => `${this.bucketArn}/${prefix}*`);
    const list = (sid: string, prefixes: readonly string[]) => ({
      Sid: sid,
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: this.bucketArn,
      Condition: { StringLike: { "s3:prefix": prefixes.map((prefix) => `${prefix}*`) } },
    });
    const kms = { Sid: "EncryptAndDecryptAuditRecords", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: this.kmsKeyArn };
    const statements: object[] = [];
    switch (access) {
      case "write":
        statements.push(
          { Sid: "PutAuditRecords", Effect: "Allow", Action: "s3:PutObject", Resource: objects([AUDIT_PREFIX])[0] },
          { Sid: "EncryptAuditRecords", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: this.kmsKeyArn },
        );
        break;
      case "read-write":
        statements.push(
          { Sid: "PutAndGetAuditRecordsAndLeases", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: objects(AUDIT_BUCKET_PREFIXES) },
          list("ListAuditRecordsAndLeases", AUDIT_BUCKET_PREFIXES),
          kms,
        );
        break;
      case "admit":
        statements.push(
          { Sid: "PutReservationsAndDecisions", Effect: "Allow", Action: "s3:PutObject", Resource: objects(ADMIT_WRITES) },
          { Sid: "ReadWhatAdmitReads", Effect: "Allow", Action: "s3:GetObject", Resource: objects(ADMIT_READS) },
          list("ListWhatAdmitReads", ADMIT_READS),
          kms,
          { Sid: "CountLiveEnvironments", Effect: "Allow", Action: discoveryReads(), Resource: "*" },
          { Sid: "NeverOpenTheGates", Effect: "Deny", Action: "s3:PutObject", Resource: objects(AUDIT_BUCKET_PREFIXES.filter((prefix) => !ADMIT_WRITES.includes(prefix))) },
        );
        break;
      case "operate":
        statements.push(
          { Sid: "PutOperatorRecords", Effect: "Allow", Action: "s3:PutObject", Resource: objects(OPERATE_WRITES) },
          { Sid: "ReadWhatOperatorsRead", Effect: "Allow", Action: "s3:GetObject", Resource: objects(OPERATE_READS) },
          list("ListWhatOperatorsRead", OPERATE_READS),
          kms,
          { Sid: "DiscoverEnvironments", Effect: "Allow", Action: discoveryReads(), Resource: "*" },
          ...this.claimStatements(),
          ...this.rollbackStatements(options.rollbackBaselines ?? []),
        );
        break;
    }
    return new IamRolePolicy(this, `grant-${access}-${idPart}`, {
      role: roleName,
      name: `ephemera-audit-${access}-${this.bucketName}`,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          ...statements,
          { Sid: "WriteEachKeyOnce", Effect: "Deny", Action: "s3:PutObject", Resource: `${this.bucketArn}/*`, Condition: { Null: { "s3:if-none-match": "true" } } },
        ],
      }),
    });
  }

  /**
   * What `ephemera claim` does to a pool database beyond the bucket: tag it the environment's,
   * set its password, and create (or, on a retry, write) the environment's credentials secret;
   * and what `ephemera checkpoint` and `ephemera rollback` do to an environment's database.
   */
  private claimStatements(): object[] {
    const { rds, statement } = this.rdsGrants();
    return [
      // The environment's tags (owner, ttl, created-at, env, state): ephemera: keys only.
      statement("TagClaimedPoolDatabases", { actions: ["rds:AddTagsToResource"], on: [{ service: "rds", resource: `db:${POOL_MEMBER_PREFIX}*` }], scope: "managed" }, {
        "ForAllValues:StringLike": { "aws:TagKeys": [`${TAG_NAMESPACE}*`] },
        Null: { "aws:TagKeys": "false" },
      }),
      // The claimed database's own security group, the environment's too: only a pool's (tagged managed and with its pool), ephemera: keys only.
      statement("TagClaimedPoolSecurityGroups", { actions: ["ec2:CreateTags"], on: [{ service: "ec2", resource: "security-group/*" }], scope: "managed" }, {
        StringLike: { [`aws:ResourceTag/${TAG.pool}`]: "*" },
        "ForAllValues:StringLike": { "aws:TagKeys": [`${TAG_NAMESPACE}*`] },
        Null: { "aws:TagKeys": "false" },
      }),
      statement("SetClaimedPoolDatabasePasswords", rds.credentials!),
      statement("CreateClaimedDatabaseCredentialsSecrets", rds.credentialsSecret!),
      statement("WriteClaimedDatabaseCredentialsSecrets", rds.credentialsValue!),
      // `ephemera checkpoint`: a snapshot of an environment's own database, as a new snapshot tagged a checkpoint.
      statement("CheckpointEnvironmentDatabases", rds.checkpoint!),
      statement("CreateCheckpointSnapshots", rds.checkpointSnapshot!),
    ];
  }

  /** What `ephemera rollback` does to an environment's database (docs/checkpoints.md#rollback), and the baselines it may restore. */
  private rollbackStatements(baselines: readonly string[]): object[] {
    const { rds, statement, where } = this.rdsGrants();
    const named = baselines.map((b) => (b.startsWith("arn:") ? b : `arn:${where.partition}:rds:${where.region}:${where.accountId}:snapshot:${b}`));
    return [
      statement("RollBackEnvironmentDatabases", rds.rollback!),
      statement("RestoreRollbackCopies", rds.rollbackRestore!),
      statement("RestoreRollbacksFromCheckpoints", rds.rollbackSource!),
      statement("RestoreRollbacksIntoTheirGroups", rds.rollbackGroups!),
      statement("KeepReplacedDatabasesAsCheckpoints", rds.rollbackFinalSnapshot!),
      statement("ReadEnvironmentDatabasePasswords", rds.rollbackSecret!),
      ...(named.length === 0 ? [] : [{ Sid: "RestoreRollbacksFromBaselines", Effect: "Allow", Action: ["rds:RestoreDBInstanceFromDBSnapshot"], Resource: named }]),
    ];
  }

  /** The rds-instance row's grants, and a statement of one in this account and region. */
  private rdsGrants() {
    const where = (this.where ??= {
      partition: new DataAwsPartition(this, "partition").partition,
      region: new DataAwsRegion(this, "region").name,
      accountId: new DataAwsCallerIdentity(this, "caller").accountId,
    });
    const rds = KIND_CATALOG["rds-instance"].iam as KindRow["iam"];
    const statement = (sid: string, grant: IamGrant, extra: Record<string, Record<string, unknown>> = {}) => {
      const resources = typeof grant.on === "string" ? [] : grant.on.map((on) => `arn:${where.partition}:${on.service}:${on.global ? "" : where.region}:${where.accountId}:${on.resource}`);
      const condition: Record<string, Record<string, unknown>> = { ...(grant.scope === "managed" ? { StringEquals: { [MANAGED_TAG]: MANAGED_BY_VALUE } } : {}), ...(grant.condition ?? {}), ...extra };
      return { Sid: sid, Effect: "Allow", Action: grant.actions, Resource: resources, ...(Object.keys(condition).length === 0 ? {} : { Condition: condition }) };
    };
    return { rds, statement, where };
  }
}

/** The bucket and its key carry `ephemera:protect`: the reaper never deletes what carries it. */
const PROTECT = { [TAG.protect]: "true" };

/** The props, checked, with their defaults filled in. */
interface CheckedConfig {
  readonly bucketName: string;
  readonly mode: AuditRetentionMode;
  readonly days: number;
  readonly iaDays: number;
  readonly glacierDays: number;
  readonly breakGlass?: string;
}

/** Every prop checked, in this order (the first bad prop found is the one reported), and the defaults filled in. */
function checkProps(props: AuditBucketProps): CheckedConfig {
  const bucketName = checkBucketName(props.bucketName);
  const mode = props.retentionMode ?? DEFAULT_RETENTION_MODE;
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
    throw new InvalidValueError("retentionMode", String(mode), "is not an Object Lock mode", 'use "GOVERNANCE" or "COMPLIANCE", such as "GOVERNANCE"');
  }
  const days = integerProp("retentionDays", props.retentionDays, DEFAULT_RETENTION_DAYS, 1, 36_500, DEFAULT_RETENTION_DAYS);
  const iaDays = integerProp("infrequentAccessAfterDays", props.infrequentAccessAfterDays, DEFAULT_IA_DAYS, 30, 36_500, DEFAULT_IA_DAYS);
  const glacierDays = integerProp("glacierAfterDays", props.glacierAfterDays, DEFAULT_GLACIER_DAYS, 1, 36_500, DEFAULT_GLACIER_DAYS);
  if (isLiteral(iaDays) && isLiteral(glacierDays) && glacierDays <= iaDays) {
    throw new InvalidValueError("glacierAfterDays", String(glacierDays), `is not later than infrequentAccessAfterDays (${iaDays})`, `use a value such as ${iaDays + 60}`);
  }
  if (props.kmsKeyArn !== undefined && isLiteral(props.kmsKeyArn) && !isKmsKeyArn(props.kmsKeyArn)) {
    throw new InvalidValueError("kmsKeyArn", props.kmsKeyArn, "is not a KMS key ARN", 'use the key\'s ARN (not an alias), such as "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"');
  }
  const breakGlass = props.breakGlassPrincipalArn;
  if (breakGlass !== undefined && isLiteral(breakGlass) && !isIamPrincipalArn(breakGlass)) {
    throw new InvalidValueError("breakGlassPrincipalArn", breakGlass, "is not an IAM principal ARN", 'use a role or user ARN, such as "arn:aws:iam::123456789012:role/audit-break-glass"');
  }
  return { bucketName, mode, days, iaDays, glacierDays, breakGlass };
}

const MANAGED_TAG = `aws:ResourceTag/${TAG.managedBy}`;
/** Every key Ephemera writes starts with it (`ephemera:owner`, `ephemera:env`, ...). */
const TAG_NAMESPACE = TAG.managedBy.slice(0, TAG.managedBy.indexOf(":") + 1);

/** Discovery's reads, as `ephemera admit` lists the live environments: every kind's listings, and the budgets'. */
function discoveryReads(): string[] {
  return [...new Set(KIND_NAMES.flatMap((kind) => [...KIND_CATALOG[kind].iam.discover, ...((KIND_CATALOG[kind].iam as KindRow["iam"]).read?.actions ?? [])]))];
}

function checkBucketName(name: string): string {
  if (!isLiteral(name)) {
    if (name === undefined) throw new InvalidValueError("bucketName", "", "is empty", 'pass a globally unique name, such as "acme-ephemera-audit-us-east-1"');
    return name;
  }
  const problem =
    name.length < 3 || name.length > 63 ? "is not 3 to 63 characters long"
    : /[^a-z0-9.-]/.test(name) ? "has characters other than lowercase letters, digits, '.' and '-'"
    : !/^[a-z0-9].*[a-z0-9]$/.test(name) ? "does not start and end with a letter or digit"
    : name.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(name) ? "is not a valid S3 bucket name"
    : undefined;
  if (problem !== undefined) {
    throw new InvalidValueError("bucketName", name, problem, 'use a globally unique name, such as "acme-ephemera-audit-us-east-1"');
  }
  return name;
}

function roleNameOf(role: string): string {
  if (!isLiteral(role)) return role;
  // arn:aws:iam::123456789012:role/some/path/name → name (inline policies take the name).
  const arn = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(role);
  if (arn) return arn[1]!;
  if (role.startsWith("arn:") || role === "" || role.includes("/")) {
    throw new InvalidValueError("role", role, "is neither an IAM role name nor a role ARN", 'pass the role\'s name or ARN, such as "ephemera-reaper"');
  }
  return role;
}

/** The default retention the bucket policy holds per-object retention to. */
export interface AuditRetention {
  readonly mode: AuditRetentionMode;
  /** Days (a number, or a Terraform token). */
  readonly days: number;
}

/**
 * The bucket policy, for every principal:
 *
 * - TLS only;
 * - each key written once: a put without `If-None-Match: *` is denied, on every key and to
 *   the break-glass principal too (`s3:if-none-match`, S3's documented way to enforce
 *   conditional writes; it also refuses CopyObject and multipart uploads into the bucket);
 * - records are never deleted, put under legal hold or unlocked (governance bypass);
 * - the bucket's policy, lifecycle, Object Lock configuration and versioning never change;
 * - retention (`s3:PutObjectRetention`) only as the bucket's default: its mode, and at most
 *   a day more or less than its days. S3 checks `s3:PutObjectRetention` on a write that
 *   carries its own retention (the Object Lock guide: deny it and writes with retention are
 *   refused) as well as on a retention change, and its documented condition keys for both,
 *   `s3:object-lock-mode` and `s3:object-lock-remaining-retention-days`, are the request's
 *   retention. So a writer that sends the default retention with each put (the reaper's
 *   `auditPerObjectRetention`) still writes, and a retention change can neither switch the
 *   mode, remove the lock, nor set more than the default from now; shortening needs a
 *   governance bypass, denied above (COMPLIANCE cannot be shortened at all).
 *
 * All but TLS and write-once spare `breakGlassPrincipalArn`, when given.
 */
export function auditBucketPolicy(bucketArn: string, breakGlassPrincipalArn?: string, retention: AuditRetention = { mode: DEFAULT_RETENTION_MODE, days: DEFAULT_RETENTION_DAYS }): string {
  const exceptBreakGlass = breakGlassPrincipalArn === undefined ? {} : { ArnNotEquals: { "aws:PrincipalArn": breakGlassPrincipalArn } };
  const condition = (c: Record<string, Record<string, string>>) => {
    const all = { ...c, ...exceptBreakGlass };
    return Object.keys(all).length === 0 ? {} : { Condition: all };
  };
  // A writer's clock a little off S3's may round its retain-until date a day either way.
  const days = (delta: number) => (Token.isUnresolved(retention.days) ? Token.asString(Op.add(retention.days, delta)) : String(retention.days + delta));
  const records = `${bucketArn}/*`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, records],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "WriteEachKeyOnce",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: records,
        Condition: { Null: { "s3:if-none-match": "true" } },
      },
      { Sid: "DenyRecordDeletionAndLockChanges", Effect: "Deny", Principal: "*", Action: [...AUDIT_PROTECTED_OBJECT_ACTIONS], Resource: records, ...condition({}) },
      {
        Sid: "DenyRetentionInAnotherMode",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObjectRetention",
        Resource: records,
        ...condition({ StringNotEquals: { "s3:object-lock-mode": retention.mode } }),
      },
      {
        Sid: "DenyRetentionLongerThanTheDefault",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObjectRetention",
        Resource: records,
        ...condition({ NumericGreaterThan: { "s3:object-lock-remaining-retention-days": days(1) } }),
      },
      {
        Sid: "DenyRetentionShorterThanTheDefault",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObjectRetention",
        Resource: records,
        ...condition({ NumericLessThan: { "s3:object-lock-remaining-retention-days": days(-1) } }),
      },
      { Sid: "DenyPolicyLifecycleLockAndVersioningChanges", Effect: "Deny", Principal: "*", Action: [...AUDIT_PROTECTED_BUCKET_ACTIONS], Resource: bucketArn, ...condition({}) },
    ],
  });
}

/**
 * The reaper acts on anything tagged `ephemera:managed-by`; on the audit bucket that
 * tag would let it delete the records of its own actions. excludeFromEnvironmentTags
 * keeps tagEnvironment off; this check also catches the tag arriving by hand, by
 * another Aspect, or through a provider's default_tags.
 */
class NeverManagedByEphemera implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof TerraformResource && "tagsInput" in node) {
      const tags = (node as unknown as { tagsInput?: Record<string, string> }).tagsInput;
      if (tags && !Token.isUnresolved(tags) && TAG.managedBy in tags) {
        Annotations.of(node).addError(`The audit bucket must never carry the ${TAG.managedBy} tag (the reaper would treat it as an environment's resource); remove it from this resource's tags.`);
      }
    }
    if (node instanceof AuditBucket) {
      for (const provider of TerraformStack.of(node).node.findAll().filter((c): c is AwsProvider => c instanceof AwsProvider)) {
        const defaults = provider.defaultTagsInput;
        if (!Array.isArray(defaults)) continue;
        if (defaults.some((d) => d.tags && TAG.managedBy in d.tags)) {
          Annotations.of(node).addError(
            `The AWS provider "${provider.node.path}" puts ${TAG.managedBy} on every resource through default_tags, including this audit bucket; remove it from default_tags and tag environments with tagEnvironment instead.`,
          );
        }
      }
    }
  }
}
