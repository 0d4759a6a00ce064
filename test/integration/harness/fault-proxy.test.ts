import { BudgetsClient, DescribeBudgetsCommand } from "@aws-sdk/client-budgets";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { useEmulator } from "../../../harness/emulator";
import { type FaultProxy, faultRates, startFaultProxy } from "../../../harness/fault-proxy";
import { errorCode, isAmbiguous } from "../../../reaper/support/outcomes";

const emulator = useEmulator();
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

/** Clients through the proxy, without retries: each call shows the fault it got. */
async function through(rates: Parameters<typeof startFaultProxy>[0]["rates"], seed = 7) {
  proxy = await startFaultProxy({ target: emulator().endpoint, rates, seed });
  const config = { ...emulator().clientConfig(), endpoint: proxy.url, maxAttempts: 1 };
  return { ec2: new EC2Client(config), rds: new RDSClient(config), budgets: new BudgetsClient(config), s3: new S3Client(config), scheduler: new SchedulerClient(config) };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => ({ code: errorCode(err), status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, ambiguous: isAmbiguous(err) }),
  );

describe("the fault-injecting proxy", () => {
  test("throttles in each service's own words, which the SDK reads as throttling", async () => {
    const c = await through({ throttle: 1 });
    expect(await failure(c.ec2.send(new DescribeInstancesCommand({})))).toEqual({ code: "RequestLimitExceeded", status: 503, ambiguous: false });
    expect(await failure(c.rds.send(new DescribeDBInstancesCommand({})))).toEqual({ code: "Throttling", status: 400, ambiguous: false });
    expect(await failure(c.budgets.send(new DescribeBudgetsCommand({ AccountId: "123456789012" })))).toEqual({ code: "ThrottlingException", status: 429, ambiguous: false });
    expect(await failure(c.scheduler.send(new ListSchedulesCommand({})))).toEqual({ code: "ThrottlingException", status: 429, ambiguous: false });
    expect(await failure(c.s3.send(new ListBucketsCommand({})))).toEqual({ code: "SlowDown", status: 503, ambiguous: false });
  });

  test("answers 500 (ambiguous: the service had the request) and 503 (not carried out)", async () => {
    const c = await through({ "server-error": 1 });
    expect(await failure(c.ec2.send(new DescribeInstancesCommand({})))).toEqual({ code: "InternalError", status: 500, ambiguous: true });
    expect(await failure(c.budgets.send(new DescribeBudgetsCommand({ AccountId: "123456789012" })))).toEqual({ code: "InternalServerException", status: 500, ambiguous: true });
    proxy!.setRates({ unavailable: 1 });
    expect(await failure(c.rds.send(new DescribeDBInstancesCommand({})))).toEqual({ code: "ServiceUnavailable", status: 503, ambiguous: false });
  });

  test("a lost answer: the emulator carried the request out, the caller sees a reset", async () => {
    const c = await through({ "lost-answer": 1 });
    expect(await failure(c.s3.send(new CreateBucketCommand({ Bucket: "made-anyway" })))).toMatchObject({ ambiguous: true });
    const direct = new S3Client(emulator().clientConfig());
    expect(await direct.send(new HeadBucketCommand({ Bucket: "made-anyway" }))).toBeDefined();
  });

  test("a reset: the request never reached the emulator", async () => {
    const c = await through({ reset: 1 });
    expect(await failure(c.s3.send(new CreateBucketCommand({ Bucket: "never-made" })))).toMatchObject({ ambiguous: true });
    const direct = new S3Client(emulator().clientConfig());
    expect(await failure(direct.send(new HeadBucketCommand({ Bucket: "never-made" })))).toMatchObject({ status: 404 });
  });

  test("an outage by rule fails just the requests it picks, before the drawn faults, until it is lifted", async () => {
    const c = await through({});
    await c.s3.send(new CreateBucketCommand({ Bucket: "kept-up" }));
    proxy!.failWhen((r) => (r.service === "s3" && r.path.startsWith("/down") ? "unavailable" : undefined));
    expect(await failure(c.s3.send(new CreateBucketCommand({ Bucket: "down-bucket" })))).toMatchObject({ code: "ServiceUnavailable", status: 503 });
    expect(await failure(c.s3.send(new HeadBucketCommand({ Bucket: "kept-up" })))).toBeUndefined();
    proxy!.failWhen(undefined);
    expect(await failure(c.s3.send(new CreateBucketCommand({ Bucket: "down-bucket" })))).toBeUndefined();
  });

  test("counts requests by service and action, and draws the same faults from the same seed", async () => {
    const run = async () => {
      const c = await through(faultRates(0.5), 42);
      for (let i = 0; i < 20; i++) await failure(c.ec2.send(new DescribeInstancesCommand({})));
      await failure(c.s3.send(new ListBucketsCommand({})));
      const seen = proxy!.requests.map((r) => r.fault ?? "-");
      const counts = proxy!.countByAction();
      await proxy!.stop();
      proxy = undefined;
      return { seen, counts };
    };
    const first = await run();
    const second = await run();
    expect(first.seen).toEqual(second.seen);
    expect(first.seen.filter((f) => f !== "-").length).toBeGreaterThan(4);
    expect(first.counts).toEqual(new Map([["ec2:DescribeInstances", 20], ["s3:ListBuckets", 1]]));
  });
});
