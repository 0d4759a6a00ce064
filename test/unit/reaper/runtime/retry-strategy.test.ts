import { AdaptiveRetryStrategy } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryStrategyV2 } from "@smithy/types";
import { PerCallQuotaRetryStrategy, sdkRetryOptions } from "../../../../reaper/runtime/retry-strategy";

const transient: RetryErrorInfo = { errorType: "TRANSIENT" };

/** `calls` calls at once, each failing `failures` times before it succeeds; how many calls got all their retries. */
async function run(strategy: RetryStrategyV2, calls: number, failures: number): Promise<number> {
  const outcomes = await Promise.all(
    Array.from({ length: calls }, async () => {
      let token = await strategy.acquireInitialRetryToken("");
      try {
        for (let i = 0; i < failures; i++) token = await strategy.refreshRetryTokenForRetry(token, transient);
      } catch {
        return false;
      }
      strategy.recordSuccess(token);
      return true;
    }),
  );
  return outcomes.filter(Boolean).length;
}

describe("PerCallQuotaRetryStrategy", () => {
  test("every call may use all its attempts, where the SDK's shared quota runs dry (side by side)", async () => {
    // 100 calls at once, each failing twice: 200 retries of cost 14 against a quota of 500.
    const sdk = await run(new AdaptiveRetryStrategy(3), 100, 2);
    const ours = await run(new PerCallQuotaRetryStrategy(3), 100, 2);
    expect(sdk).toBeLessThan(50);
    expect(ours).toBe(100);
  });

  test("maxAttempts still bounds each call", async () => {
    const strategy = new PerCallQuotaRetryStrategy(3);
    expect(await run(strategy, 5, 3)).toBe(0);
    expect(await run(strategy, 5, 2)).toBe(5);
  });

  test("client errors are not retried", async () => {
    const strategy = new PerCallQuotaRetryStrategy(5);
    const token = await strategy.acquireInitialRetryToken("");
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: "CLIENT_ERROR" })).rejects.toThrow(/No retry token/);
  });

  test("a token it did not issue is refused, not retried blindly", async () => {
    const foreign = await new AdaptiveRetryStrategy(3).acquireInitialRetryToken("");
    await expect(new PerCallQuotaRetryStrategy(3).refreshRetryTokenForRetry(foreign, transient)).rejects.toThrow(/not issued by this strategy/);
  });

  test("each client gets a strategy of its own, and the SDK still sees maxAttempts", () => {
    const a = sdkRetryOptions(7);
    const b = sdkRetryOptions(7);
    expect(a.maxAttempts).toBe(7);
    expect(a.retryStrategy).toBeInstanceOf(PerCallQuotaRetryStrategy);
    expect(a.retryStrategy).not.toBe(b.retryStrategy);
  });
});
