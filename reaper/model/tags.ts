/** The AWS tag keys every resource of an environment carries (docs/constructs.md, "The tag schema"). */
export const TAG = {
  managedBy: "ephemera:managed-by",
  env: "ephemera:env",
  owner: "ephemera:owner",
  ttl: "ephemera:ttl",
  createdAt: "ephemera:created-at",
  expiresAt: "ephemera:expires-at",
  extendedUntil: "ephemera:extended-until",
  onExpiry: "ephemera:on-expiry",
  budgetUsd: "ephemera:budget-usd",
  protect: "ephemera:protect",
  state: "ephemera:state",
  /** A paused node group's desired size, so resume restores what pause took away. */
  pausedSize: "ephemera:paused-size",
  /** The budget limit (USD) the owner was last warned the burn rate will reach: one warning per limit. */
  budgetWarned: "ephemera:budget-warned",
  /** The warm pool a database was restored for (reaper/pool); it stays on the database once an environment claims it. */
  pool: "ephemera:pool",
  /** The snapshot a pool database was restored from, so one restored from an older baseline is replaced. */
  baseline: "ephemera:baseline",
} as const;

/** The `ephemera:state` of a pool database nobody has claimed: never reaped as an environment, never claimed twice. */
export const POOL_STATE = "warm";

export type TagKey = (typeof TAG)[keyof typeof TAG];

/** The tags a warm pool database is restored with (reaper/pool/plan-refill.ts): the only keys its restore may write. */
export const POOL_TAG_KEYS: readonly TagKey[] = [TAG.managedBy, TAG.pool, TAG.state, TAG.baseline];

/** Read-only view of one resource's tags, whatever API they came from. */
export type Tags = Readonly<Record<string, string>>;

/** The only value of `ephemera:managed-by` the reaper acts on. */
export const MANAGED_BY_VALUE = "ephemera";

export const ON_EXPIRY_VALUES = ["delete", "snapshot-delete", "pause"] as const;
export type OnExpiry = (typeof ON_EXPIRY_VALUES)[number];
export const DEFAULT_ON_EXPIRY: OnExpiry = "delete";

/** `expiring` marks the warning window before expiry, so owners see it coming. */
export const ENV_STATES = ["active", "expiring", "paused", "reaping"] as const;
export type EnvState = (typeof ENV_STATES)[number];

/**
 * Keys written after creation by first apply, the reaper or the CLI; Terraform must
 * ignore changes to them, or the next apply would undo an extension or a pause.
 */
export const RUNTIME_TAG_KEYS: readonly TagKey[] = [TAG.createdAt, TAG.extendedUntil, TAG.state, TAG.pausedSize, TAG.budgetWarned];

/** The reaper's first gate: without this exact tag it touches nothing. */
export function isManagedByEphemera(tags: Tags): boolean {
  return tags[TAG.managedBy] === MANAGED_BY_VALUE;
}

/**
 * Any value but "false" protects: a typo such as "yes" or "True" must err towards
 * keeping the resource, never towards deleting it.
 */
export function isProtected(tags: Tags): boolean {
  const value = tags[TAG.protect];
  return value !== undefined && value.trim().toLowerCase() !== "false";
}
