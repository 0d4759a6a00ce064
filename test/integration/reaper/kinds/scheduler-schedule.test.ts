import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListTagsForResourceCommand as ListScheduleTagsCommand,
} from "@aws-sdk/client-scheduler";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { schedulerScheduleAdapter } from "../../../../reaper/kinds/scheduler-schedule";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

async function scheduleGroup(name: string, tags: Record<string, string> | undefined): Promise<void> {
  await ctx().scheduler.send(new CreateScheduleGroupCommand({ Name: name, ...(tags ? { Tags: asTagList(tags) } : {}) }));
}

async function schedule(group: string | undefined, name: string): Promise<void> {
  await ctx().scheduler.send(
    new CreateScheduleCommand({
      Name: name,
      ...(group ? { GroupName: group } : {}),
      ScheduleExpression: "rate(1 hour)",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: { Arn: "arn:aws:sqs:us-east-1:123456789012:jobs", RoleArn: "arn:aws:iam::123456789012:role/scheduler" },
    }),
  );
}

async function listedSchedules(env: string): Promise<DiscoveredResource[]> {
  return ofEnv((await schedulerScheduleAdapter.list(ctx())).resources, env).sort((a, b) => a.id.localeCompare(b.id));
}

describe("scheduler-schedule adapter", () => {
  it("lists the schedules of schedule groups tagged managed-by=ephemera, with the group's tags", async () => {
    const env = uniqueEnv();
    await scheduleGroup(`ephemera-${env}`, managedTags(env));
    await schedule(`ephemera-${env}`, "nightly-reset");
    await schedule(`ephemera-${env}`, "warm-cache");
    const { failures } = await schedulerScheduleAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(await listedSchedules(env)).toEqual([
      {
        kind: "scheduler-schedule",
        id: `ephemera-${env}/nightly-reset`,
        arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/ephemera-${env}/nightly-reset`,
        region: "us-east-1",
        tags: managedTags(env),
        status: "ENABLED",
        facts: { scheduleGroup: `ephemera-${env}` },
      },
      expect.objectContaining({ id: `ephemera-${env}/warm-cache`, tags: managedTags(env) }),
    ]);
  });

  it("ignores schedules in untagged groups, in other tools' groups and in the default group", async () => {
    const env = uniqueEnv();
    await scheduleGroup(`${env}-untagged`, undefined);
    await scheduleGroup(`${env}-theirs`, otherManagedTags(env));
    await schedule(`${env}-untagged`, "a");
    await schedule(`${env}-theirs`, "b");
    await schedule(undefined, `${env}-c`);
    const ids = (await schedulerScheduleAdapter.list(ctx())).resources.map((r) => r.id);
    expect(ids).not.toContain(`${env}-untagged/a`);
    expect(ids).not.toContain(`${env}-theirs/b`);
    expect(ids).not.toContain(`default/${env}-c`);
  });

  it("tag writes to the schedule's group, where AWS keeps schedule tags", async () => {
    const env = uniqueEnv();
    await scheduleGroup(`ephemera-${env}`, managedTags(env));
    await schedule(`ephemera-${env}`, "nightly-reset");
    const [resource] = await listedSchedules(env);
    const result = await schedulerScheduleAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" });
    expect(result).toMatchObject({ ok: true, facts: { taggedScheduleGroup: `ephemera-${env}` } });
    const groupArn = `arn:aws:scheduler:us-east-1:123456789012:schedule-group/ephemera-${env}`;
    const out = await ctx().scheduler.send(new ListScheduleTagsCommand({ ResourceArn: groupArn }));
    expect(Object.fromEntries(out.Tags!.map((t) => [t.Key, t.Value]))).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
    expect((await listedSchedules(env))[0].tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete removes the schedule and a second delete is already done", async () => {
    const env = uniqueEnv();
    await scheduleGroup(`ephemera-${env}`, managedTags(env));
    await schedule(`ephemera-${env}`, "nightly-reset");
    const [resource] = await listedSchedules(env);
    expect(await schedulerScheduleAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    await expect(
      ctx().scheduler.send(new GetScheduleCommand({ GroupName: `ephemera-${env}`, Name: "nightly-reset" })),
    ).rejects.toThrow();
    expect(await schedulerScheduleAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("lists every group's schedules in one paginated ListSchedules, not one per group", async () => {
    const envs = [uniqueEnv(), uniqueEnv(), uniqueEnv()];
    for (const env of envs) {
      await scheduleGroup(`ephemera-${env}`, managedTags(env));
      await schedule(`ephemera-${env}`, "nightly-reset");
    }
    const inputs: unknown[] = [];
    ctx().scheduler.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ListSchedulesCommand") inputs.push(args.input);
        return next(args);
      },
      { step: "initialize", name: "countListSchedules" },
    );
    const { resources, failures } = await schedulerScheduleAdapter.list(ctx());
    ctx().scheduler.middlewareStack.remove("countListSchedules");
    expect(failures).toEqual([]);
    for (const env of envs) expect(ofEnv(resources, env).map((r) => r.id)).toEqual([`ephemera-${env}/nightly-reset`]);
    expect(inputs).toEqual([expect.not.objectContaining({ GroupName: expect.anything() })]);
  });

  it("schedules that cannot be listed are a listing failure of the region, which blocks every environment", async () => {
    const env = uniqueEnv();
    await scheduleGroup(`ephemera-${env}`, managedTags(env));
    await schedule(`ephemera-${env}`, "nightly-reset");
    ctx().scheduler.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ListSchedulesCommand") throw Object.assign(new Error("Access denied"), { name: "AccessDeniedException", $metadata: {} });
        return next(args);
      },
      { step: "initialize", name: "denyListSchedules" },
    );
    const { resources, failures } = await schedulerScheduleAdapter.list(ctx());
    ctx().scheduler.middlewareStack.remove("denyListSchedules");
    expect(resources).toEqual([]);
    expect(failures).toEqual([{ kind: "scheduler-schedule", scope: "region us-east-1 schedules", code: "AccessDeniedException", message: "Access denied" }]);
  });
});
