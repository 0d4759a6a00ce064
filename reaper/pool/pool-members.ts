import type { DiscoveredResource } from "../contracts/kind-adapter";
import { POOL_STATE, TAG } from "../model";
import type { PoolMember } from "./decide-pool";

/** What the pool's policy needs of a pool database discovery found. */
export function poolMemberOf(resource: DiscoveredResource): PoolMember {
  const restoredAt = resource.facts?.createdAt;
  return {
    id: resource.id,
    status: resource.status ?? "unknown",
    ...(resource.tags[TAG.baseline] === undefined ? {} : { baseline: resource.tags[TAG.baseline] }),
    ...(typeof restoredAt === "string" ? { restoredAt } : {}),
    ...(resource.tags[TAG.env] === undefined ? {} : { claimedBy: resource.tags[TAG.env] }),
  };
}

/** A database that can be claimed now: restored, available, warm and nobody's. */
export function isClaimable(resource: DiscoveredResource): boolean {
  return resource.kind === "rds-instance" && resource.status === "available" && resource.tags[TAG.state] === POOL_STATE && resource.tags[TAG.env] === undefined;
}

/** `ls`'s view of one pool. */
export interface PoolSummary {
  readonly pool: string;
  /** The size its settings ask for; null when this reaper has no settings for it. */
  readonly size: number | null;
  /** Available and unclaimed: what a claim can get now. */
  readonly warm: number;
  /** Still being restored. */
  readonly restoring: number;
  /** When the oldest warm database was restored (ISO-8601); null when none is warm. */
  readonly oldestRestoredAt: string | null;
}

export function summarizePool(pool: string, members: readonly DiscoveredResource[], size: number | undefined): PoolSummary {
  const warm = members.filter(isClaimable);
  const oldest = warm.map((m) => poolMemberOf(m).restoredAt).filter((t): t is string => t !== undefined).sort()[0];
  return {
    pool,
    size: size ?? null,
    warm: warm.length,
    restoring: members.filter((m) => m.status !== "available" && m.status !== "deleting" && m.status !== "failed").length,
    oldestRestoredAt: oldest ?? null,
  };
}
