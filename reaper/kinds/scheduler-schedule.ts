import { DeleteScheduleCommand, paginateListSchedules, type ScheduleSummary, TagResourceCommand } from "@aws-sdk/client-scheduler";
import type { Tags } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList } from "../support/tag-list";
import { managedScheduleGroups } from "./scheduler-group";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";
import { SCHEDULE_GROUP_PREFIX } from "../model";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const schedulerScheduleRow = {
  what: "EventBridge Scheduler schedules in schedule groups tagged as an environment's (AWS tags groups, not schedules)",
  how: {
    find: "`ListScheduleGroups` \u2192 tags of each group \u2192 `ListSchedules` in the managed groups. AWS can tag only schedule groups, so each schedule carries its group's tags, and `tag` writes to the group.",
    delete: "`DeleteSchedule`. The empty group, which costs nothing, is left in place.",
  },
  deletePhase: "billing",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["scheduler:ListScheduleGroups", "scheduler:ListSchedules", "scheduler:ListTagsForResource"],
    tag: { actions: ["scheduler:TagResource"], on: [inRegion("scheduler", "schedule-group/*")], scope: "managed" },
    delete: { actions: ["scheduler:DeleteSchedule"], on: [inRegion("scheduler", `schedule/${SCHEDULE_GROUP_PREFIX}*/*`)], scope: "managed-if-tagged" },
  },
} satisfies KindRow;

/**
 * EventBridge Scheduler schedules.
 *
 * AWS tags schedule *groups* only ("You can only assign tags to schedule groups",
 * TagResource), so an environment's schedules live in a group tagged as the
 * environment, and each schedule is reported with its group's tags. Discovery: the
 * managed groups (ListScheduleGroups → ListTagsForResource per group, shared with the
 * `scheduler-group` kind in one discovery pass), then one ListSchedules over every group,
 * keeping the schedules of managed groups. (moto would also tag a schedule itself; real AWS would not, so
 * nothing here relies on it. The Tagging API in moto covers neither.)
 *
 * `tag` therefore writes to the group, and so to every schedule in it. Delete removes
 * the schedule; the group itself is the `scheduler-group` kind's, deleted after it.
 */
export const schedulerScheduleAdapter: KindAdapter<KindContext> = {
  kind: "scheduler-schedule",

  async list(ctx) {
    const { groups, failures } = await managedScheduleGroups(ctx, "scheduler-schedule");
    if (groups.length === 0) return { resources: [], failures };
    const tagsOf = new Map(groups.map(({ group, tags }) => [group.Name, tags]));
    try {
      const schedules = await allPages(paginateListSchedules({ client: ctx.scheduler, pageSize: 100 }, {}), (page) => page.Schedules);
      const resources = schedules.flatMap((s) => {
        const tags = tagsOf.get(s.GroupName ?? "default");
        return tags === undefined ? [] : [toResource(ctx, s, tags)];
      });
      return { resources, failures };
    } catch (err) {
      return { resources: [], failures: [...failures, listingFailure("scheduler-schedule", `region ${ctx.region} schedules`, err)] };
    }
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
