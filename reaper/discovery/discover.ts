import { ALL_KIND_ADAPTERS } from "../kinds";
import type { KindContext } from "../contracts/kind-context";
import { mapWithLimit } from "../support/map-with-limit";
import { listingFailure } from "../support/outcomes";
import type { DiscoveredResource, Inventory, KindAdapter, ListingFailure } from "../contracts/kind-adapter";
import { isManagedByEphemera } from "../model";
import { refersToAuditBucket } from "../contracts/refers-to-audit-bucket";
import type { MeteredUsage } from "../contracts/metered-usage";

export interface DiscoverOptions {
  /** Adapters listing at once (each also bounds its own fan-out). @default 4 */
  readonly concurrency?: number;
}

/**
 * The reaper's first stage: every adapter's listing, concatenated, in one discovery pass
 * (a read two kinds need is made once: {@link KindContext.oncePerDiscovery}). A listing that
 * throws becomes a ListingFailure for its kind; whatever an adapter returns, nothing
 * without `ephemera:managed-by=ephemera`, and never the audit bucket, gets through.
 */
export async function discover(
  ctx: KindContext,
  adapters: readonly KindAdapter<KindContext>[] = ALL_KIND_ADAPTERS,
  options: DiscoverOptions = {},
): Promise<Inventory> {
  const listed = await ctx.discoveryPassOf(() =>
    mapWithLimit(adapters, options.concurrency ?? 4, async (adapter): Promise<Inventory> => {
      try {
        return await adapter.list(ctx);
      } catch (err) {
        return { resources: [], failures: [listingFailure(adapter.kind, "list", err)] };
      }
    }),
  );
  const resources: DiscoveredResource[] = [];
  const failures: ListingFailure[] = [];
  const usage: MeteredUsage[] = [];
  for (const inventory of listed) {
    failures.push(...inventory.failures);
    usage.push(...(inventory.usage ?? []).filter((u) => isManagedByEphemera(u.tags)));
    for (const resource of inventory.resources) {
      if (isManagedByEphemera(resource.tags) && !refersToAuditBucket(resource, ctx.auditBucket)) resources.push(resource);
    }
  }
  return { resources, failures, usage };
}
