import {
  DeleteNodegroupCommand,
  DescribeNodegroupCommand,
  paginateListClusters,
  paginateListNodegroups,
  type Nodegroup,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateNodegroupConfigCommand,
} from "@aws-sdk/client-eks";
import { isManagedByEphemera, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, failed, hasCode, listingFailure, refused } from "../support/outcomes";
import type { DiscoveredResource, KindAdapter, ListingFailure } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const eksNodegroupRow = {
  what: "EKS managed node groups, on every cluster in the region (ListClusters → ListNodegroups → DescribeNodegroup)",
  how: {
    find: "`ListClusters` \u2192 `ListNodegroups` \u2192 `DescribeNodegroup` (tags and sizes), across every cluster in the region",
    pause: "Saves `desired=<n> min=<m>` in the `ephemera:paused-size` tag, then sets min and desired to 0. Resume restores both sizes, then removes the tag.",
    delete: "`DeleteNodegroup`",
  },
  deletePhase: "nodegroup",
  pausePhase: "nodegroup",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["eks:ListClusters", "eks:ListNodegroups", "eks:DescribeNodegroup"],
    tag: { actions: ["eks:TagResource", "eks:UntagResource"], on: [inRegion("eks", "nodegroup/*")], scope: "managed" },
    pause: { actions: ["eks:UpdateNodegroupConfig"], on: [inRegion("eks", "nodegroup/*")], scope: "managed" },
    delete: { actions: ["eks:DeleteNodegroup"], on: [inRegion("eks", "nodegroup/*")], scope: "managed" },
  },
} satisfies KindRow;

/**
 * EKS managed node groups.
 *
 * Discovery: ListClusters → ListNodegroups → DescribeNodegroup, whose answer carries
 * the tags and the scaling config pause needs. (Real AWS's Tagging API does cover
 * node groups, but not their sizes, and moto's never returns EKS at all.) Every
 * cluster in the region is looked at, not only the configured Kubernetes ones.
 *
 * Pause remembers `desired=<n> min=<m>` in `ephemera:paused-size` before scaling to
 * desired 0 / min 0 (AWS refuses desired < min); resume restores both, then removes
 * the tag. Tag values allow no comma, hence the space-separated form.
 */
export const eksNodegroupAdapter: KindAdapter<KindContext> = {
  kind: "eks-nodegroup",

  async list(ctx) {
    const failures: ListingFailure[] = [];
    let clusters: string[];
    try {
      clusters = await listClusters(ctx);
    } catch (err) {
      return { resources: [], failures: [listingFailure("eks-nodegroup", `region ${ctx.region}`, err)] };
    }
    const perCluster = await mapWithLimit(clusters, ctx.listConcurrency, async (cluster) => {
      try {
        return { names: await listNodegroups(ctx, cluster) };
      } catch (err) {
        if (hasCode(err, "ResourceNotFoundException")) return { names: [] }; // deleted since ListClusters
        return { failure: listingFailure("eks-nodegroup", `cluster ${cluster}`, err) };
      }
    });
    const wanted = clusters.flatMap((cluster, i) => {
      const result = perCluster[i];
      if (result.failure) failures.push(result.failure);
      return (result.names ?? []).map((nodegroup) => ({ cluster, nodegroup }));
    });
    const described = await mapWithLimit(wanted, ctx.listConcurrency, async ({ cluster, nodegroup }) => {
      try {
        const found = await describe(ctx, cluster, nodegroup);
        return found !== undefined && isManagedByEphemera(found.tags ?? {}) ? toResource(ctx, cluster, found) : undefined;
      } catch (err) {
        // Its tags are unknown, so it could be any environment's: no env on the failure.
        failures.push(listingFailure("eks-nodegroup", `node group ${cluster}/${nodegroup}`, err));
        return undefined;
      }
    });
    const resources = described.filter((r): r is DiscoveredResource => r !== undefined);
    return { resources, failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const arn = resource.arn ?? (await describeOrThrow(ctx, resource)).nodegroupArn;
      const out = await ctx.eks.send(new TagResourceCommand({ resourceArn: arn, tags: { ...tags } }));
      return done(out.$metadata.requestId);
    });
  },

  pause(ctx, resource) {
    return attempt(async () => {
      const { cluster, nodegroup } = parseId(resource.id);
      const current = await describeOrThrow(ctx, resource);
      const desired = current.scalingConfig?.desiredSize ?? 0;
      const min = current.scalingConfig?.minSize ?? 0;
      if (desired === 0 && min === 0) {
        return alreadyDone("the node group is already scaled to 0", undefined, { desiredSize: 0 });
      }
      // Remember first: if the scale-down then fails, a retry re-reads the same sizes.
      await ctx.eks.send(
        new TagResourceCommand({ resourceArn: current.nodegroupArn, tags: { [TAG.pausedSize]: formatPausedSize(desired, min) } }),
      );
      const out = await ctx.eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: cluster,
          nodegroupName: nodegroup,
          scalingConfig: { minSize: 0, desiredSize: 0 },
        }),
      );
      return done(out.$metadata.requestId, { pausedDesiredSize: desired, pausedMinSize: min, updateId: out.update?.id ?? "" });
    });
  },

  resume(ctx, resource) {
    return attempt(async () => {
      const { cluster, nodegroup } = parseId(resource.id);
      const current = await describeOrThrow(ctx, resource);
      const remembered = current.tags?.[TAG.pausedSize];
      if (remembered === undefined) return alreadyDone(`the node group has no ${TAG.pausedSize} tag: nothing to restore`);
      const sizes = parsePausedSize(remembered);
      if (sizes === undefined) {
        return refused("InvalidPausedSize", `${TAG.pausedSize} is ${JSON.stringify(remembered)}, not "desired=<n> min=<m>"`);
      }
      const scaling = current.scalingConfig ?? {};
      let requestId: string | undefined;
      if (scaling.desiredSize !== sizes.desired || scaling.minSize !== sizes.min) {
        const maxSize = Math.max(scaling.maxSize ?? 1, sizes.desired, 1);
        const out = await ctx.eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName: cluster,
            nodegroupName: nodegroup,
            scalingConfig: { minSize: sizes.min, desiredSize: sizes.desired, maxSize },
          }),
        );
        requestId = out.$metadata.requestId;
      }
      // Untag last: until the sizes are back, the tag is the only record of them.
      await ctx.eks.send(new UntagResourceCommand({ resourceArn: current.nodegroupArn, tagKeys: [TAG.pausedSize] }));
      return done(requestId, { desiredSize: sizes.desired, minSize: sizes.min });
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      const { cluster, nodegroup } = parseId(resource.id);
      try {
        const out = await ctx.eks.send(new DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup }));
        return done(out.$metadata.requestId, { status: out.nodegroup?.status ?? "DELETING" });
      } catch (err) {
        if (hasCode(err, "ResourceNotFoundException")) return alreadyDone("the node group no longer exists");
        if (hasCode(err, "ResourceInUseException")) {
          const now = await describe(ctx, cluster, nodegroup);
          if (now === undefined) return alreadyDone("the node group no longer exists");
          if (now.status === "DELETING") return alreadyDone("the node group is already being deleted");
        }
        return failed(err);
      }
    });
  },
};

