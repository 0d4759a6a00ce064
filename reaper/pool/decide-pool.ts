/**
 * The warm database pool's policy: a pure function of the pool's settings, its members as
 * discovery saw them, the newest baseline snapshot and the clock. It says how many
 * databases to restore and which warm ones to delete. A claimed database is an
 * environment's and never counts; a failed lookup of the baseline changes nothing.
 */

import type { PoolSettings } from "../config/pool-settings";

/** A database of the pool as discovery saw it. */
export interface PoolMember {
  readonly id: string;
  /** RDS's status word: `creating`, `available`, `failed`, ... */
  readonly status: string;
  /** The snapshot it was restored from (`ephemera:baseline`). */
  readonly baseline?: string;
  /** When it was restored (ISO-8601). */
  readonly restoredAt?: string;
  /** The environment that claimed it; a claimed database is no longer the pool's. */
  readonly claimedBy?: string;
  /** Restored into the pool's shared security group, before each database had its own: replaced like a stale one. */
  readonly legacy?: boolean;
}

/** The newest snapshot of the baseline, or why it could not be found. */
export type Baseline = { readonly snapshot: string; readonly createdAt: string } | { readonly unknown: string };

export interface PoolDecision {
  /** Databases to restore from `baseline` now. */
  readonly restore: number;
  /** The snapshot to restore from (absent when nothing is restored). */
  readonly from?: string;
  /** Warm databases to delete, each with why. */
  readonly remove: readonly { readonly id: string; readonly reason: string }[];
  /** Warm or being restored, fresh: what the pool holds once the restores finish. */
  readonly fresh: number;
  /** Why the pool was left as it is, when it was. */
  readonly note?: string;
}

/** States from which a database never becomes usable. */
const BROKEN = new Set(["failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "inaccessible-encryption-credentials", "storage-full"]);

export function decidePool(settings: PoolSettings, members: readonly PoolMember[], baseline: Baseline, now: Date): PoolDecision {
  const unclaimed = members.filter((m) => m.claimedBy === undefined && m.status !== "deleting");
  const remove: { id: string; reason: string }[] = [];
  const broken = unclaimed.filter((m) => BROKEN.has(m.status));
  for (const m of broken) remove.push({ id: m.id, reason: `its restore ended ${m.status}` });

  if ("unknown" in baseline) {
    // Without the baseline, "stale" and "restore from what" are guesses: only broken members go.
    return { restore: 0, remove, fresh: unclaimed.length - broken.length, note: `the baseline's newest snapshot is unknown (${baseline.unknown}); the pool is left as it is` };
  }

  const usable = unclaimed.filter((m) => !BROKEN.has(m.status));
  const staleness = (m: PoolMember): string | undefined => {
    if (m.legacy === true) return "restored into the pool's shared security group, before each database had its own";
    if (m.baseline !== baseline.snapshot) return `restored from ${m.baseline ?? "an unknown snapshot"}, not the newest baseline ${baseline.snapshot}`;
    const restored = m.restoredAt === undefined ? NaN : Date.parse(m.restoredAt);
    if (!Number.isFinite(restored)) return "its restore time is unknown";
    if (now.getTime() - restored > settings.maxAgeMs) return `restored at ${m.restoredAt}, older than the pool's max age`;
    return undefined;
  };
  const fresh = usable.filter((m) => staleness(m) === undefined);
  const stale = usable.filter((m) => staleness(m) !== undefined);
  const restore = Math.max(0, settings.size - fresh.length);
  // A stale database is replaced, not dropped: it goes once enough fresh ones are ready to take claims.
  const freshReady = fresh.filter((m) => m.status === "available").length;
  const spareStale = Math.max(0, stale.length - Math.max(0, settings.size - freshReady));
  const byAge = [...stale].sort((a, b) => (a.restoredAt ?? "").localeCompare(b.restoredAt ?? "") || a.id.localeCompare(b.id));
  for (const m of byAge.slice(0, spareStale)) remove.push({ id: m.id, reason: staleness(m)! });
  // More fresh databases than the size (the size was lowered): the oldest go.
  const surplus = [...fresh].filter((m) => m.status === "available").sort((a, b) => (a.restoredAt ?? "").localeCompare(b.restoredAt ?? "") || a.id.localeCompare(b.id));
  for (const m of surplus.slice(0, Math.max(0, fresh.length - settings.size))) remove.push({ id: m.id, reason: `the pool holds ${fresh.length}, more than its size ${settings.size}` });

  return { restore, ...(restore > 0 ? { from: baseline.snapshot } : {}), remove, fresh: Math.min(fresh.length, settings.size) + restore };
}
