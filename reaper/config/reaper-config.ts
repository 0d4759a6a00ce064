import { isAccountId, isSnsTopicArn, parseDuration, SETTING_DEFAULTS } from "../model";

/** Object Lock mode of each audit record: COMPLIANCE cannot be shortened or bypassed by anyone. */
export type AuditLockMode = "COMPLIANCE" | "GOVERNANCE";

/** Everything the reaper engine reads from its deployment; decide, act, audit and sweep take this one shape. */
export interface ReaperConfig {
  /**
   * AWS accounts the sweep may act in. The caller's account (STS) must be listed,
   * or the sweep acts on nothing.
   * @default - none: an unconfigured reaper refuses to act anywhere
   */
  readonly allowedAccounts: readonly string[];
  /** The audit bucket: records are written here, and no plan action may ever touch it. */
  readonly auditBucket: string;
  /** Days each audit record is retained under Object Lock. @default 365 */
  readonly auditRetentionDays: number;
  /** Object Lock mode written on each record; matches the AuditBucket construct's default. @default GOVERNANCE */
  readonly auditLockMode: AuditLockMode;
  /**
   * Whether each PutObject carries its own retention (mode and retain-until date) or
   * relies on the bucket's default retention alone. Off by default: the bucket's default
   * retention locks every new record anyway. On, the writer needs `s3:PutObjectRetention`
   * in its own policy (no AuditBucket grant gives it), and the AuditBucket's policy lets it
   * through (to all but break-glass) only as the bucket's default: the same mode as
   * `auditLockMode`, and `auditRetentionDays` within a day of its days.
   * @default false
   */
  readonly auditPerObjectRetention: boolean;
  /** How long before expiry the owner is warned and the environment marked `expiring`, in ms. @default 1 hour */
  readonly warningWindowMs: number;
  /** Most environments that get a destructive action (delete, pause) in one run; the rest are deferred. @default 10 */
  readonly maxEnvironmentsPerRun: number;
  /** Environments acted on at once; phases within one environment always run in order. @default 4 */
  readonly concurrency: number;
  /**
   * A run without its run-summary that started this long ago has stopped for good: the
   * next run closes its audit chain. Longer than the longest run (the Lambda stops at 15
   * minutes), so a run still going is never closed.
   * @default 15 minutes
   */
  readonly unfinishedRunAfterMs: number;
  /**
   * Time kept free at the end of a run that has a deadline (a Lambda invocation): no
   * action starts with less left, so the run ends with its actions answered and its
   * run-summary written, not killed between a before- and an after-record.
   * @default 60 seconds
   */
  readonly deadlineMarginMs: number;
  /**
   * How long a run's lease on an environment lasts without renewal (renewed at half):
   * the longest a crashed run keeps other runs off that environment. The Reaper construct
   * sets it to its sweep interval.
   * @default 5 minutes
   */
  readonly leaseMs: number;
  /**
   * How far this host's clock may be from S3's before it refuses to take a lease, admit or
   * claim: leases and admission holds expire by S3's clock, never a host's.
   * @default 30 seconds
   */
  readonly maxClockSkewMs: number;
  /**
   * SNS topic for owner notifications when the `ephemera:owner` tag is not itself an SNS topic ARN.
   * @default - none: such owners are not notified, and the plan says so
   */
  readonly notificationTopicArn?: string;
  /** Longest ttl the reaper enforces; a longer, well-formed one counts as this (with a warning naming the tag). @default 14 days */
  readonly maxTtlMs: number;
  /**
   * Attempts per AWS call, with the SDK's adaptive retry mode (backoff, and client-side rate
   * limiting under throttling). Each call has a retry quota of its own, so it may use all of
   * them (reaper/runtime/retry-strategy.ts).
   * @default 8
   */
  readonly awsMaxAttempts: number;
}

/** The fields with defaults may be left out. */
export type ReaperConfigInput = Pick<ReaperConfig, "auditBucket"> & Partial<Omit<ReaperConfig, "auditBucket">>;

export const DEFAULT_REAPER_CONFIG = {
  allowedAccounts: [] as readonly string[],
  auditRetentionDays: 365,
  auditLockMode: "GOVERNANCE" as AuditLockMode,
  auditPerObjectRetention: false,
  warningWindowMs: parseDuration(SETTING_DEFAULTS.warningWindow),
  maxEnvironmentsPerRun: SETTING_DEFAULTS.maxEnvsPerRun as number,
  concurrency: 4,
  unfinishedRunAfterMs: 15 * 60_000,
  deadlineMarginMs: SETTING_DEFAULTS.deadlineMarginSeconds * 1000,
  leaseMs: SETTING_DEFAULTS.leaseSeconds * 1000,
  maxClockSkewMs: SETTING_DEFAULTS.maxClockSkewSeconds * 1000,
  maxTtlMs: parseDuration(SETTING_DEFAULTS.maxTtl),
  awsMaxAttempts: 8,
} as const;

/** Fills in defaults and rejects values that would make the reaper unsafe or useless. */
export function reaperConfig(input: ReaperConfigInput): ReaperConfig {
  const config: ReaperConfig = { ...DEFAULT_REAPER_CONFIG, ...withoutUndefined(input), auditBucket: input.auditBucket ?? "" };
  const problems: string[] = [];
  if (config.auditBucket.trim() === "") problems.push("auditBucket is empty");
  for (const account of config.allowedAccounts) {
    if (!isAccountId(account)) problems.push(`allowedAccounts entry ${JSON.stringify(account)} is not a 12-digit account id`);
  }
  const whole = (name: keyof ReaperConfig, min: number) => {
    const value = config[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
      problems.push(`${name} must be a whole number of at least ${min}, got ${String(value)}`);
    }
  };
  whole("auditRetentionDays", 1);
  whole("warningWindowMs", 0);
  whole("maxEnvironmentsPerRun", 0);
  whole("concurrency", 1);
  whole("unfinishedRunAfterMs", 1);
  whole("deadlineMarginMs", 0);
  whole("leaseMs", 1000);
  whole("maxClockSkewMs", 1000);
  whole("maxTtlMs", 1);
  whole("awsMaxAttempts", 1);
  if (config.auditLockMode !== "COMPLIANCE" && config.auditLockMode !== "GOVERNANCE") {
    problems.push(`auditLockMode must be COMPLIANCE or GOVERNANCE, got ${String(config.auditLockMode)}`);
  }
  if (config.notificationTopicArn !== undefined && !isSnsTopicArn(config.notificationTopicArn)) {
    problems.push(`notificationTopicArn ${JSON.stringify(config.notificationTopicArn)} is not an SNS topic ARN`);
  }
  if (problems.length > 0) throw new Error(`invalid reaper config: ${problems.join("; ")}`);
  return config;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
