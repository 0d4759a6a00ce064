import { DEFAULT_MAX_TTL } from "./duration";
import { IAM_PATH } from "./names";

const DAY = 86_400_000;

/** A max TTL beyond a year is a typo, not a policy. */
export const MAX_MAX_TTL = 366 * DAY;

/**
 * The defaults of the settings the reaper Lambda and the `ephemera` CLI read. The
 * Reaper construct writes the same variables into the function's environment, so
 * both sides take their defaults from here.
 */
export const SETTING_DEFAULTS = {
  /** How long before expiry the owner is warned (the ttl grammar; `0` turns warnings off). */
  warningWindow: "1h",
  /** Most environments deleted or paused in one run. */
  maxEnvsPerRun: 10,
  /** Longest ttl accepted, and the most life extend can give from now. */
  maxTtl: `${DEFAULT_MAX_TTL / DAY}d`,
  /** Schedule group searched for the one-shot `ephemera-expiry-<env>` schedules. */
  expiryScheduleGroup: "default",
  dryRun: false,
  /** The IAM path the reaper lists environments' roles under. */
  iamPath: IAM_PATH,
  /** Seconds of a Lambda invocation kept free: no action starts with less left. */
  deadlineMarginSeconds: 60,
  /** Seconds a run's lease on an environment lasts unrenewed: the default sweep interval. */
  leaseSeconds: 300,
  /** Seconds a host's clock may be from S3's before it refuses to coordinate (leases, admission, claims). */
  maxClockSkewSeconds: 30,
  /** Where the spend meter gets on-demand prices. */
  priceList: "aws",
  /** Most live environments in the account: `admit` refuses more. */
  maxEnvironments: 50,
  /** Most live environments one owner may have. */
  maxEnvironmentsPerOwner: 5,
  /** The largest budget `admit` accepts for one environment, in USD. */
  maxBudgetUsd: 100,
  /** How long an admission counts before the environment's resources exist. */
  admissionHold: "1h",
  /** How old the live-environment index may be for `admit` to count from it: twice the Reaper's default sweep interval (5 minutes). */
  admissionIndexMaxAge: "10m",
  /** Most checkpoints an environment keeps, its baseline not counted. */
  maxCheckpoints: 5,
  /** How old a reviewed reap plan (`ephemera reap --plan-out`) may be, by S3's clock, for `--plan` to execute it. */
  maxPlanAge: "1h",
} as const;

/**
 * One setting: the environment variable the Lambda and the CLI read, the CLI flag that
 * overrides it, and what it defaults to (for `--help` and the docs).
 */
export interface SettingSpec {
  readonly env: string;
  /** A second variable, read when `env` is unset or blank. */
  readonly fallbackEnv?: string;
  readonly flag: string;
  /** A boolean setting: `--no-<flag>` turns it off. */
  readonly negatable?: boolean;
  readonly defaultText: string;
  readonly description: string;
}

