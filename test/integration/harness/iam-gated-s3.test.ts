import { CopyObjectCommand, CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { useEmulator } from "../../../harness/emulator";
import { type GateDecision, iamGatedS3Client } from "../../../harness/iam-gated-s3";

// The gate itself: what IAM allows reaches the emulator, what it does not never does.
const emulator = useEmulator();
const BUCKET = "gated";
const PRINCIPAL = "arn:aws:iam::123456789012:role/writer";
/** Writes under `inbox/` only, each key once. */
const WRITER = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/inbox/*`, Condition: { Null: { "s3:if-none-match": "false" } } }],
};

describe("iamGatedS3Client", () => {
  let admin: S3Client;
  let decisions: GateDecision[];
  let gated: S3Client;
  beforeEach(async () => {
    admin = new S3Client(emulator().clientConfig());
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    decisions = [];
    gated = iamGatedS3Client(emulator().clientConfig(), { principal: PRINCIPAL, policies: { identity: [WRITER] }, decisions });
  });
  const keys = async () => ((await admin.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key);

  test("a request IAM allows reaches the emulator; one it does not fails with AccessDenied (403) and never reaches it", async () => {
    await gated.send(new PutObjectCommand({ Bucket: BUCKET, Key: "inbox/a.json", Body: "{}", IfNoneMatch: "*" }));
    const refusals = [
      gated.send(new PutObjectCommand({ Bucket: BUCKET, Key: "inbox/b.json", Body: "{}" })),
      gated.send(new PutObjectCommand({ Bucket: BUCKET, Key: "outbox/c.json", Body: "{}", IfNoneMatch: "*" })),
    ];
    for (const refusal of refusals) {
      const error = await refusal.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(S3ServiceException);
      expect(error).toMatchObject({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } });
    }
    expect(await keys()).toEqual(["inbox/a.json"]);
    expect(decisions.map((d) => [d.resource, d.decision])).toEqual([
      [`arn:aws:s3:::${BUCKET}/inbox/a.json`, "Allowed"],
      [`arn:aws:s3:::${BUCKET}/inbox/b.json`, "ImplicitlyDenied"],
      [`arn:aws:s3:::${BUCKET}/outbox/c.json`, "ImplicitlyDenied"],
    ]);
  });

  test("a command it cannot map to IAM fails the test rather than pass unchecked", async () => {
    await expect(gated.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "inbox/d.json", CopySource: `${BUCKET}/inbox/a.json` }))).rejects.toThrow(/does not know what CopyObjectCommand asks of IAM/);
  });
});
