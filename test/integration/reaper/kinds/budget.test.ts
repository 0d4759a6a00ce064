import { CreateBudgetCommand, DescribeBudgetsCommand, ListTagsForResourceCommand } from "@aws-sdk/client-budgets";
import { budgetAdapter } from "../../../../reaper/kinds/budget";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
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
