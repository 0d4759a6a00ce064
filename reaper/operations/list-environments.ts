import { type EnvironmentView, groupEnvironments, ownersOf } from "../decision/group-environments";
import { ttlOverMaxNotes } from "../decision/decide";
import { kindRow } from "../contracts/kind-catalog";
import type { DiscoveredResource, Inventory, KindName } from "../contracts/kind-adapter";
import { type EnvState, expiryOf, type ExpiryBasis, formatInstant, isProtected, type OnExpiry, safestOnExpiry, TAG, tryParseOnExpiry } from "../model";
import type { PlanNote } from "../contracts/plan";
import { stateOf } from "../decision/phases";
import { budgetStanding, firstUsd, type SpendBasis } from "../decision/budget-standing";
import type { EnvSpend } from "../spend/price-usage";
import { type PoolSummary, summarizePool } from "../pool/pool-members";

/**
 * `ephemera ls --json`: version 1 of this shape is a contract for pipelines and agents.
 * Fields are only ever added; `null` means "not known", never "zero".
 */
export interface EnvironmentListing {
  readonly version: 1;
  /** The instant `secondsLeft` is measured from (ISO-8601 UTC). */
  readonly at: string;
  /** False when a listing failed: environments may exist that are not shown, or have more resources than shown. */
  readonly complete: boolean;
  /** Sorted by id. */
  readonly environments: readonly EnvironmentSummary[];
  /** Warm database pools: the configured one (even when empty) and any other whose databases discovery found, sorted by name. */
  readonly pools: readonly PoolSummary[];
  /** Listings that failed (so an environment may have more resources than shown), and resources left out. */
  readonly notes: readonly PlanNote[];
}

export interface EnvironmentSummary {
  readonly env: string;
  /** The most advanced `ephemera:state` any resource carries: reaping > paused > expiring > active. */
  readonly state: EnvState;
  /** `ephemera:owner` (several joined with ", " when resources disagree), or null. */
  readonly owner: string | null;
  /** Null when the expiry is unknown; `expiryProblem` says why (the reaper never acts then). */
  readonly expiresAt: string | null;
  readonly expiryBasis: ExpiryBasis | null;
  readonly expiryProblem: string | null;
  /** Whole seconds from `at` to `expiresAt`; negative once expired; null when unknown. */
  readonly secondsLeft: number | null;
  /** The safest `ephemera:on-expiry` among the resources (pause > snapshot-delete > delete), or null when malformed. */
  readonly onExpiry: OnExpiry | null;
  /** `ephemera:protect` on any resource: the reaper touches none of them. */
  readonly protected: boolean;
  /** The budget's limit in USD (the budget resource, else the `ephemera:budget-usd` tag). */
  readonly budgetUsd: number | null;
  /** Actual spend so far this period, as AWS Budgets reports it (it lags by hours). */
  readonly spendUsd: number | null;
  readonly forecastUsd: number | null;
  /** The spend meter's estimate since the environment started, at `at`; null when a resource had no known price (never zero then) or the meter did not run. */
  readonly estimatedSpendUsd: number | null;
  /** USD per hour of what is billed at `at` (the meter's); null when unknown. */
  readonly burnUsdPerHour: number | null;
  /** When the larger of `spendUsd` and `estimatedSpendUsd` reaches `budgetUsd` at this burn rate: `at` once it has; null when it never will or there is no budget. */
  readonly budgetExhaustedAt: string | null;
  /** Which figure the budget is enforced on: `budgets` or `estimate` (the larger), or `unknown` when the meter could not price a resource. */
  readonly spendBasis: SpendBasis;
  /** Count of resources per kind, kinds in name order. */
  readonly resources: Readonly<Partial<Record<KindName, number>>>;
  readonly resourceCount: number;
}

export interface ListOptions {
  readonly now: Date;
  /** Never listed, whatever its tags. */
  readonly auditBucket: string;
  readonly maxTtlMs: number;
  /** The spend meter's estimates at `now`. @default - none: the meter's fields are null */
  readonly spend?: Readonly<Record<string, EnvSpend>>;
  /** What the meter had to say (an unreachable price list, an unpriced resource): added to the notes. */
  readonly spendNotes?: readonly PlanNote[];
  /** The configured warm pool, whose size `pools` shows. @default - none */
  readonly pool?: { readonly name: string; readonly size: number };
}

