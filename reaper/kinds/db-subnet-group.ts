import {
  AddTagsToResourceCommand,
  type DBSubnetGroup,
  DeleteDBSubnetGroupCommand,
  DescribeDBSubnetGroupsCommand,
  ListTagsForResourceCommand,
  paginateDescribeDBSubnetGroups,
} from "@aws-sdk/client-rds";
import { isManagedByEphemera } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, ListingFailure } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const dbSubnetGroupRow = {
  what: "RDS DB subnet groups (DescribeDBSubnetGroups, then each group's tags); deleted after the database",
  how: {
    find: "`DescribeDBSubnetGroups`, then `ListTagsForResource` for each group",
    delete: "`DeleteDBSubnetGroup`",
  },
  deletePhase: "database-dependencies",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
    tag: { actions: ["rds:AddTagsToResource"], on: [inRegion("rds", "subgrp:*")], scope: "managed" },
    delete: { actions: ["rds:DeleteDBSubnetGroup"], on: [inRegion("rds", "subgrp:*")], scope: "managed" },
  },
} satisfies KindRow;

/**
 * RDS DB subnet groups.
 *
 * Discovery: DescribeDBSubnetGroups (100 per page; its answer has no tags), then
 * ListTagsForResource per group. RDS rejects `tag:` filters in moto, and real AWS's
 * Tagging API (which covers `rds:subgrp`) is not in moto's, so this is the one way
 * that works on both.
 *
 * Delete: DeleteDBSubnetGroup; one still used by an instance fails with
 * `InvalidDBSubnetGroupStateFault`, reported as is (databases go first).
 */
export const dbSubnetGroupAdapter: KindAdapter<KindContext> = {
  kind: "db-subnet-group",

  async list(ctx) {
    let groups: DBSubnetGroup[];
    try {
      groups = await describeAll(ctx);
    } catch (err) {
      return { resources: [], failures: [listingFailure("db-subnet-group", `region ${ctx.region}`, err)] };
    }
    const failures: ListingFailure[] = [];
    const found = await mapWithLimit(
      groups.filter((g) => g.DBSubnetGroupArn !== undefined && g.DBSubnetGroupName !== "default"),
      ctx.listConcurrency,
      async (group) => {
        try {
          const out = await ctx.rds.send(new ListTagsForResourceCommand({ ResourceName: group.DBSubnetGroupArn }));
          const tags = tagsFromList(out.TagList);
          return isManagedByEphemera(tags) ? toResource(ctx, group, tags) : undefined;
        } catch (err) {
          if (hasCode(err, "DBSubnetGroupNotFoundFault")) return undefined;
          failures.push(listingFailure("db-subnet-group", `DB subnet group ${group.DBSubnetGroupName}`, err));
          return undefined;
        }
      },
    );
    return { resources: found.filter((r): r is DiscoveredResource => r !== undefined), failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const arn = resource.arn ?? (await describeOne(ctx, resource.id)).DBSubnetGroupArn;
      const out = await ctx.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: resource.id }));
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "DBSubnetGroupNotFoundFault")) return alreadyDone("the DB subnet group no longer exists");
        throw err;
      }
    });
  },
};

function describeAll(ctx: KindContext): Promise<DBSubnetGroup[]> {
  return allPages(paginateDescribeDBSubnetGroups({ client: ctx.rds, pageSize: 100 }, {}), (page) => page.DBSubnetGroups);
}

async function describeOne(ctx: KindContext, name: string): Promise<DBSubnetGroup> {
  const out = await ctx.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }));
  const group = out.DBSubnetGroups?.[0];
  if (group === undefined) throw new Error(`DB subnet group ${name} was not described`);
  return group;
}

function toResource(ctx: KindContext, group: DBSubnetGroup, tags: Record<string, string>): DiscoveredResource {
  return {
    kind: "db-subnet-group",
    id: group.DBSubnetGroupName ?? "",
    ...(group.DBSubnetGroupArn === undefined ? {} : { arn: group.DBSubnetGroupArn }),
    region: ctx.region,
    tags,
    ...(group.SubnetGroupStatus === undefined ? {} : { status: group.SubnetGroupStatus }),
    ...(group.VpcId === undefined ? {} : { facts: { vpcId: group.VpcId } }),
  };
}
