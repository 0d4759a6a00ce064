import { AdaptiveRetryStrategy, DefaultRateLimiter } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from "@smithy/types";

/**
 * The SDK's adaptive retries, with the retry quota kept per call instead of per client.
 *
 * The SDK's standard and adaptive strategies share one retry quota across all the calls of
 * a client (500 tokens; a retry costs 14, a throttling retry 5, a success gives one back):
 * a circuit breaker for fleets of clients. Under heavy failures (about one call in two) a
 * sweep of a few hundred calls spends it within seconds, and every later call of that client
 * fails at its first error. For the reaper that turns a flaky minute into a sweep that
 * lists nothing, since a listing with one failed page blocks every action that depends on it.
 *
 * Here each call gets its own SDK strategy (so its own quota: `maxAttempts` is the only
 * limit), while all calls of a client share one rate limiter, as the SDK's adaptive mode
 * does: throttling still slows the whole client down. Backoff, the error classification,
 * `Retry-After` hints and the retry headers are the SDK's own. The reaper runs one sweep at
 * a time with a few calls in flight, so its retries are bounded by calls × `maxAttempts`.
 */
export class PerCallQuotaRetryStrategy implements RetryStrategyV2 {
  readonly mode = "adaptive";
  private readonly rateLimiter = new DefaultRateLimiter();
  private readonly strategyOf = new WeakMap<RetryToken, AdaptiveRetryStrategy>();

  constructor(private readonly maxAttempts: number) {}

  async acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    const strategy = new AdaptiveRetryStrategy(this.maxAttempts, { rateLimiter: this.rateLimiter });
    const token = await strategy.acquireInitialRetryToken(retryTokenScope);
    this.strategyOf.set(token, strategy);
    return token;
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const strategy = this.strategyOf.get(token);
    if (strategy === undefined) throw new Error("No retry token available: the token was not issued by this strategy");
    const next = await strategy.refreshRetryTokenForRetry(token as StandardRetryToken, errorInfo);
    this.strategyOf.set(next, strategy);
    return next;
  }

  recordSuccess(token: RetryToken): void {
    this.strategyOf.get(token)?.recordSuccess(token as StandardRetryToken);
  }
}

/**
 * What every AWS client the reaper creates is given (kind-context, audit, SNS, STS), a new
 * strategy per client: adaptive retry backs off on throttling across all calls of a client,
 * so a large sweep slows down instead of failing, and each call may use all its attempts.
 */
export function sdkRetryOptions(maxAttempts: number): { retryStrategy: PerCallQuotaRetryStrategy; maxAttempts: number } {
  return { retryStrategy: new PerCallQuotaRetryStrategy(maxAttempts), maxAttempts };
}