const STATE_ORDER: readonly EnvState[] = ["reaping", "paused", "expiring", "active"];

/** What `ephemera ls` shows: one summary per environment, from what discovery saw. */
export function listEnvironments(inventory: Inventory, options: ListOptions): EnvironmentListing {
  const grouped = groupEnvironments(inventory, options.auditBucket);
  return {
    version: 1,
    at: options.now.toISOString(),
    complete: inventory.failures.length === 0,
    environments: grouped.environments.map((view) => summarize(view.env, view.resources, options)),
    pools: [...new Set([...Object.keys(grouped.pools), ...(options.pool === undefined ? [] : [options.pool.name])])]
      .sort()
      .map((name) => summarizePool(name, grouped.pools[name] ?? [], name === options.pool?.name ? options.pool.size : undefined)),
    notes: [...grouped.notes, ...grouped.environments.flatMap((view) => overMaxNotes(view, options)), ...(options.spendNotes ?? [])],
  };
}

/** A ttl over the max counts as the max, so the expiry shown is the one enforced; the note says so, as the reaper's plan does. */
function overMaxNotes(view: EnvironmentView, options: ListOptions): PlanNote[] {
  const expiry = expiryOf(view.resources.map((r) => r.tags), { maxTtl: options.maxTtlMs });
  return expiry.known ? ttlOverMaxNotes(view.env, view.resources, expiry.overMax) : [];
}

function summarize(env: string, resources: readonly DiscoveredResource[], options: ListOptions): EnvironmentSummary {
  const expiry = expiryOf(
    resources.map((r) => r.tags),
    { maxTtl: options.maxTtlMs },
  );
  const states = new Set(resources.map(stateOf));
  const owners = ownersOf(resources);
  const budgets = resources.filter((r) => kindRow(r.kind).reportsSpend);
  const standing = budgetStanding(resources, options.spend?.[env], options.now);
  const resourcesByKind: Partial<Record<KindName, number>> = {};
  for (const kind of [...new Set(resources.map((r) => r.kind))].sort()) {
    resourcesByKind[kind] = resources.filter((r) => r.kind === kind).length;
  }
  return {
    env,
    state: STATE_ORDER.find((s) => states.has(s)) ?? "active",
    owner: owners.length === 0 ? null : owners.join(", "),
    expiresAt: expiry.known ? formatInstant(expiry.expiresAt) : null,
    expiryBasis: expiry.known ? expiry.source.basis : null,
    expiryProblem: expiry.known ? null : expiry.reason,
    secondsLeft: expiry.known ? Math.trunc((expiry.expiresAt.getTime() - options.now.getTime()) / 1000) : null,
    onExpiry: onExpiryOf(resources),
    protected: resources.some((r) => isProtected(r.tags)),
    budgetUsd: standing.limitUsd,
    spendUsd: standing.budgetsUsd,
    forecastUsd: firstUsd(budgets.map((b) => b.facts?.forecastUsd)) ?? null,
    estimatedSpendUsd: microDollars(standing.estimatedUsd),
    burnUsdPerHour: microDollars(standing.burnUsdPerHour),
    budgetExhaustedAt: standing.exhaustedAt === null ? null : formatInstant(standing.exhaustedAt),
    spendBasis: standing.basis,
    resources: resourcesByKind,
    resourceCount: resources.length,
  };
}

function onExpiryOf(resources: readonly DiscoveredResource[]): EnvironmentSummary["onExpiry"] {
  const seen = new Set<OnExpiry>();
  for (const resource of resources) {
    const parsed = tryParseOnExpiry(resource.tags[TAG.onExpiry]);
    if (!parsed.ok) return null;
    seen.add(parsed.value);
  }
  return safestOnExpiry(seen);
}

/** To a millionth of a dollar: the meter's figures are estimates, not invoices, but a Spot hour can cost under a cent. */
function microDollars(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1_000_000) / 1_000_000;
}
