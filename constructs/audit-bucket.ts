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
import { Annotations, Aspects, IAspect, TerraformResource, TerraformStack, Token } from "./core";
import { excludeFromEnvironmentTags } from "./environment-tags";
import { integerProp, isLiteral } from "./private/props";
import { AUDIT_BUCKET_PREFIXES, AUDIT_PREFIX, InvalidValueError, isIamPrincipalArn, isKmsKeyArn, TAG } from "../reaper/model";

/** How S3 Object Lock holds each record for the retention period. */
export type AuditRetentionMode = "GOVERNANCE" | "COMPLIANCE";

export interface AuditBucketProps {
  /**
   * The bucket's name. S3 names are global, so the caller chooses it; the reaper is
   * configured with the same name.
   */
  readonly bucketName: string;
  /**
   * Object Lock mode of the bucket's default retention.
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
   * ARN of an existing KMS key for SSE-KMS. The writer needs `kms:GenerateDataKey` on
   * it (`grantWrite` adds that; readers need `kms:Decrypt`, which `grantReadWrite` adds) and the key's policy must let IAM policies grant it.
   * @default - a new customer-managed key with yearly rotation, kept when the construct is removed
   */
  readonly kmsKeyArn?: string;
  /**
   * The one IAM principal (role or user ARN) exempt from the bucket policy's denials
   * of deletes, retention and legal-hold changes, Object Lock and versioning changes.
   * It is also the principal that must apply later changes to the retention settings.
   * @default - none: nobody is exempt; only the account's root user can lift the denials (by replacing the bucket policy)
   */
  readonly breakGlassPrincipalArn?: string;
  /**
   * Days after which records (and noncurrent versions) move to STANDARD_IA (at least 30).
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Days after which records (and noncurrent versions) move to GLACIER_IR, later than
   * `infrequentAccessAfterDays`.
   * @default 90
   */
  readonly glacierAfterDays?: number;
}

const DEFAULT_RETENTION_MODE: AuditRetentionMode = "GOVERNANCE";
const DEFAULT_RETENTION_DAYS = 365;
const DEFAULT_IA_DAYS = 30;
const DEFAULT_GLACIER_DAYS = 90;

/** The actions only the break-glass principal may take on records. */
export const AUDIT_PROTECTED_OBJECT_ACTIONS = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
  "s3:BypassGovernanceRetention",
] as const;

/** The actions only the break-glass principal may take on the bucket's settings. */
export const AUDIT_PROTECTED_BUCKET_ACTIONS = ["s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"] as const;

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

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);
    // Never an environment's resource: untouched by tagEnvironment, and guarded below.
    excludeFromEnvironmentTags(this);
    Aspects.of(this).add(new NeverManagedByEphemera());

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
    if (mode === "COMPLIANCE") {
      Annotations.of(this).addWarning(
        `retentionMode COMPLIANCE cannot be undone: for ${days} days after it is written no one, not even the root user, can delete a record or shorten its lock, and the storage is paid for until then. Use GOVERNANCE unless an auditor requires WORM storage.`,
      );
    }

    const protect = { [TAG.protect]: "true" };
    if (props.kmsKeyArn === undefined) {
      this.key = new KmsKey(this, "key", {
        description: `Ephemera audit records in s3://${bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: protect,
        lifecycle: { preventDestroy: true },
      });
    }
    this.kmsKeyArn = props.kmsKeyArn ?? this.key!.arn;

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: bucketName,
      objectLockEnabled: true,
      forceDestroy: false,
      tags: protect,
      lifecycle: { preventDestroy: true },
    });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    const lock = new S3BucketObjectLockConfigurationA(this, "object-lock", {
      bucket: this.bucket.id,
      rule: { defaultRetention: { mode, days } },
      dependsOn: [versioning],
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
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
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
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
    // Created last: it denies the calls that configure versioning and Object Lock.
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: auditBucketPolicy(this.bucket.arn, breakGlass),
      dependsOn: [versioning, lock, publicAccess],
    });
  }

  /**
   * Lets `role` write records under `audit/`, each key once (a put without
   * `If-None-Match: *` is denied), and nothing else (no read, no delete), including
   * `kms:GenerateDataKey` on the bucket's key, which SSE-KMS writes need.
   *
   * @param role an `IamRole` construct, or an existing role's name or ARN
   * @returns the inline policy it attached to the role
   */
  grantWrite(role: IamRole | string): IamRolePolicy {
    return this.grant(role, "write");
  }

  /**
   * What a reaper role, or a pipeline's role that runs `ephemera`, needs: `grantWrite`, plus
   * writing, listing and reading under `audit/`, `leases/`, `spend/`, `claims/`, `admissions/`
   * and `provisioning/` (`s3:ListBucket` with those prefixes, `s3:GetObject`, `kms:Decrypt`).
   * A run reads the trail to close the chains of runs that stopped and to name the run before
   * it, takes environments' leases, goes on from the spend meter's last readings, claims warm
   * pool databases once each, and admits environments and pauses provisioning through
   * write-once registers.
   *
   * @param role an `IamRole` construct, or an existing role's name or ARN
   * @returns the inline policy it attached to the role
   */
  grantReadWrite(role: IamRole | string): IamRolePolicy {
    return this.grant(role, "read-write");
  }

  private grant(role: IamRole | string, access: "write" | "read-write"): IamRolePolicy {
    const roleName = typeof role === "string" ? roleNameOf(role) : role.name;
    const idPart = typeof role !== "string" ? role.node.id : isLiteral(roleName) ? roleName : `role-${this.grantIds.size + 1}`;
    if (this.grantIds.has(idPart)) {
      throw new InvalidValueError("role", idPart, "was already granted access to this audit bucket", "call grantWrite or grantReadWrite once per role");
    }
    this.grantIds.add(idPart);
    const records = `${this.bucketArn}/${AUDIT_PREFIX}*`;
    const statements =
      access === "write"
        ? [
            { Sid: "PutAuditRecords", Effect: "Allow", Action: "s3:PutObject", Resource: records },
            { Sid: "EncryptAuditRecords", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: this.kmsKeyArn },
          ]
        : [
            { Sid: "PutAndGetAuditRecordsAndLeases", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: AUDIT_BUCKET_PREFIXES.map((prefix) => `${this.bucketArn}/${prefix}*`) },
            {
              Sid: "ListAuditRecordsAndLeases",
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: this.bucketArn,
              Condition: { StringLike: { "s3:prefix": AUDIT_BUCKET_PREFIXES.map((prefix) => `${prefix}*`) } },
            },
            { Sid: "EncryptAndDecryptAuditRecords", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: this.kmsKeyArn },
          ];
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

/** The bucket policy: TLS only, and records and lock settings immutable but for the break-glass principal. */
export function auditBucketPolicy(bucketArn: string, breakGlassPrincipalArn?: string): string {
  const exceptBreakGlass = breakGlassPrincipalArn === undefined ? {} : { Condition: { ArnNotEquals: { "aws:PrincipalArn": breakGlassPrincipalArn } } };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyRecordDeletionAndLockChanges",
        Effect: "Deny",
        Principal: "*",
        Action: [...AUDIT_PROTECTED_OBJECT_ACTIONS],
        Resource: `${bucketArn}/*`,
        ...exceptBreakGlass,
      },
      {
        Sid: "DenyLockAndVersioningChanges",
        Effect: "Deny",
        Principal: "*",
        Action: [...AUDIT_PROTECTED_BUCKET_ACTIONS],
        Resource: bucketArn,
        ...exceptBreakGlass,
      },
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
