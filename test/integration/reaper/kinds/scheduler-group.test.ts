import { CreateScheduleCommand, CreateScheduleGroupCommand, GetScheduleGroupCommand, ListSchedulesCommand } from "@aws-sdk/client-scheduler";
import { schedulerGroupAdapter } from "../../../../reaper/kinds/scheduler-group";
import { asTagList, listedById, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

async function group(name: string, tags: Record<string, string> | undefined): Promise<string> {
  await ctx().scheduler.send(new CreateScheduleGroupCommand({ Name: name, ...(tags ? { Tags: asTagList(tags) } : {}) }));
  return name;
}

describe("scheduler-group adapter", () => {
  it("lists schedule groups tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    const ours = await group(`ephemera-${env}`, managedTags(env));
    await group(`${env}-untagged`, undefined);
    await group(`${env}-theirs`, otherManagedTags(env));
    const { resources, failures } = await schedulerGroupAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(ofEnv(resources, env).map((r) => r.id)).toEqual([ours]);
    expect(resources.map((r) => r.id)).not.toContain("default");
    expect(ofEnv(resources, env)[0]).toMatchObject({ kind: "scheduler-group", arn: expect.stringContaining(`schedule-group/${ours}`), tags: managedTags(env) });
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    const resource = await listedById(ctx(), schedulerGroupAdapter, await group(`ephemera-${env}`, managedTags(env)));
    expect(await schedulerGroupAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), schedulerGroupAdapter, resource.id)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete removes the group and what is left in it, the name is free again, and a second delete is already done", async () => {
    const env = uniqueEnv();
    const name = await group(`ephemera-${env}`, managedTags(env));
    await ctx().scheduler.send(
      new CreateScheduleCommand({
        Name: `ephemera-expiry-${env}`,
        GroupName: name,
        ScheduleExpression: "at(2030-01-01T00:00:00)",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: "arn:aws:lambda:us-east-1:123456789012:function:ephemera-reaper", RoleArn: "arn:aws:iam::123456789012:role/ephemera-scheduler" },
      }),
    );
    const resource = await listedById(ctx(), schedulerGroupAdapter, name);
    expect(await schedulerGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    await expect(ctx().scheduler.send(new GetScheduleGroupCommand({ Name: name }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const schedules = await ctx().scheduler.send(new ListSchedulesCommand({ NamePrefix: `ephemera-expiry-${env}` }));
    expect(schedules.Schedules ?? []).toEqual([]);
    expect(await schedulerGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
    await expect(group(name, managedTags(env))).resolves.toBe(name);
  });
});
