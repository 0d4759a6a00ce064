/**
 * The AWS tag keys of Ephemera. Every resource of an environment carries them, put there
 * by `tagEnvironment` or, as it acts, by the reaper; each key's comment is its row of
 * docs/constructs.md's tag schema (generated from it).
 */
export const TAG = {
  /** always `ephemera`; the reaper acts on nothing without it */
  managedBy: "ephemera:managed-by",
  /** environment id: DNS-label safe, at most 40 characters (`pr-123`) */
  env: "ephemera:env",
  /** who is notified: an AWS tag value, up to 256 letters, digits, spaces and `_ . : / = + - @` (the rule `ephemera admit` and `claim` apply to `--owner`) */
  owner: "ephemera:owner",
  /**
   * lifetime from creation: `90m`, `8h`, `3d`, `1w`, `1d12h`, at most 14 days (the
   * constructs' default: `EnvironmentTagProps`; a longer one is a synth error, and the
   * reaper enforces one tagged by hand as its max TTL)
   */
  ttl: "ephemera:ttl",
  /** ISO-8601 UTC, set by Terraform's `timestamp()` at first apply, then ignored by Terraform */
  createdAt: "ephemera:created-at",
  /** optional absolute ISO-8601 override (with `Z` or an offset; a zone-less time is an error) */
  expiresAt: "ephemera:expires-at",
  /** written only by the extend command; Terraform ignores it */
  extendedUntil: "ephemera:extended-until",
  /** `delete`, `snapshot-delete` or `pause`; a resource without the tag counts as `delete` */
  onExpiry: "ephemera:on-expiry",
  /** the environment's budget, in US dollars */
  budgetUsd: "ephemera:budget-usd",
  /** `true`: never touched, whatever else holds (any value but `false` protects) */
  protect: "ephemera:protect",
  /** written by the reaper: `active`, `expiring`, `paused`, `reaping` (and `warm` on a pool database nobody has claimed) */
  state: "ephemera:state",
  /** written by the reaper on a paused node group: its desired size, so resume restores what pause took away */
  pausedSize: "ephemera:paused-size",
  /** written by the reaper: the budget limit (USD) the owner was last warned the burn rate will reach, so one warning per limit */
  budgetWarned: "ephemera:budget-warned",
  /** the warm pool a database was restored for; it stays on the database once an environment claims it */
  pool: "ephemera:pool",
  /**
   * on a DB instance: the snapshot it was restored from (the warm pool's restore, or `SnapshotDatabase`),
   * its `baseline` checkpoint; a pool database restored from an older baseline is replaced; Terraform ignores it
   */
  baseline: "ephemera:baseline",
  /**
   * on a manual DB snapshot: it is one of the environment's checkpoints (`ephemera checkpoint`), deleted
   * with the environment; the value is the checkpoint's label, or empty for a label-less one
   */
  checkpoint: "ephemera:checkpoint",
  /** written by a rollback on the database it restores: the identifier of the checkpoint's snapshot restored */
  restoredFrom: "ephemera:restored-from",
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
