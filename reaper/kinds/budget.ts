import {
  type Budget,
  DeleteBudgetCommand,
  paginateDescribeBudgets,
  ListTagsForResourceCommand,
  TagResourceCommand,
} from "@aws-sdk/client-budgets";
import { BUDGET_NAME_PREFIX, envOfBudgetName, isManagedByEphemera, partitionOf } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, ListingFailure } from "../contracts/kind-adapter";
import { accountWide, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const budgetRow = {
  what: "AWS Budgets named `ephemera-<env>` (DescribeBudgets, then each budget's tags); its limit and spend feed the over-budget rule",
  how: {
    find: "`DescribeBudgets`, keeping names that start `ephemera-`, then `ListTagsForResource`. Facts: `limitUsd`, `actualUsd`, `forecastUsd`.",
    delete: "`DeleteBudget`",
  },
  deletePhase: "billing",
  holdsData: false,
  reportsSpend: true,
  metered: false,
  iam: {
    discover: [],
    read: { actions: ["budgets:ViewBudget", "budgets:ListTagsForResource"], on: [accountWide("budgets", "budget/*")], scope: "name" },
    tag: { actions: ["budgets:TagResource"], on: [accountWide("budgets", `budget/${BUDGET_NAME_PREFIX}*`)], scope: "name" },
    // ModifyBudget is the IAM action of DeleteBudget.
    delete: { actions: ["budgets:ModifyBudget"], on: [accountWide("budgets", `budget/${BUDGET_NAME_PREFIX}*`)], scope: "name" },
  },
} satisfies KindRow;

/**
 * AWS Budgets named `ephemera-<env>`.
 *
 * Discovery: DescribeBudgets (the account's budgets, 100 per page; Budgets is not in
 * the Tagging API), kept when the name starts `ephemera-`, then ListTagsForResource
 * per budget to read the managed-by and env tags. Facts: `limitUsd`, `actualUsd`
 * (CalculatedSpend.ActualSpend) and `forecastUsd` (ForecastedSpend), each only when
 * the amount is in USD. Budgets are account-wide, so the region is the context's
 * only by convention.
 */
export const budgetAdapter: KindAdapter<KindContext> = {
  kind: "budget",

  async list(ctx) {
    let accountId: string;
    let budgets: Budget[];
    try {
      accountId = await ctx.accountId();
      budgets = await describeAll(ctx, accountId);
    } catch (err) {
      return { resources: [], failures: [listingFailure("budget", "account budgets", err)] };
    }
    const failures: ListingFailure[] = [];
    const candidates = budgets.filter((b) => b.BudgetName !== undefined && envOfBudgetName(b.BudgetName) !== undefined);
    const found = await mapWithLimit(candidates, ctx.listConcurrency, async (budget) => {
      const name = budget.BudgetName as string;
      const arn = budgetArn(ctx, accountId, name);
      try {
        const out = await ctx.budgets.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
        const tags = tagsFromList(out.ResourceTags);
        return isManagedByEphemera(tags) ? toResource(ctx, budget, arn, tags) : undefined;
      } catch (err) {
        if (hasCode(err, "NotFoundException")) return undefined; // deleted since DescribeBudgets
        failures.push(listingFailure("budget", `budget ${name}`, err));
        return undefined;
      }
    });
    return { resources: found.filter((r): r is DiscoveredResource => r !== undefined), failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const arn = resource.arn ?? budgetArn(ctx, await ctx.accountId(), resource.id);
      const out = await ctx.budgets.send(new TagResourceCommand({ ResourceARN: arn, ResourceTags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.budgets.send(
          new DeleteBudgetCommand({ AccountId: await ctx.accountId(), BudgetName: resource.id }),
        );
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "NotFoundException")) return alreadyDone("the budget no longer exists");
        throw err;
      }
    });
  },
};

function describeAll(ctx: KindContext, accountId: string): Promise<Budget[]> {
  return allPages(paginateDescribeBudgets({ client: ctx.budgets, pageSize: 100 }, { AccountId: accountId }), (page) => page.Budgets);
}

function budgetArn(ctx: KindContext, accountId: string, name: string): string {
  return `arn:${partitionOf(ctx.region)}:budgets::${accountId}:budget/${name}`;
}

function usd(spend: { Amount?: string; Unit?: string } | undefined): number | undefined {
  if (spend?.Amount === undefined || spend.Unit !== "USD") return undefined;
  const value = Number(spend.Amount);
  return Number.isFinite(value) ? value : undefined;
}

function toResource(ctx: KindContext, budget: Budget, arn: string, tags: Record<string, string>): DiscoveredResource {
  const facts: Record<string, string | number | boolean> = {};
  const limit = usd(budget.BudgetLimit);
  const actual = usd(budget.CalculatedSpend?.ActualSpend);
  const forecast = usd(budget.CalculatedSpend?.ForecastedSpend);
  if (limit !== undefined) facts.limitUsd = limit;
  if (actual !== undefined) facts.actualUsd = actual;
  if (forecast !== undefined) facts.forecastUsd = forecast;
  if (budget.TimeUnit !== undefined) facts.timeUnit = budget.TimeUnit;
  return { kind: "budget", id: budget.BudgetName as string, arn, region: ctx.region, tags, facts };
}
