import type { DiscoveredResource } from "../contracts/kind-adapter";
import { POOL_STATE, TAG } from "../model";
import type { PoolMember } from "./decide-pool";

/** The security groups discovery saw a database in (its `securityGroups` fact). */
export function securityGroupsOf(resource: DiscoveredResource): string[] {
  const groups = resource.facts?.securityGroups;
  return typeof groups === "string" && groups !== "" ? groups.split(",") : [];
}

/** What the pool's policy needs of a pool database discovery found; `sharedGroups` are the pool's shared security groups (legacy members are in them). */
export function poolMemberOf(resource: DiscoveredResource, sharedGroups: readonly string[] = []): PoolMember {
  const restoredAt = resource.facts?.createdAt;
  const legacy = securityGroupsOf(resource).some((group) => sharedGroups.includes(group));
  return {
    ...(legacy ? { legacy } : {}),
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
