import type { EC2Client } from "@aws-sdk/client-ec2";
import type { StateStore } from "../state/state-store";
import type { PlanNote } from "../contracts/plan";
import { kindRow } from "../contracts/kind-catalog";
import type { Inventory } from "../contracts/kind-adapter";
import { systemClock, TAG } from "../model";
import { describeError } from "../support/outcomes";
import { type EnvSpend, meter, type PriceSheet, type SpendReadings } from "./price-usage";
import type { PriceLookup } from "./price-list";
import { type Product, productKey, type Quote } from "../contracts/product";
import { loadSpendReadings, storeSpendReadings } from "./spend-readings";
import { spotPrices } from "./spot-prices";

/** On-demand prices: the AWS Price List API where reachable, else the shipped table (price-list.ts). */
export interface OnDemandPrices {
  quotes(products: readonly Product[]): Promise<PriceLookup>;
}

export interface SpendMeterOptions {
  readonly ec2: EC2Client;
  readonly prices: OnDemandPrices;
  /** The audit bucket, where readings are kept. */
  readonly store: StateStore;
  /** The real clock: Spot prices are asked for no later than now, whatever instant is simulated. @default the system clock */
  readonly clock?: () => Date;
}

/** One sweep's estimates, and what to keep for the next. */
export interface SpendReport {
  /** Per environment, at the decision instant. */
  readonly spend: Readonly<Record<string, EnvSpend>>;
  /** An unreachable price source, an unpriced resource, unreadable readings. */
  readonly notes: readonly PlanNote[];
  /** What the next sweep goes on from; absent when the last readings could not be read (writing would lose their totals). */
  readonly readings?: SpendReadings;
  readonly totals: SpendTotals;
}

/** What the run log line carries. */
export interface SpendTotals {
  readonly environments: number;
  /** The sum of the estimates (known parts). */
  readonly estimatedUsd: number;
  readonly burnUsdPerHour: number;
  /** Environments with an unpriced resource. */
  readonly unknown: number;
}

/**
 * The spend meter's I/O: reads the last readings, prices what discovery saw (the Price
 * List API or the table for on-demand; the Spot price history for Spot), meters
 * (price-usage.ts) and, on an acting run, keeps the new readings in the audit bucket.
 */
export class SpendMeter {
  constructor(private readonly options: SpendMeterOptions) {}

  async estimate(inventory: Inventory, at: Date, lookedAt?: readonly string[]): Promise<SpendReport> {
    const usage = inventory.usage ?? [];
    const notes: PlanNote[] = [];
    const loaded = await loadSpendReadings(this.options.store, at);
    if (!loaded.ok) notes.push({ level: "warning", code: "spend-meter", message: `${loaded.problem}: estimates count only what discovery sees now, and no reading is kept this run` });
    else for (const key of loaded.skipped) notes.push({ level: "warning", code: "spend-meter", message: `${key} is not a spend reading; skipped` });

    const onDemand = dedupe(usage.flatMap((u) => [...(u.spotZone === undefined && u.compute !== undefined ? [u.compute] : []), ...(u.storage === undefined ? [] : [u.storage.product])]));
    const spotTypes = [...new Set(usage.flatMap((u) => (u.spotZone !== undefined && u.compute?.kind === "ec2" ? [u.compute.instanceType] : [])))];
    const now = (this.options.clock ?? systemClock)();
    const [priced, spot] = await Promise.all([
      this.options.prices.quotes(onDemand).catch((err: unknown): PriceLookup => ({ quotes: new Map(), problem: `on-demand prices failed (${describeError(err)})` })),
      spotPrices(this.options.ec2, spotTypes, new Date(Math.min(at.getTime(), now.getTime()))),
    ]);
    // The table stands in for the Price List API by design; without Spot prices, Spot instances are unpriced.
    if (priced.problem !== undefined) notes.push({ level: "info", code: "spend-meter", message: priced.problem });
    if (spot.problem !== undefined) notes.push({ level: "warning", code: "spend-meter", message: spot.problem });
    const sheet: PriceSheet = { onDemand: defined(priced.quotes), spot: spot.quotes };

    const result = meter({
      usage,
      prices: sheet,
      ...(loaded.ok && loaded.readings !== undefined ? { previous: loaded.readings } : {}),
      at,
      incomplete: incompleteEnvs(inventory),
      present: new Set(inventory.resources.flatMap((r) => (r.tags[TAG.env] === undefined ? [] : [r.tags[TAG.env]]))),
      ...(lookedAt === undefined ? {} : { lookedAt: new Set(lookedAt) }),
    });
    for (const [env, estimate] of Object.entries(result.spend)) {
      if (estimate.unpriced.length === 0) continue;
      notes.push({
        level: "warning",
        code: "spend-unknown",
        env,
        message: `no price for ${estimate.unpriced.join(", ")}: the spend estimate is unknown (at least $${estimate.usd.toFixed(4)})`,
      });
    }
    const estimates = Object.values(result.spend);
    return {
      spend: result.spend,
      notes,
      ...(loaded.ok ? { readings: result.readings } : {}),
      totals: {
        environments: estimates.length,
        estimatedUsd: estimates.reduce((sum, e) => sum + e.usd, 0),
        burnUsdPerHour: estimates.reduce((sum, e) => sum + e.burnUsdPerHour, 0),
        unknown: estimates.filter((e) => e.unpriced.length > 0).length,
      },
    };
  }

  /** Keeps the report's readings for the next run; returns the problem instead of throwing. */
  async record(report: SpendReport, runId: string): Promise<string | undefined> {
    if (report.readings === undefined) return undefined;
    try {
      await storeSpendReadings(this.options.store, report.readings, runId);
      return undefined;
    } catch (err) {
      return `the spend readings could not be kept (${describeError(err)}); the next run goes on from the last ones`;
    }
  }
}

/** Environments a failed listing of a metered kind may hide usage of. */
function incompleteEnvs(inventory: Inventory): ReadonlySet<string> | "all" {
  const failures = inventory.failures.filter((f) => kindRow(f.kind).metered);
  if (failures.some((f) => f.env === undefined)) return "all";
  return new Set(failures.map((f) => f.env!));
}

function dedupe(products: readonly Product[]): Product[] {
  return [...new Map(products.map((p) => [productKey(p), p])).values()];
}

function defined(quotes: ReadonlyMap<string, Quote | undefined>): Record<string, Quote> {
  return Object.fromEntries([...quotes].filter((e): e is [string, Quote] => e[1] !== undefined));
}
