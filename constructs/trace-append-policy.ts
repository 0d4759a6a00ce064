import { Fn, Token } from "./core";
import { checkedProp, requiredStringProp } from "./private/props";
import { AUDIT_BUCKET_PREFIXES, isKmsKeyArn, isS3BucketName, TRACE_PREFIX, tracePrefix } from "../reaper/model";

/** Where an environment's decision trace lives: the platform's audit bucket and the key that encrypts it. */
export interface DecisionTraceGrant {
  /** The audit bucket's name: the platform stack's `audit_bucket` output (`EPHEMERA_AUDIT_BUCKET`). */
  readonly auditBucketName: string;
  /**
   * The ARN of the audit bucket's SSE-KMS key: the platform stack's `audit_kms_key_arn` output.
   * Its region is the bucket's (S3 only uses a key of the bucket's own region).
   */
  readonly auditKmsKeyArn: string;
}

/**
 * The inline policy that lets environment `envId`'s workload append to its own decision trace,
 * `traces/<envId>/` in the audit bucket, and do nothing else there:
 *
 * - `s3:PutObject` on `traces/<envId>/*`, only with `If-None-Match: *` (and an explicit Deny
 *   of a put without it): each batch is written once, nothing is overwritten;
 * - `s3:GetObject` on `traces/<envId>/*` (it reads its head to chain the next batch to it);
 * - `s3:ListBucket` only with `s3:prefix` under `traces/<envId>/` (it finds its head);
 * - `kms:GenerateDataKey` and `kms:Decrypt` on the audit key, only through S3 in the key's region.
 *
 * The trailing `/` is part of every pattern, so `pr-1` reaches nothing of `pr-12`. Nothing
 * else is allowed: no other environment's trace, no delete, no retention or legal hold, no
 * other prefix. An explicit Deny also keeps its puts and reads out of every other prefix
 * Ephemera keeps in the bucket (`audit/`, `trace-seals/`, `leases/`, ...) even when another
 * policy of the role allows `s3:*`. The bucket's own policy (AuditBucket) denies deletes and
 * lock changes to everyone besides.
 *
 * @param field the prop the grant came in, named by validation errors
 * @returns the policy document, as JSON
 */
export function traceAppendPolicy(envId: string, grant: DecisionTraceGrant, field = "decisionTrace"): string {
  const { bucket, key } = checkGrant(grant, field);
  const partition = arnPart(key, 1);
  const region = arnPart(key, 3);
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const ownTrace = tracePrefix(envId);
  const elsewhere = AUDIT_BUCKET_PREFIXES.filter((prefix) => prefix !== TRACE_PREFIX).map((prefix) => `${bucketArn}/${prefix}*`);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "AppendToOwnTrace", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/${ownTrace}*`, Condition: { Null: { "s3:if-none-match": "false" } } },
      { Sid: "ReadOwnTrace", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/${ownTrace}*` },
      { Sid: "ListOwnTrace", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": `${ownTrace}*` } } },
      {
        Sid: "UseAuditKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: key,
        Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
      },
      { Sid: "WriteEachKeyOnce", Effect: "Deny", Action: "s3:PutObject", Resource: `${bucketArn}/*`, Condition: { Null: { "s3:if-none-match": "true" } } },
      { Sid: "NothingElseInTheAuditBucket", Effect: "Deny", Action: ["s3:PutObject", "s3:GetObject"], Resource: elsewhere },
    ],
  });
}

/** The grant's two values, checked when they are literals. */
function checkGrant(grant: DecisionTraceGrant, field: string): { bucket: string; key: string } {
  const bucket = requiredStringProp(`${field}.auditBucketName`, grant.auditBucketName, "acme-ephemera-audit");
  checkedProp(`${field}.auditBucketName`, bucket, isS3BucketName, "is not an S3 bucket name", 'use the platform stack\'s audit_bucket output, such as "acme-ephemera-audit"');
  const key = requiredStringProp(`${field}.auditKmsKeyArn`, grant.auditKmsKeyArn, EXAMPLE_KEY);
  checkedProp(`${field}.auditKmsKeyArn`, key, isKmsKeyArn, "is not a KMS key ARN", `use the platform stack's audit_kms_key_arn output (the key's ARN, not an alias), such as "${EXAMPLE_KEY}"`);
  return { bucket, key };
}

const EXAMPLE_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** One `:`-separated part of an ARN: the partition (1) or the region (3); a Terraform expression when the ARN is a token. */
function arnPart(arn: string, index: number): string {
  return Token.isUnresolved(arn) ? Fn.element(Fn.split(":", arn), index) : arn.split(":")[index]!;
}
