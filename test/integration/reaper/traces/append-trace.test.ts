import { CreateBucketCommand, PutBucketEncryptionCommand, PutObjectLockConfigurationCommand, S3Client } from "@aws-sdk/client-s3";
import { useEmulator } from "../../../../harness/emulator";
import { type GateDecision, iamGatedS3Client } from "../../../../harness/iam-gated-s3";
import { traceGrantPolicies } from "../../../../harness/trace-grant-policies";
import { workloadRoleName } from "../../../../reaper/model";
import { S3StateStore } from "../../../../reaper/state/s3-state-store";
import { appendTrace } from "../../../../reaper/traces/append-trace";
import type { TraceEntry } from "../../../../reaper/traces/trace-record";
import { verifyTrace } from "../../../../reaper/traces/verify-trace";

// appendTrace as an environment's workload runs it, against the emulator's S3 with the IAM policy
// simulator in front (harness/iam-gated-s3.ts): the workload's grant is all the appends need,
// concurrent appenders included (a taken batch is read back, to tell a rival's from a lost answer).
const emulator = useEmulator();
const BUCKET = "acme-ephemera-audit";
const entries = (n: number, from = 0): TraceEntry[] => Array.from({ length: n }, (_, i) => ({ time: "2026-05-01T12:00:00.000Z", agent: "planner", data: { i: from + i } }));

/** The audit bucket as the platform makes it (Object Lock, SSE-KMS), by an ungated admin; its key. */
async function auditBucket(): Promise<string> {
  const admin = new S3Client(emulator().clientConfig());
  const key = `arn:aws:kms:us-east-1:${emulator().accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  await admin.send(new PutObjectLockConfigurationCommand({ Bucket: BUCKET, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 365 } } } }));
  await admin.send(new PutBucketEncryptionCommand({ Bucket: BUCKET, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key } }] } }));
  admin.destroy();
  return key;
}

/** The store as an operator reads it (verify reads trace-seals/ and audit/ too, which no workload may). */
const adminStore = () => new S3StateStore(new S3Client(emulator().clientConfig()), BUCKET, { retentionDays: 365, lockMode: "GOVERNANCE", perObjectRetention: false });

/** Environment `env`'s workload: the state store through a client gated by its role's and the bucket's policies. */
function workloadStore(env: string, kmsKeyArn: string): { store: S3StateStore; decisions: GateDecision[] } {
  const { workload: policy, bucketPolicy } = traceGrantPolicies(env, { accountId: emulator().accountId, bucketName: BUCKET, kmsKeyArn });
  const decisions: GateDecision[] = [];
  const principal = `arn:aws:iam::${emulator().accountId}:role/${workloadRoleName(env)}`;
  const client = iamGatedS3Client(emulator().clientConfig(), { principal, policies: { identity: [policy], bucketPolicy }, kmsKeyArn, decisions });
  return { store: new S3StateStore(client, BUCKET, { retentionDays: 365, lockMode: "GOVERNANCE", perObjectRetention: false }), decisions };
}

describe("appendTrace under the workload's grant", () => {
  test("a burst, then concurrent appenders, land in one chain with nothing denied; verify reads it back complete", async () => {
    const key = await auditBucket();
    const { store, decisions } = workloadStore("pr-1", key);
    const burst = await appendTrace(store, "pr-1", entries(600));
    expect(burst.batches.map((b) => b.records)).toEqual([500, 100]);
    const rivals = await Promise.all([1, 2, 3].map((k) => appendTrace(store, "pr-1", entries(5, 1000 * k))));
    expect(rivals.map((r) => r.firstSeq).sort((a, b) => a - b)).toEqual([600, 605, 610]);
    // They read the same head: all but one found their batch taken, and chained again.
    expect(rivals.reduce((n, r) => n + r.retries, 0)).toBeGreaterThanOrEqual(2);
    expect(await verifyTrace(adminStore(), "pr-1")).toMatchObject({ status: "complete", records: 615, batches: 5 });
    expect(decisions.filter((d) => d.decision !== "Allowed")).toEqual([]);
    expect(new Set(decisions.map((d) => d.action))).toEqual(new Set(["s3:ListBucket", "s3:GetObject", "s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt"]));
  }, 60_000);

  test("another environment's trace is out of its reach: the append is refused by IAM before anything is written", async () => {
    const key = await auditBucket();
    const { store } = workloadStore("pr-1", key);
    await expect(appendTrace(store, "pr-12", entries(1))).rejects.toMatchObject({ name: "AccessDenied" });
    expect(await verifyTrace(adminStore(), "pr-12")).toMatchObject({ status: "empty" });
  }, 60_000);
});