/** `desired=3 min=1`: both sizes, so resume restores exactly what pause found. */
export function formatPausedSize(desired: number, min: number): string {
  return `desired=${desired} min=${min}`;
}

/** Reads `desired=<n> min=<m>`; a bare `<n>` (desired only, min 0) is accepted too. */
export function parsePausedSize(text: string): { desired: number; min: number } | undefined {
  const bare = /^(\d{1,6})$/.exec(text.trim());
  if (bare) return { desired: Number(bare[1]), min: 0 };
  const full = /^desired=(\d{1,6}) min=(\d{1,6})$/.exec(text.trim());
  if (!full) return undefined;
  const [desired, min] = [Number(full[1]), Number(full[2])];
  return min <= desired ? { desired, min } : undefined;
}

function parseId(id: string): { cluster: string; nodegroup: string } {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) throw new InvalidIdError(`node group id ${JSON.stringify(id)} is not cluster/nodegroup`);
  return { cluster: id.slice(0, slash), nodegroup: id.slice(slash + 1) };
}

class InvalidIdError extends Error {
  override readonly name = "InvalidResourceId";
}

function listClusters(ctx: KindContext): Promise<string[]> {
  return allPages(paginateListClusters({ client: ctx.eks, pageSize: 100 }, {}), (page) => page.clusters);
}

function listNodegroups(ctx: KindContext, cluster: string): Promise<string[]> {
  return allPages(paginateListNodegroups({ client: ctx.eks, pageSize: 100 }, { clusterName: cluster }), (page) => page.nodegroups);
}

/** The node group, or undefined when it is gone (deleted between list and describe). */
async function describe(ctx: KindContext, cluster: string, nodegroup: string): Promise<Nodegroup | undefined> {
  try {
    const out = await ctx.eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup }));
    return out.nodegroup;
  } catch (err) {
    if (hasCode(err, "ResourceNotFoundException")) return undefined;
    throw err;
  }
}

async function describeOrThrow(ctx: KindContext, resource: DiscoveredResource): Promise<Nodegroup & { nodegroupArn: string }> {
  const { cluster, nodegroup } = parseId(resource.id);
  const out = await ctx.eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup }));
  const found = out.nodegroup;
  if (found?.nodegroupArn === undefined) throw new Error(`EKS described node group ${resource.id} without an ARN`);
  return found as Nodegroup & { nodegroupArn: string };
}

function toResource(ctx: KindContext, cluster: string, nodegroup: Nodegroup): DiscoveredResource {
  const scaling = nodegroup.scalingConfig ?? {};
  const facts: Record<string, string | number | boolean> = { cluster };
  if (scaling.desiredSize !== undefined) facts.desiredSize = scaling.desiredSize;
  if (scaling.minSize !== undefined) facts.minSize = scaling.minSize;
  if (scaling.maxSize !== undefined) facts.maxSize = scaling.maxSize;
  if (nodegroup.capacityType !== undefined) facts.capacityType = nodegroup.capacityType;
  return {
    kind: "eks-nodegroup",
    id: `${cluster}/${nodegroup.nodegroupName ?? ""}`,
    ...(nodegroup.nodegroupArn === undefined ? {} : { arn: nodegroup.nodegroupArn }),
    region: ctx.region,
    tags: { ...(nodegroup.tags ?? {}) },
    ...(nodegroup.status === undefined ? {} : { status: nodegroup.status }),
    facts,
  };
}
