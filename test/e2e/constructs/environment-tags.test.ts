import { GetBucketTaggingCommand, GetObjectLockConfigurationCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListTagsForResourceCommand, ListTopicsCommand, SNSClient, TagResourceCommand } from "@aws-sdk/client-sns";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "../../../constructs/core";
import { tagEnvironment } from "../../../constructs/environment-tags";
import { TAG, parseInstant } from "../../../reaper/model";
import { useEmulator } from "../../../harness/emulator";
import { TerraformWorkspace, synthStack } from "../../../harness/terraform";

/** A small real stack: an Object Lock bucket and a topic, tagged by the Aspect. */
class FoundationStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "us-east-1" });
    const bucket = new S3Bucket(this, "records", { bucket: "ephemera-e2e-records", objectLockEnabled: true });
    new S3BucketObjectLockConfigurationA(this, "lock", {
      bucket: bucket.id,
      rule: { defaultRetention: { mode: "GOVERNANCE", days: 1 } },
    });
    const topic = new SnsTopic(this, "alerts", { name: "ephemera-e2e-alerts", tags: { team: "platform" } });
    new TerraformOutput(this, "topic_arn", { value: topic.arn });
    tagEnvironment(this, { envId: "pr-42", owner: "e2e@example.com", ttl: "2h", budgetUsd: 10 });
  }
}

// The tests walk one lifecycle in order, so state is kept between them.
const emulator = useEmulator({ resetBetweenTests: false });

describe("terraform apply of a small tagged stack against the emulator", () => {
  let ws: TerraformWorkspace;
  let appliedAt: Date;
  let topicArn: string;
  const tagsOf = (list: { Key?: string; Value?: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

  beforeAll(async () => {
    ws = await TerraformWorkspace.create(synthStack((app) => new FoundationStack(app, "foundation")), emulator());
    appliedAt = new Date();
    await ws.apply();
    topicArn = String((await ws.outputs()).topic_arn);
  });
  afterAll(() => ws?.dispose());

  it("creates the bucket with Object Lock and every Ephemera tag", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: "ephemera-e2e-records" }));
    expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe("Enabled");
    expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention).toMatchObject({ Mode: "GOVERNANCE", Days: 1 });
    const tags = tagsOf((await s3.send(new GetBucketTaggingCommand({ Bucket: "ephemera-e2e-records" }))).TagSet);
    expect(tags).toMatchObject({
      [TAG.managedBy]: "ephemera",
      [TAG.env]: "pr-42",
      [TAG.owner]: "e2e@example.com",
      [TAG.ttl]: "2h",
      [TAG.onExpiry]: "delete",
      [TAG.budgetUsd]: "10",
    });
  });

  it("stamps created-at at first apply as a zoned instant and keeps the resource's own tags", async () => {
    const sns = new SNSClient(emulator().clientConfig());
    const tags = tagsOf((await sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }))).Tags);
    expect(tags.team).toBe("platform");
    expect(tags[TAG.env]).toBe("pr-42");
    const createdAt = parseInstant(tags[TAG.createdAt]!, { field: TAG.createdAt }).getTime();
    expect(createdAt).toBeGreaterThanOrEqual(appliedAt.getTime() - 60_000);
    expect(createdAt).toBeLessThanOrEqual(Date.now());
  });

  it("re-plans clean after apply, so a re-deploy never moves created-at", async () => {
    expect((await ws.plan()).code).toBe(0);
  });

  it("leaves tags the reaper writes out of band alone on the next plan", async () => {
    const sns = new SNSClient(emulator().clientConfig());
    await sns.send(new TagResourceCommand({ ResourceArn: topicArn, Tags: [{ Key: TAG.state, Value: "paused" }] }));
    expect((await ws.plan()).code).toBe(0);
  });

  it("destroys every resource it created", async () => {
    await ws.destroy();
    expect(await ws.stateList()).toEqual([]);
    const s3 = new S3Client(emulator().clientConfig());
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    const sns = new SNSClient(emulator().clientConfig());
    expect((await sns.send(new ListTopicsCommand({}))).Topics ?? []).toEqual([]);
  });
});
