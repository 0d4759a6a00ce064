import { AuditBucket } from "../constructs/audit-bucket";
import { Testing } from "../constructs/core";
import { EnvNamespace } from "../constructs/env-namespace";

/** Where the platform's audit bucket is, for {@link traceGrantPolicies}. */
export interface TraceGrantSetting {
  readonly accountId: string;
  readonly bucketName: string;
  readonly kmsKeyArn: string;
}

/** The two policies that decide what an environment's workload may do in the audit bucket, as documents. */
export interface TraceGrantPolicies {
  /** The workload role's inline policy (EnvNamespace's `decisionTrace`). */
  readonly workload: object;
  /** The audit bucket's policy (AuditBucket, with a break-glass principal and the default retention). */
  readonly bucketPolicy: object;
}

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Synthesizes the platform's audit bucket and environment `env`'s namespace with its
 * `decisionTrace` grant, and returns both policies as Terraform will apply them: the synthesized
 * JSON, with the bucket's ARN (a reference to the bucket) filled in. What the policy tests and the
 * gated emulator client (harness/iam-gated-s3.ts) evaluate, never a hand-written copy.
 */
export function traceGrantPolicies(env: string, setting: TraceGrantSetting): TraceGrantPolicies {
  const { accountId, bucketName, kmsKeyArn } = setting;
  const out = JSON.parse(
    Testing.synthScope((s) => {
      new AuditBucket(s, "audit", { bucketName, kmsKeyArn, breakGlassPrincipalArn: `arn:aws:iam::${accountId}:role/audit-break-glass` });
      new EnvNamespace(s, "ns", {
        envId: env,
        identity: { type: "irsa", oidcProviderArn: `arn:aws:iam::${accountId}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` },
        decisionTrace: { auditBucketName: bucketName, auditKmsKeyArn: kmsKeyArn },
      });
    }),
  ) as { resource: Blocks };
  const policyOf = (type: string): object => {
    const blocks = Object.values(out.resource[type] ?? {});
    if (blocks.length !== 1) throw new Error(`expected one ${type}, synthesized ${blocks.length}`);
    return JSON.parse(String(blocks[0]!.policy).replace(/\$\{aws_s3_bucket\.[^}]+\.arn\}/g, `arn:aws:s3:::${bucketName}`)) as object;
  };
  return { workload: policyOf("aws_iam_role_policy"), bucketPolicy: policyOf("aws_s3_bucket_policy") };
}
