import {
  DeleteScheduleGroupCommand,
  ListTagsForResourceCommand,
  paginateListScheduleGroups,
  type ScheduleGroupSummary,
  TagResourceCommand,
} from "@aws-sdk/client-scheduler";
import { isManagedByEphemera, type Tags } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, KindName, ListingFailure } from "../contracts/kind-adapter";

/**
 * EventBridge Scheduler schedule groups of environments (`ephemera-<env>`).
 *
 * AWS tags schedule groups, not schedules, so the group is what carries an
 * environment's tags: the reaper finds the group (and, through it, the schedules: see
 * scheduler-schedule.ts). Discovery: ListScheduleGroups → ListTagsForResource per group.
 *
 * Delete: DeleteScheduleGroup, after the schedules (billing phase). A group left behind
 * would make a redeploy of the same environment id fail: its name is taken. AWS deletes
 * the group asynchronously (state DELETING), which counts as done.
 */
export const schedulerGroupAdapter: KindAdapter<KindContext> = {
  kind: "scheduler-group",

  async list(ctx) {
    const { groups, failures } = await managedScheduleGroups(ctx, "scheduler-group");
    return { resources: groups.map(({ group, tags }) => toResource(ctx, group, tags)), failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const out = await ctx.scheduler.send(new TagResourceCommand({ ResourceArn: resource.arn, Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.scheduler.send(new DeleteScheduleGroupCommand({ Name: resource.id }));
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "ResourceNotFoundException")) return alreadyDone("the schedule group no longer exists");
        throw err;
      }
    });
  },
};

/** A schedule group tagged managed-by=ephemera, with its tags. */
export interface ManagedScheduleGroup {
  readonly group: ScheduleGroupSummary & { readonly Name: string; readonly Arn: string };
  readonly tags: Tags;
}

/**
 * Every schedule group tagged managed-by=ephemera (not being deleted), with its tags,
 * read once per discovery pass for both scheduler kinds. A failed listing, or a group
 * whose tags could not be read, is a listing failure of `kind`.
 */
export async function managedScheduleGroups(ctx: KindContext, kind: KindName): Promise<{ groups: ManagedScheduleGroup[]; failures: ListingFailure[] }> {
  const { groups, unread } = await ctx.oncePerDiscovery("scheduler:managed-groups", () => readManagedScheduleGroups(ctx));
  return { groups, failures: unread.map(({ scope, err }) => listingFailure(kind, scope, err)) };
}

async function readManagedScheduleGroups(ctx: KindContext): Promise<{ groups: ManagedScheduleGroup[]; unread: { scope: string; err: unknown }[] }> {
  let all: ScheduleGroupSummary[];
  try {
    all = await allPages(paginateListScheduleGroups({ client: ctx.scheduler, pageSize: 100 }, {}), (page) => page.ScheduleGroups);
  } catch (err) {
    return { groups: [], unread: [{ scope: `region ${ctx.region} schedule groups`, err }] };
  }
  const unread: { scope: string; err: unknown }[] = [];
  const candidates = all.filter((g): g is ManagedScheduleGroup["group"] => g.Arn !== undefined && g.Name !== undefined && g.State !== "DELETING");
  const tagged = await mapWithLimit(candidates, ctx.listConcurrency, async (group) => {
    try {
      const tags = tagsFromList((await ctx.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: group.Arn }))).Tags);
      return isManagedByEphemera(tags) ? { group, tags } : undefined;
    } catch (err) {
      if (!hasCode(err, "ResourceNotFoundException")) unread.push({ scope: `schedule group ${group.Name}`, err });
      return undefined;
    }
  });
  return { groups: tagged.filter((g): g is ManagedScheduleGroup => g !== undefined), unread };
}

function toResource(ctx: KindContext, group: ManagedScheduleGroup["group"], tags: Tags): DiscoveredResource {
  return {
    kind: "scheduler-group",
    id: group.Name,
    arn: group.Arn,
    region: ctx.region,
    tags: { ...tags },
    ...(group.State === undefined ? {} : { status: group.State }),
  };
}
