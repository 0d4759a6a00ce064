import { CreateBudgetCommand, DescribeBudgetsCommand, ListTagsForResourceCommand } from "@aws-sdk/client-budgets";
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListTagsForResourceCommand as ListScheduleTagsCommand,
} from "@aws-sdk/client-scheduler";
import { budgetAdapter } from "../../../reaper/kinds/budget";
import type { DiscoveredResource } from "../../../reaper/kinds/resource-kind";
import { schedulerScheduleAdapter } from "../../../reaper/kinds/scheduler-schedule";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx, emulator } = useKindContext();

async function budget(name: string, tags: Record<string, string> | undefined, spend = { actual: "12.5", forecast: "31" }) {
  await ctx().budgets.send(
    new CreateBudgetCommand({
      AccountId: emulator().accountId,
      Budget: {
        BudgetName: name,
        BudgetType: "COST",
        TimeUnit: "MONTHLY",
        BudgetLimit: { Amount: "25", Unit: "USD" },
        CalculatedSpend: {
          ActualSpend: { Amount: spend.actual, Unit: "USD" },
          ForecastedSpend: { Amount: spend.forecast, Unit: "USD" },
        },
      },
      ...(tags ? { ResourceTags: asTagList(tags) } : {}),
    }),
  );
}

async function budgetNames(): Promise<string[]> {
  const out = await ctx().budgets.send(new DescribeBudgetsCommand({ AccountId: emulator().accountId }));
  return (out.Budgets ?? []).map((b) => b.BudgetName!);
}

async function listedBudget(env: string): Promise<DiscoveredResource> {
  const [found] = ofEnv((await budgetAdapter.list(ctx())).resources, env);
  if (!found) throw new Error(`budget of ${env} was not listed`);
  return found;
}

describe("budget adapter", () => {
  it("lists budgets named ephemera-<env> tagged managed-by=ephemera, with limit, actual and forecast spend", async () => {
    const env = uniqueEnv();
    await budget(`ephemera-${env}`, managedTags(env));
    const { resources, failures } = await budgetAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(ofEnv(resources, env)).toEqual([
      {
        kind: "budget",
        id: `ephemera-${env}`,
        arn: `arn:aws:budgets::123456789012:budget/ephemera-${env}`,
        region: "us-east-1",
        tags: managedTags(env),
        facts: { limitUsd: 25, actualUsd: 12.5, forecastUsd: 31, timeUnit: "MONTHLY" },
      },
    ]);
  });

  it("ignores budgets with other names, without the tag, or managed by another tool", async () => {
    const env = uniqueEnv();
    await budget(`team-${env}`, managedTags(env));
    await budget(`ephemera-${env}-untagged`, undefined);
    await budget(`ephemera-${env}-theirs`, otherManagedTags(env));
    const ids = (await budgetAdapter.list(ctx())).resources.map((r) => r.id);
    expect(ids).not.toContain(`team-${env}`);
    expect(ids).not.toContain(`ephemera-${env}-untagged`);
    expect(ids).not.toContain(`ephemera-${env}-theirs`);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await budget(`ephemera-${env}`, managedTags(env));
    const resource = await listedBudget(env);
    expect(await budgetAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect(await budgetAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    const out = await ctx().budgets.send(new ListTagsForResourceCommand({ ResourceARN: resource.arn }));
    expect(Object.fromEntries(out.ResourceTags!.map((t) => [t.Key, t.Value]))).toEqual({
      ...managedTags(env),
      "ephemera:state": "paused",
    });
  });

  it("delete removes the budget and a second delete is already done", async () => {
    const env = uniqueEnv();
    await budget(`ephemera-${env}`, managedTags(env));
    const resource = await listedBudget(env);
    expect(await budgetAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    expect(await budgetNames()).not.toContain(`ephemera-${env}`);
    expect(await budgetAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });
});

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

  it("a group whose schedules cannot be listed is a listing failure of that group's environment", async () => {
    const env = uniqueEnv();
    await scheduleGroup(`ephemera-${env}`, managedTags(env));
    await schedule(`ephemera-${env}`, "nightly-reset");
    ctx().scheduler.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ListSchedulesCommand" && (args.input as { GroupName?: string }).GroupName === `ephemera-${env}`) {
          throw Object.assign(new Error("Access denied"), { name: "AccessDeniedException", $metadata: {} });
        }
        return next(args);
      },
      { step: "initialize", name: "denyOneGroup" },
    );
    const { resources, failures } = await schedulerScheduleAdapter.list(ctx());
    expect(ofEnv(resources, env)).toEqual([]);
    expect(failures).toEqual([
      {
        kind: "scheduler-schedule",
        scope: `schedule group ephemera-${env}`,
        code: "AccessDeniedException",
        message: "Access denied",
        env,
      },
    ]);
  });
});
