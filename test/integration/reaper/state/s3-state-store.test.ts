import { CreateBucketCommand, PutObjectLockConfigurationCommand, S3Client } from "@aws-sdk/client-s3";
import { EnvLeases, type LeaseRefusal } from "../../../../reaper/action/env-lease";
import { putIfAbsent } from "../../../../reaper/state/put-if-absent";
import { S3StateStore } from "../../../../reaper/state/s3-state-store";
import { useEmulator } from "../../../../harness/emulator";

// The state store against the emulator's S3: S3's clock comes with every listing, and a host
// whose own clock is off refuses to coordinate.
const emulator = useEmulator();
const BUCKET = "ephemera-state";
const MINUTE = 60_000;

async function store(): Promise<S3StateStore> {
  const client = new S3Client(emulator().clientConfig());
  await client.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  await client.send(new PutObjectLockConfigurationCommand({ Bucket: BUCKET, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } } }));
  return new S3StateStore(client, BUCKET, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: false });
}

describe("the S3 state store", () => {
  test("a listing carries S3's time (its Date header) and each key's LastModified", async () => {
    const s = await store();
    const before = Date.now();
    expect(await putIfAbsent(s, "leases/pr-1/log/999999999998.json", "{}")).toEqual({ status: "written" });
    const listing = await s.scan("leases/pr-1/log/", { limit: 10 });
    expect(listing.keys.map((k) => k.key)).toEqual(["leases/pr-1/log/999999999998.json"]);
    // S3's Date and LastModified have a granularity of a second.
    expect(Math.abs(listing.serverTime!.getTime() - before)).toBeLessThan(5_000);
    expect(Math.abs(listing.keys[0]!.writtenAt!.getTime() - before)).toBeLessThan(5_000);
  });

  test("a host whose clock is six minutes fast cannot take a lease another run holds, and refuses to act at all", async () => {
    const s = await store();
    const lambda = new EnvLeases(s, { runId: "lambda", leaseMs: 5 * MINUTE, lookedAt: new Date(), maxSkewMs: 30_000, clockId: "lambda" });
    expect((await lambda.acquire("pr-1")).ok).toBe(true);
    const fast = () => new Date(Date.now() + 6 * MINUTE);
    const laptop = new EnvLeases(s, { runId: "laptop", leaseMs: 5 * MINUTE, lookedAt: fast(), maxSkewMs: 30_000, clock: fast, clockId: "laptop" });
    const refusal = (await laptop.acquire("pr-1")) as LeaseRefusal;
    expect(refusal).toMatchObject({ ok: false, code: "ClockSkew" });
    expect(refusal.message).toMatch(/this host's clock is 3\d\d\.\d s ahead of S3's/);
    // Nor does it take a lease on an environment nobody holds.
    expect(await laptop.acquire("pr-2")).toMatchObject({ ok: false, code: "ClockSkew" });
    expect((await s.scan("leases/")).keys.map((k) => k.key)).toEqual(["leases/pr-1/log/999999999998.json"]);
  });
});
