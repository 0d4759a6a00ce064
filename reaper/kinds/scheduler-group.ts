import {
  DeleteScheduleGroupCommand,
  ListTagsForResourceCommand,
  paginateListScheduleGroups,
  type ScheduleGroupSummary,
  TagResourceCommand,
} from "@aws-sdk/client-scheduler";
import { isManagedByEphemera, SCHEDULE_GROUP_PREFIX, type Tags } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, KindName, ListingFailure } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const schedulerGroupRow = {
  what: "EventBridge Scheduler schedule groups named `ephemera-<env>`, which carry the environment's tags; deleted after their schedules",
  how: {
    find: "`ListScheduleGroups` \u2192 tags of each group.",
    delete: "`DeleteScheduleGroup`, which also removes any schedule left in it. A group left behind would make a redeploy of the same id fail on its name.",
  },
  deletePhase: "billing",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["scheduler:ListScheduleGroups", "scheduler:ListTagsForResource"],
    tag: { actions: ["scheduler:TagResource"], on: [inRegion("scheduler", "schedule-group/*")], scope: "managed" },
    delete: { actions: ["scheduler:DeleteScheduleGroup"], on: [inRegion("scheduler", `schedule-group/${SCHEDULE_GROUP_PREFIX}*`)], scope: "managed" },
  },
} satisfies KindRow;

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
