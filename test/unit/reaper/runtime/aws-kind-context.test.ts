import { LambdaClient } from "@aws-sdk/client-lambda";
import { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";
import { PerCallQuotaRetryStrategy } from "../../../../reaper/runtime/retry-strategy";

describe("AwsKindContext", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("takes region and endpoint from AWS_REGION and AWS_ENDPOINT_URL when none are given", async () => {
    process.env.AWS_REGION = "eu-central-1";
    process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:4566";
    const ctx = new AwsKindContext({ auditBucket: "audit" });
    expect(ctx.region).toBe("eu-central-1");
    expect(await ctx.rds.config.region()).toBe("eu-central-1");
    const endpoint = await ctx.ec2.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe("http://127.0.0.1:4566");
    expect(ctx.s3.config.forcePathStyle).toBe(true);
    await ctx.destroy();
  });

  it("refuses to start without a region", () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    expect(() => new AwsKindContext({ auditBucket: "audit" })).toThrow(/region/);
  });

  it("creates each service's client once, when first used, with adaptive retries", async () => {
    const ctx = new AwsKindContext({ aws: { region: "us-east-1" }, auditBucket: "audit", maxAttempts: 7 });
    expect(ctx.eks).toBe(ctx.eks);
    expect(await ctx.eks.config.retryStrategy()).toBeInstanceOf(PerCallQuotaRetryStrategy);
    expect(await ctx.eks.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
    expect(await ctx.eks.config.maxAttempts()).toBe(7);
    // A strategy (and so a rate limiter) per client, as the SDK does.
    expect(await ctx.rds.config.retryStrategy()).not.toBe(await ctx.eks.config.retryStrategy());
    await ctx.destroy();
  });

  it("uses the configured account id without asking STS", async () => {
    const ctx = new AwsKindContext({ aws: { region: "us-east-1", endpoint: "http://127.0.0.1:1" }, auditBucket: "audit", accountId: "111122223333" });
    expect(await ctx.accountId()).toBe("111122223333");
    await ctx.destroy();
  });

  it("makes a client for any other service from the same config, once (what a new kind's adapter uses)", async () => {
    const ctx = new AwsKindContext({ aws: { region: "eu-west-1", endpoint: "http://127.0.0.1:4566" }, auditBucket: "audit", maxAttempts: 3 });
    const lambda = ctx.client(LambdaClient);
    expect(ctx.client(LambdaClient)).toBe(lambda);
    expect(await lambda.config.region()).toBe("eu-west-1");
    expect(await lambda.config.maxAttempts()).toBe(3);
    expect(await lambda.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
    await ctx.destroy();
  });

  it("shares a read between adapters within one discovery pass, and never across passes", async () => {
    const ctx = new AwsKindContext({ aws: { region: "us-east-1" }, auditBucket: "audit" });
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    const inPass = await ctx.discoveryPassOf(async () => [await ctx.oncePerDiscovery("k", read), await ctx.oncePerDiscovery("k", read), await ctx.oncePerDiscovery("other", read)]);
    expect(inPass).toEqual([1, 1, 2]);
    expect(await ctx.oncePerDiscovery("k", read)).toBe(3);
    expect(await ctx.oncePerDiscovery("k", read)).toBe(4);
    expect(await ctx.discoveryPassOf(() => ctx.oncePerDiscovery("k", read))).toBe(5);
    // A pass that fails ends too.
    await expect(ctx.discoveryPassOf(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await ctx.oncePerDiscovery("k", read)).toBe(6);
    await ctx.destroy();
  });

  it("uses the account the account guard established, without asking STS again", async () => {
    const ctx = new AwsKindContext({ aws: { region: "us-east-1", endpoint: "http://127.0.0.1:1" }, auditBucket: "audit", maxAttempts: 1 });
    ctx.rememberAccountId("444455556666");
    expect(await ctx.accountId()).toBe("444455556666");
    await ctx.destroy();
  });
});
