import { DeleteScheduleCommand, paginateListSchedules, type ScheduleSummary, TagResourceCommand } from "@aws-sdk/client-scheduler";
import { TAG, type Tags } from "../model";
import type { KindContext } from "../runtime/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList } from "../support/tag-list";
import { managedScheduleGroups } from "./scheduler-group";
import type { DiscoveredResource, KindAdapter } from "./kind-adapter";

/**
 * EventBridge Scheduler schedules.
 *
 * AWS tags schedule *groups* only ("You can only assign tags to schedule groups",
 * TagResource), so an environment's schedules live in a group tagged as the
 * environment, and each schedule is reported with its group's tags. Discovery:
 * ListScheduleGroups → ListTagsForResource per group → ListSchedules(GroupName) for
 * the managed ones. (moto would also tag a schedule itself; real AWS would not, so
 * nothing here relies on it. The Tagging API in moto covers neither.)
 *
 * `tag` therefore writes to the group, and so to every schedule in it. Delete removes
 * the schedule; the group itself is the `scheduler-group` kind's, deleted after it.
 */
export const schedulerScheduleAdapter: KindAdapter<KindContext> = {
  kind: "scheduler-schedule",

  async list(ctx) {
    const { groups, failures } = await managedScheduleGroups(ctx, "scheduler-schedule");
    const perGroup = await mapWithLimit(groups, ctx.listConcurrency, async ({ group, tags }) => {
      try {
        return (await listSchedules(ctx, group.Name)).map((s) => toResource(ctx, s, tags));
      } catch (err) {
        // The group's tags were read, so only its own environment can be hiding here.
        failures.push(listingFailure("scheduler-schedule", `schedule group ${group.Name}`, err, tags[TAG.env]));
        return [];
      }
    });
    return { resources: perGroup.flat(), failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const { group } = parseId(resource.id);
      const groupArn = scheduleGroupArn(resource.arn, group);
      const out = await ctx.scheduler.send(new TagResourceCommand({ ResourceArn: groupArn, Tags: tagList(tags) }));
      return done(out.$metadata.requestId, { taggedScheduleGroup: group });
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      const { group, name } = parseId(resource.id);
      try {
        const out = await ctx.scheduler.send(new DeleteScheduleCommand({ GroupName: group, Name: name }));
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "ResourceNotFoundException")) return alreadyDone("the schedule no longer exists");
        throw err;
      }
    });
  },
};

function parseId(id: string): { group: string; name: string } {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) {
    const err = new Error(`schedule id ${JSON.stringify(id)} is not group/name`);
    err.name = "InvalidResourceId";
    throw err;
  }
  return { group: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** `arn:...:schedule/<group>/<name>` → `arn:...:schedule-group/<group>`. */
function scheduleGroupArn(scheduleArn: string | undefined, group: string): string {
  const match = /^(arn:[^:]+:scheduler:[^:]*:[^:]*:)schedule\//.exec(scheduleArn ?? "");
  if (match === null) {
    const err = new Error(`cannot derive the schedule group ARN of ${group} from ${JSON.stringify(scheduleArn)}`);
    err.name = "InvalidResourceId";
    throw err;
  }
  return `${match[1]}schedule-group/${group}`;
}

function listSchedules(ctx: KindContext, group: string): Promise<ScheduleSummary[]> {
  return allPages(paginateListSchedules({ client: ctx.scheduler, pageSize: 100 }, { GroupName: group }), (page) => page.Schedules);
}

function toResource(ctx: KindContext, schedule: ScheduleSummary, groupTags: Tags): DiscoveredResource {
  const group = schedule.GroupName ?? "default";
  return {
    kind: "scheduler-schedule",
    id: `${group}/${schedule.Name ?? ""}`,
    ...(schedule.Arn === undefined ? {} : { arn: schedule.Arn }),
    region: ctx.region,
    tags: { ...groupTags },
    ...(schedule.State === undefined ? {} : { status: schedule.State }),
    facts: { scheduleGroup: group },
  };
}
