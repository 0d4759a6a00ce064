import { kindRow } from "../contracts/kind-catalog";
import type { DiscoveredResource } from "../contracts/kind-adapter";
import { TAG } from "../model";
import { isFormattable } from "../model/instant";
import type { EnvSpend } from "../spend/price-usage";

/** Which figure an environment's spend is judged by: the larger of Budgets' and the meter's, or `unknown` when the meter could not price a resource. */
export type SpendBasis = "budgets" | "estimate" | "unknown";

/** An environment's spend against its budget at one instant: what `decide` enforces and `ls` shows. */
export interface BudgetStanding {
  /** The budget's limit: the Budgets budget's, else the `ephemera:budget-usd` tag; null when there is none. */
  readonly limitUsd: number | null;
  /** The budget it came from (`ephemera-<env>`), when it came from a Budgets budget. */
  readonly budget?: string;
  /** Actual spend as AWS Budgets reports it (hours behind). */
  readonly budgetsUsd: number | null;
  /** The meter's estimate; null when a resource had no known price (never zero then) or nothing was metered. */
  readonly estimatedUsd: number | null;
  /** The meter's known part: a lower bound of the spend even when a price is unknown. */
  readonly meteredUsd: number | null;
  /** USD per hour of what is billed now; null when unknown. */
  readonly burnUsdPerHour: number | null;
  readonly basis: SpendBasis;
  /** When the larger figure reaches the limit at the current burn: now if it has; null when it never will or there is no limit. */
  readonly exhaustedAt: Date | null;
  /** Why it is over budget (naming the figure that reached the limit), or undefined. */
  readonly over?: string;
}

/** The larger of Budgets' actual spend and the meter's estimate, against the limit. */
export function budgetStanding(resources: readonly DiscoveredResource[], spend: EnvSpend | undefined, now: Date): BudgetStanding {
  const budgets = resources
    .filter((r) => kindRow(r.kind).reportsSpend)
    .map((resource) => ({ resource, limit: usd(resource.facts?.limitUsd), actual: usd(resource.facts?.actualUsd) }));
  // One budget per environment is the norm; should there be more, the strictest limit holds.
  const strictest = budgets.filter((b) => b.limit !== undefined).sort((a, b) => a.limit! - b.limit!)[0];
  const budget = (strictest ?? budgets[0])?.resource;
  const limit = strictest?.limit ?? firstUsd(resources.map((r) => r.tags[TAG.budgetUsd]));
  const budgetsUsd = strictest?.actual ?? firstUsd(budgets.map((b) => b.actual));
  // Any budget at or over its own limit is over budget, as AWS Budgets would alert.
  const spentOut = budgets.find((b) => b.limit !== undefined && b.actual !== undefined && b.actual >= b.limit);
  const known = spend === undefined || spend.unpriced.length > 0 ? undefined : spend;
  const meteredUsd = spend?.usd;
  const larger = Math.max(budgetsUsd ?? -Infinity, meteredUsd ?? -Infinity);
  const burn = known?.burnUsdPerHour;
  const basis: SpendBasis =
    spend !== undefined && spend.unpriced.length > 0 ? "unknown" : known !== undefined && (budgetsUsd === undefined || known.usd >= budgetsUsd) ? "estimate" : "budgets";

  let exhaustedAt: Date | null = null;
  if (limit !== undefined && Number.isFinite(larger)) {
    if (larger >= limit) exhaustedAt = now;
    else if (burn !== undefined && burn > 0) {
      const at = now.getTime() + ((limit - larger) / burn) * 3_600_000;
      // A burn of fractions of a cent a year reaches the budget after year 9999: never, for any purpose.
      exhaustedAt = isFormattable(at) ? new Date(at) : null;
    }
  }

  let over: string | undefined;
  const byMeter = limit !== undefined && meteredUsd !== undefined && meteredUsd >= limit;
  if (byMeter && (spentOut === undefined || meteredUsd >= spentOut.actual!)) {
    over =
      `the spend meter's estimate $${money(meteredUsd)} reached the budget of $${money(limit)}` +
      `${budget === undefined ? ` (${TAG.budgetUsd})` : ` (budget ${budget.id})`}; AWS Budgets reports ${budgetsUsd === undefined ? "no figure" : `$${money(budgetsUsd)}`}`;
  } else if (spentOut !== undefined) {
    over = `budget ${spentOut.resource.id} spent $${spentOut.actual} of $${spentOut.limit}`;
  }

  return {
    limitUsd: limit ?? null,
    ...(budget === undefined ? {} : { budget: budget.id }),
    budgetsUsd: budgetsUsd ?? null,
    estimatedUsd: known?.usd ?? null,
    meteredUsd: meteredUsd ?? null,
    burnUsdPerHour: burn ?? null,
    basis,
    exhaustedAt,
    ...(over === undefined ? {} : { over }),
  };
}

/** Dollars to the cent, or to the tenth of a cent below a dollar (a short environment costs cents). */
export function money(value: number): string {
  return Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(4).replace(/0{1,2}$/, "");
}

function usd(value: string | number | boolean | undefined): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The first value that reads as a finite number (Budgets' facts and the budget-usd tag arrive as either). */
export function firstUsd(values: readonly (string | number | boolean | undefined)[]): number | undefined {
  for (const value of values) {
    const n = usd(value);
    if (n !== undefined) return n;
  }
  return undefined;
}
