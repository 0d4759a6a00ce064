import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { useEmulator } from "../../../harness/emulator";

const emulator = useEmulator();

describe("emulator harness", () => {
  it("serves the AWS API on a loopback port", () => {
    expect(emulator().endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("lets an SDK client create and list a bucket", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: "harness-check" }));
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toEqual(["harness-check"]);
  });

  it("starts every test from an empty account (reset between tests)", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets ?? []).toEqual([]);
  });

  it("stops the server process so nothing is left listening", async () => {
    const { startEmulator } = await import("../../../harness/emulator");
    const second = await startEmulator();
    await second.stop();
    await expect(fetch(`${second.endpoint}/moto-api/data.json`)).rejects.toThrow();
  });
});