/** Every setting, in the order `--help` and docs/cli.md list them. */
export const SETTINGS = {
  auditBucket: { env: "EPHEMERA_AUDIT_BUCKET", flag: "--audit-bucket", defaultText: "required", description: "the audit bucket's name" },
  allowedAccounts: {
    env: "EPHEMERA_ALLOWED_ACCOUNTS",
    flag: "--allowed-accounts",
    defaultText: "none: nothing is ever changed",
    description: "comma-separated 12-digit account ids the reaper may act in",
  },
  warningWindow: {
    env: "EPHEMERA_WARNING_WINDOW",
    flag: "--warning-window",
    defaultText: SETTING_DEFAULTS.warningWindow,
    description: "how long before expiry the owner is warned (the ttl grammar; 0 turns warnings off)",
  },
  maxEnvsPerRun: {
    env: "EPHEMERA_MAX_ENVS_PER_RUN",
    flag: "--max-envs-per-run",
    defaultText: String(SETTING_DEFAULTS.maxEnvsPerRun),
    description: "most environments deleted or paused in one run",
  },
  dryRun: {
    env: "EPHEMERA_DRY_RUN",
    flag: "--dry-run",
    negatable: true,
    defaultText: String(SETTING_DEFAULTS.dryRun),
    description: "plan only: change nothing, write no audit records",
  },
  clusters: { env: "EPHEMERA_CLUSTERS", flag: "--clusters", defaultText: "none", description: "comma-separated EKS cluster names whose namespaces are looked at" },
  notificationTopicArn: {
    env: "EPHEMERA_NOTIFICATION_TOPIC_ARN",
    flag: "--notification-topic-arn",
    defaultText: "none",
    description: "SNS topic for owners whose ephemera:owner is not a topic ARN",
  },
  maxTtl: {
    env: "EPHEMERA_MAX_TTL",
    flag: "--max-ttl",
    defaultText: `${SETTING_DEFAULTS.maxTtl} (at most ${MAX_MAX_TTL / DAY}d)`,
    description: "longest ttl accepted, and the most life extend can give from now",
  },
  expiryScheduleGroup: {
    env: "EPHEMERA_EXPIRY_SCHEDULE_GROUP",
    flag: "--expiry-schedule-group",
    defaultText: SETTING_DEFAULTS.expiryScheduleGroup,
    description: "schedule group of the one-shot ephemera-expiry-<env> schedules, if not in the environment's own group",
  },
  iamPath: {
    env: "EPHEMERA_IAM_PATH",
    flag: "--iam-path",
    defaultText: SETTING_DEFAULTS.iamPath,
    description: "IAM path under which environments' roles are listed (the constructs put them under /ephemera/)",
  },
  deadlineMarginSeconds: {
    env: "EPHEMERA_DEADLINE_MARGIN_SECONDS",
    flag: "--deadline-margin-seconds",
    defaultText: String(SETTING_DEFAULTS.deadlineMarginSeconds),
    description: "seconds of a Lambda invocation kept free: no action starts with less left, the rest wait for the next run",
  },
  leaseSeconds: {
    env: "EPHEMERA_LEASE_SECONDS",
    flag: "--lease-seconds",
    defaultText: String(SETTING_DEFAULTS.leaseSeconds),
    description: "seconds a run's lease on an environment lasts unrenewed: the longest a crashed run keeps others off it (the Reaper construct sets its sweep interval)",
  },
  maxClockSkewSeconds: {
    env: "EPHEMERA_MAX_CLOCK_SKEW_SECONDS",
    flag: "--max-clock-skew-seconds",
    defaultText: String(SETTING_DEFAULTS.maxClockSkewSeconds),
    description: "seconds this host's clock may be from S3's: further off, it refuses to take leases, admit or claim (leases and holds expire by S3's clock)",
  },
  databasePool: {
    env: "EPHEMERA_DATABASE_POOL",
    flag: "--database-pool",
    defaultText: "none",
    description: "the warm database pool, as JSON (the WarmDatabasePool construct writes it): what claim takes from and each sweep refills",
  },
  priceList: {
    env: "EPHEMERA_PRICE_LIST",
    flag: "--price-list",
    defaultText: SETTING_DEFAULTS.priceList,
    description: "where the spend meter gets on-demand prices: aws (the AWS Price List API, else the table shipped with the package), off (the table only), or an http(s) endpoint of the Price List API",
  },
  maxEnvironments: {
    env: "EPHEMERA_MAX_ENVIRONMENTS",
    flag: "--max-environments",
    defaultText: String(SETTING_DEFAULTS.maxEnvironments),
    description: "most live environments in the account: admit refuses more (live: resources exist, or admitted within the admission hold)",
  },
  maxEnvironmentsPerOwner: {
    env: "EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER",
    flag: "--max-environments-per-owner",
    defaultText: String(SETTING_DEFAULTS.maxEnvironmentsPerOwner),
    description: "most live environments one owner may have: admit refuses more",
  },
  maxBudgetUsd: {
    env: "EPHEMERA_MAX_BUDGET_USD",
    flag: "--max-budget-usd",
    defaultText: String(SETTING_DEFAULTS.maxBudgetUsd),
    description: "the largest budget admit accepts for one environment, in USD",
  },
  admissionHold: {
    env: "EPHEMERA_ADMISSION_HOLD",
    flag: "--admission-hold",
    defaultText: SETTING_DEFAULTS.admissionHold,
    description: "how long an admission counts against the caps before the environment's resources exist (the ttl grammar)",
  },
  admissionIndexMaxAge: {
    env: "EPHEMERA_ADMISSION_INDEX_MAX_AGE",
    flag: "--admission-index-max-age",
    defaultText: SETTING_DEFAULTS.admissionIndexMaxAge,
    description: "how old the live-environment index that full sweeps keep may be for admit to count from it, not from a full discovery (the ttl grammar; twice the sweep interval; 0 always discovers)",
  },
  platformBudgetUsd: {
    env: "EPHEMERA_PLATFORM_BUDGET_USD",
    flag: "--platform-budget-usd",
    defaultText: "none",
    description: "the spend meter pauses provisioning when the live environments' estimates add up to this (PlatformStack sets it with its platform budget)",
  },
  maxCheckpoints: {
    env: "EPHEMERA_MAX_CHECKPOINTS",
    flag: "--max-checkpoints",
    defaultText: String(SETTING_DEFAULTS.maxCheckpoints),
    description:
      "most checkpoints an environment keeps, its baseline not counted: a new one past it deletes the oldest label-less ones, and is refused when every one is labelled",
  },
  maxPlanAge: {
    env: "EPHEMERA_MAX_PLAN_AGE",
    flag: "--max-plan-age",
    defaultText: SETTING_DEFAULTS.maxPlanAge,
    description: "how old a reviewed plan (reap --plan-out) may be, by S3's clock, for reap --plan to execute it: older, it is refused and a new plan must be made (the ttl grammar)",
  },
  region: { env: "AWS_REGION", fallbackEnv: "AWS_DEFAULT_REGION", flag: "--region", defaultText: "AWS_DEFAULT_REGION; required", description: "the region the environments are in (AWS_REGION, else AWS_DEFAULT_REGION)" },
  profile: { env: "AWS_PROFILE", flag: "--profile", defaultText: "the SDK's default credential chain", description: "named profile" },
  endpoint: { env: "AWS_ENDPOINT_URL", flag: "--endpoint-url", defaultText: "each service's own", description: "one endpoint for every service (a local emulator)" },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
