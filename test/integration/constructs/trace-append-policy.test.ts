import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { useEmulator } from "../../../harness/emulator";
import { type GateDecision, iamGatedS3Client } from "../../../harness/iam-gated-s3";
import { traceGrantPolicies } from "../../../harness/trace-grant-policies";
import { S3StateStore } from "../../../reaper/state/s3-state-store";
import { tracePrefix, workloadRoleName } from "../../../reaper/model";

// The workload's grant, against the emulator's S3 with the IAM policy simulator in front of it
// (moto evaluates no IAM): each workload's client is gated by the policies the constructs
// synthesize, its own role's and the audit bucket's, and drives the store the traces use.
const emulator = useEmulator();
const BUCKET = "acme-ephemera-audit";

interface Workload {
  readonly client: S3Client;
  readonly store: S3StateStore;
  readonly decisions: GateDecision[];
}

/** The audit bucket as the platform makes it (Object Lock, SSE-KMS with its key), made by an ungated admin. */
async function auditBucket(admin: S3Client): Promise<string> {
  const key = `arn:aws:kms:us-east-1:${emulator().accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  await admin.send(new PutObjectLockConfigurationCommand({ Bucket: BUCKET, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 365 } } } }));
  await admin.send(
    new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key }, BucketKeyEnabled: true }] },
    }),
  );
  return key;
}

/** Environment `env`'s workload: an S3 client acting as its role, and the state store the traces write with. */
function workload(env: string, kmsKeyArn: string, options: { perObjectRetention?: boolean } = {}): Workload {
  const { workload: policy, bucketPolicy } = traceGrantPolicies(env, { accountId: emulator().accountId, bucketName: BUCKET, kmsKeyArn });
  const decisions: GateDecision[] = [];
  const principal = `arn:aws:iam::${emulator().accountId}:role/${workloadRoleName(env)}`;
  const client = iamGatedS3Client(emulator().clientConfig(), { principal, policies: { identity: [policy], bucketPolicy }, kmsKeyArn, decisions });
  // The bucket's default retention (AuditBucket's, 365 days), as the traces write: a per-object one needs s3:PutObjectRetention.
  const store = new S3StateStore(client, BUCKET, { retentionDays: 365, lockMode: "GOVERNANCE", perObjectRetention: options.perObjectRetention ?? false });
  return { client, store, decisions };
}

/** A trace batch's key: newest first under the prefix, so one listing of one key finds the head. */
const batchKey = (env: string, seq: number) => `${tracePrefix(env)}${String(999_999_999_999 - seq).padStart(12, "0")}.json`;

async function keysUnder(admin: S3Client, prefix: string): Promise<string[]> {
  return ((await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
}

const denied = { name: "AccessDenied", $metadata: { httpStatusCode: 403 } };

describe("the workload's grant to its decision trace, gated by IAM", () => {
  let admin: S3Client;
  let key: string;
  beforeEach(async () => {
    admin = new S3Client(emulator().clientConfig());
    key = await auditBucket(admin);
  });

  test("the workload appends to its own trace, finds the head with one listing of one key, and reads it to chain to it", async () => {
    const pr1 = workload("pr-1", key);
    await pr1.store.put(batchKey("pr-1", 1), '{"batch":1}', { exclusive: true });
    await pr1.store.put(batchKey("pr-1", 2), '{"batch":2,"previous":"…"}', { exclusive: true });
    const head = await pr1.store.scan(tracePrefix("pr-1"), { limit: 1 });
    expect(head.keys.map((k) => k.key)).toEqual([batchKey("pr-1", 2)]);
    expect(await pr1.store.get(head.keys[0]!.key)).toBe('{"batch":2,"previous":"…"}');
    // Each request was evaluated as AWS would: the write-once header, the listing's prefix, the key through S3.
    expect(pr1.decisions.filter((d) => d.decision === "Allowed").map((d) => [d.action, d.context])).toEqual([
      ["s3:PutObject", { "s3:if-none-match": "*" }],
      ["kms:GenerateDataKey", { "kms:ViaService": "s3.us-east-1.amazonaws.com" }],
      ["s3:PutObject", { "s3:if-none-match": "*" }],
      ["kms:GenerateDataKey", { "kms:ViaService": "s3.us-east-1.amazonaws.com" }],
      ["s3:ListBucket", { "s3:prefix": "traces/pr-1/" }],
      ["s3:GetObject", undefined],
      ["kms:Decrypt", { "kms:ViaService": "s3.us-east-1.amazonaws.com" }],
    ]);
  });

  test("it overwrites nothing of its own trace: a put without If-None-Match is denied, and one with it is refused by S3 where a batch is", async () => {
    const pr1 = workload("pr-1", key);
    await pr1.store.put(batchKey("pr-1", 1), '{"batch":1}', { exclusive: true });
    await expect(pr1.store.put(batchKey("pr-1", 1), '{"forged":true}')).rejects.toMatchObject(denied);
    await expect(pr1.store.put(batchKey("pr-1", 1), '{"forged":true}', { exclusive: true })).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const body = await (await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: batchKey("pr-1", 1) }))).Body!.transformToString();
    expect(body).toBe('{"batch":1}');
  });

  test("it deletes nothing of its own trace, no version, and changes no retention", async () => {
    const pr1 = workload("pr-1", key);
    const { versionId } = await pr1.store.put(batchKey("pr-1", 1), '{"batch":1}', { exclusive: true });
    await expect(pr1.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: batchKey("pr-1", 1) }))).rejects.toMatchObject(denied);
    await expect(pr1.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: batchKey("pr-1", 1), VersionId: versionId, BypassGovernanceRetention: true }))).rejects.toMatchObject(denied);
    const sooner = new Date(Date.now() + 3_600_000);
    await expect(pr1.client.send(new PutObjectRetentionCommand({ Bucket: BUCKET, Key: batchKey("pr-1", 1), Retention: { Mode: "GOVERNANCE", RetainUntilDate: sooner } }))).rejects.toMatchObject(denied);
    expect(await keysUnder(admin, tracePrefix("pr-1"))).toEqual([batchKey("pr-1", 1)]);
  });

  test("it reads, lists and writes no other environment's trace, pr-12's included", async () => {
    const pr12 = workload("pr-12", key);
    await pr12.store.put(batchKey("pr-12", 1), '{"batch":1}', { exclusive: true });
    const pr1 = workload("pr-1", key);
    await expect(pr1.store.get(batchKey("pr-12", 1))).rejects.toMatchObject(denied);
    for (const prefix of [tracePrefix("pr-12"), "traces/pr-1", "traces/", ""]) {
      await expect(pr1.store.scan(prefix, { limit: 1 })).rejects.toMatchObject(denied);
    }
    await expect(pr1.store.put(batchKey("pr-12", 2), '{"forged":true}', { exclusive: true })).rejects.toMatchObject(denied);
    expect(await keysUnder(admin, "traces/")).toEqual([batchKey("pr-12", 1)]);
  });

  test("it writes neither a trace seal nor an audit record, and reads no audit record", async () => {
    const pr1 = workload("pr-1", key);
    await expect(pr1.store.put("trace-seals/pr-1/999999999998.json", '{"head":"forged"}', { exclusive: true })).rejects.toMatchObject(denied);
    await expect(pr1.store.put("audit/2026/12/07/20261207T020000Z-3f9a1c2b/000000.json", '{"forged":true}', { exclusive: true })).rejects.toMatchObject(denied);
    await new S3StateStore(admin, BUCKET, { retentionDays: 365, lockMode: "GOVERNANCE", perObjectRetention: false }).put("audit/2026/12/07/20261207T020000Z-3f9a1c2b/000000.json", "{}", { exclusive: true });
    await expect(pr1.store.get("audit/2026/12/07/20261207T020000Z-3f9a1c2b/000000.json")).rejects.toMatchObject(denied);
    expect(await keysUnder(admin, "trace-seals/")).toEqual([]);
  });

  test("a writer that sends a retention with each batch, even the bucket's default, is refused: the workload writes with the bucket's default retention", async () => {
    const pr1 = workload("pr-1", key, { perObjectRetention: true });
    await expect(pr1.store.put(batchKey("pr-1", 1), '{"batch":1}', { exclusive: true })).rejects.toMatchObject(denied);
    expect(pr1.decisions.map((d) => [d.action, d.decision])).toEqual([
      ["s3:PutObject", "Allowed"],
      ["s3:PutObjectRetention", "ImplicitlyDenied"],
    ]);
  });
});
