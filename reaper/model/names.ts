/**
 * The names Ephemera gives the things both sides must agree on: the constructs create
 * them, the reaper finds them by these names, and the reaper's IAM policy is scoped to
 * them. Change one here and every side follows.
 */
import { tryParseDuration } from "./duration";
import { tryParseEnvId } from "./env-id";
import { InvalidValueError } from "./invalid-value-error";
import { fail, type ParseOptions, type Result } from "./result";

/** What every per-environment name the reaper or its IAM policy matches on starts with. */
export const NAME_PREFIX = "ephemera-";

/** Every environment's budget is named `ephemera-<env>` (EnvBudget); the reaper reads the env back from it. */
export const BUDGET_NAME_PREFIX = NAME_PREFIX;

export function budgetName(envId: string): string {
  const name = `${BUDGET_NAME_PREFIX}${envId}`;
  if (name === PLATFORM_BUDGET_NAME) throw new InvalidValueError("envId", envId, "is reserved: its budget would be named like the platform budget", 'use another id, such as "platform-1"');
  return name;
}

/** The environment a budget name belongs to, or undefined for a name that is not an Ephemera budget's. */
export function envOfBudgetName(name: string): string | undefined {
  // The platform budget shares the prefix but is no environment's: never discovered, never paused as one.
  if (name === PLATFORM_BUDGET_NAME) return undefined;
  return name.startsWith(BUDGET_NAME_PREFIX) ? name.slice(BUDGET_NAME_PREFIX.length) : undefined;
}

/** Every environment's schedule group is named `ephemera-<env>` (EnvExpirySchedule). */
export const SCHEDULE_GROUP_PREFIX = NAME_PREFIX;

/** `ephemera-<env>`: the environment's own schedule group, which carries its tags (AWS tags groups, not schedules). */
export function expiryScheduleGroupName(envId: string): string {
  return `${SCHEDULE_GROUP_PREFIX}${envId}`;
}

/** `ephemera-expiry-<env>`: the one-shot schedule that invokes the reaper at the environment's expiry. */
export function expiryScheduleName(envId: string): string {
  return `${NAME_PREFIX}expiry-${envId}`;
}

/** Every checkpoint is named `ephemera-<env>-<yyyymmddhhmmss>` (and a suffix when that is taken): checkpointSnapshotName. */
export const CHECKPOINT_PREFIX = NAME_PREFIX;

/**
 * `ephemera-<env>-<yyyymmddhhmmss>` (UTC), and `-<suffix>` when given (one that second already
 * has): a checkpoint's snapshot identifier. The final snapshots' stamp has 12 digits and
 * `-final-` before it, so the two never collide.
 */
export function checkpointSnapshotName(env: string, at: Date, suffix?: string): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[^0-9]/g, "");
  return `${CHECKPOINT_PREFIX}${env}-${stamp}${suffix === undefined ? "" : `-${suffix}`}`;
}

/** A rollback's restored database waits beside the environment's as `<identifier>-rollback`. */
export const ROLLBACK_STAGED_SUFFIX = "-rollback";

/** The database a rollback replaces is renamed `<identifier>-replaced` until it is kept as a checkpoint and deleted. */
export const ROLLBACK_REPLACED_SUFFIX = "-replaced";

/**
 * The final snapshot of the database a rollback replaced, kept as a label-less checkpoint:
 * `ephemera-<env>-<yyyymmddhhmmss>-replaced`, and `-<n>` after it for the `n`th of that second.
 */
export function replacedCheckpointName(env: string, at: Date, n = 1): string {
  return checkpointSnapshotName(env, at, `${ROLLBACK_REPLACED_SUFFIX.slice(1)}${n > 1 ? `-${n}` : ""}`);
}

/** Every final snapshot the reaper takes is named `ephemera-<env>-…`. */
export const FINAL_SNAPSHOT_PREFIX = NAME_PREFIX;

/**
 * `ephemera-<env>-final-<yyyymmddhhmm>` (UTC), with the instance id added when an
 * environment has several databases. RDS identifiers allow no `--`, so runs of
 * hyphens collapse; they must start with a letter, which "ephemera" guarantees.
 */
export function finalSnapshotName(env: string, at: Date, dbInstanceId?: string): string {
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  const parts = [FINAL_SNAPSHOT_PREFIX + env, ...(dbInstanceId === undefined ? [] : [dbInstanceId]), "final", stamp];
  return parts
    .join("-")
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 255)
    .replace(/-$/, "");
}

/**
 * The IAM path of every role and instance profile an environment creates: the
 * environment tagging puts them there, and the reaper lists only this path (IAM can
 * read tags only one role at a time).
 */
export const IAM_PATH = "/ephemera/";

/** Every audit record lives under this key prefix; the AuditBucket grants writes here and nowhere else. */
export const AUDIT_PREFIX = "audit/";

/** Environment leases (reaper/action/env-lease.ts) live under this prefix of the audit bucket. */
export const LEASE_PREFIX = "leases/";

/** Every warm pool database is named `ephemera-pool-<pool>-<8 hex>`. */
export const POOL_MEMBER_PREFIX = `${NAME_PREFIX}pool-`;

/** The longest pool name: its databases' identifiers (`ephemera-pool-<name>-<8 hex>`) must stay within RDS's 63 characters. */
export const MAX_POOL_NAME_LENGTH = 20;

/** A pool's max age: the TTL grammar, an hour at least (a restore may take that long, so a shorter one would churn the pool). */
export function tryParsePoolMaxAge(text: string, options: ParseOptions = {}): Result<number> {
  const parsed = tryParseDuration(text, options);
  if (!parsed.ok || parsed.value >= HOUR_MS) return parsed;
  return fail(new InvalidValueError(options.field ?? "maxAge", text, "is shorter than an hour, less than a restore may take", 'use "1d" or more'));
}

const HOUR_MS = 3_600_000;

/** A pool's name: an environment id's characters, at most {@link MAX_POOL_NAME_LENGTH} long. */
export function tryParsePoolName(text: string, options: ParseOptions = {}): Result<string> {
  const parsed = tryParseEnvId(text, options);
  if (!parsed.ok || text.length <= MAX_POOL_NAME_LENGTH) return parsed;
  return fail(new InvalidValueError(options.field ?? "name", text, `is longer than ${MAX_POOL_NAME_LENGTH} characters`, 'use a short name, such as "default"'));
}

export function poolMemberIdentifier(pool: string, suffix: string): string {
  return `${POOL_MEMBER_PREFIX}${pool}-${suffix}`;
}

/**
 * A pool database's own security group is named as the database, in the pool's VPC: its
 * restore creates it (or finds it, on a retry) and the claiming environment imports it, so
 * both sides derive the name, and the description (which Terraform cannot change in place), from the database's.
 */
export function poolMemberSecurityGroupName(database: string): string {
  return database;
}

/** See {@link poolMemberSecurityGroupName}. EC2 allows no apostrophe in a description. */
export function poolMemberSecurityGroupDescription(database: string): string {
  return `Ephemera: security group of database ${database}; admits only the rules its environment adds`;
}

/** Claims of pool databases (reaper/pool) live under this prefix of the audit bucket: one object per database, written once. */
/**
 * The names a pool's baseline snapshots of instance `source` may have: automated ones
 * (`rds:<source>-…`) and manual ones named after it (`<source>-…`). The reaper's role may
 * restore from these only, and the refill picks its newest among them only.
 */
export function baselineSnapshotPrefixes(source: string): readonly string[] {
  return [`rds:${source}-`, `${source}-`];
}

export const CLAIM_PREFIX = "claims/";

/** The spend meter's readings (reaper/spend/spend-readings.ts) live under this prefix of the audit bucket. */
export const SPEND_PREFIX = "spend/";

/** Admission reservations (reaper/admission): a versioned register (reaper/state), one object per change, newest first. */
export const ADMISSION_PREFIX = "admissions/";

/**
 * Admission requests (reaper/admission/admission-requests.ts): one write-once object per admit
 * that lost a write of the reservations, so that whichever admit writes next decides it too.
 */
export const ADMISSION_REQUEST_PREFIX = "admission-requests/";

/** Whether provisioning is paused (reaper/admission): a versioned register (reaper/state), one object per change, newest first. */
export const PROVISIONING_PREFIX = "provisioning/";

/**
 * The live-environment index (reaper/admission/live-index.ts): a versioned register that
 * every full acting sweep writes and `admit` counts from.
 */
export const LIVE_INDEX_PREFIX = "live-index/";

/** The platform budget's name (the PlatformBudget construct): its alert pauses provisioning, not an environment. */
export const PLATFORM_BUDGET_NAME = "ephemera-platform";

/**
 * Decision traces (reaper/traces): per environment, `traces/<env>/`, write-once batches of
 * hash-chained records. The environment's workload role may append under its own and nowhere else.
 */
export const TRACE_PREFIX = "traces/";

/** The prefix of one environment's decision trace. */
export function tracePrefix(env: string): string {
  return `${TRACE_PREFIX}${env}/`;
}

/**
 * Where the reaper keeps, per environment, a pointer to each audit record in which it sealed
 * that environment's trace head (at reap or release), so `trace verify` finds it in one listing.
 * Apart from `traces/`: a workload that may write under its own trace cannot write here.
 */
export const TRACE_SEAL_PREFIX = "trace-seals/";

/** Reviewed reap plans (`ephemera reap --plan-out`), each stored once under its hash, and the run that executed it. */
export const PLAN_PREFIX = "plans/";

/** The IAM role an environment's workload ServiceAccount assumes (EnvNamespace). */
export function workloadRoleName(envId: string): string {
  return `${NAME_PREFIX}${envId}-workload`;
}

/**
 * Every prefix of the audit bucket that Ephemera writes (once per key) and reads back: the
 * reaper's policy and `AuditBucket.grantReadWrite` allow exactly these, nothing else.
 */
export const AUDIT_BUCKET_PREFIXES: readonly string[] = [AUDIT_PREFIX, LEASE_PREFIX, SPEND_PREFIX, CLAIM_PREFIX, ADMISSION_PREFIX, ADMISSION_REQUEST_PREFIX, PROVISIONING_PREFIX, LIVE_INDEX_PREFIX, TRACE_PREFIX, TRACE_SEAL_PREFIX, PLAN_PREFIX];
