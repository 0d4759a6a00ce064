import { isManagedByEphemera, TAG, tryParseEnvId } from "../model";
import { HOURS_PER_MONTH, type Product, productKey, type Quote } from "../contracts/product";
import type { MeteredUsage } from "../contracts/metered-usage";

/** The prices one sweep meters with: plain data, so a test or a bench can hand-write it. */
export interface PriceSheet {
  /** On-demand quotes by `productKey`: USD per hour, or per GB-month for storage. */
  readonly onDemand: Readonly<Record<string, Quote>>;
  /** Spot quotes by `spotKey(instanceType, zone)`: USD per hour. */
  readonly spot: Readonly<Record<string, Quote>>;
}

export function spotKey(instanceType: string, zone: string): string {
  return `${instanceType} ${zone}`;
}

/** One environment's metered total as a sweep left it, for the next sweep to go on from. */
export interface EnvReading {
  /** The instant `usd` is for (ISO-8601). */
  readonly at: string;
  /** USD metered up to `at`. */
  readonly usd: number;
  /** Parts (`<kind> <id>`, `<kind> <id> storage`) not priced by `at`: once priced, counted from their start. */
  readonly unpriced?: readonly string[];
}

/** What a sweep keeps in the audit bucket (spend-readings.ts): every environment's reading. */
export interface SpendReadings {
  readonly version: 1;
  /** The decision instant of the sweep that wrote it (ISO-8601). */
  readonly at: string;
  readonly envs: Readonly<Record<string, EnvReading>>;
}

/** One environment's estimate at a decision instant. */
export interface EnvSpend {
  /** The decision instant (ISO-8601). */
  readonly at: string;
  /** USD the metered resources cost from their start to `at`; only a lower bound when `unpriced` is not empty. */
  readonly usd: number;
  /** USD per hour of what is billed at `at`; only a lower bound when `unpriced` is not empty. */
  readonly burnUsdPerHour: number;
  /** Each part with no known price, e.g. `ec2-instance i-0abc (ec2 us-east-1 x9.huge)`: the estimate is then unknown, never zero. */
  readonly unpriced: readonly string[];
  /** Resources metered. */
  readonly metered: number;
  /** False when a listing of a metered kind failed: resources may be missing from it, and the last reading is kept as it was. */
  readonly complete: boolean;
}

export interface MeterInput {
  readonly usage: readonly MeteredUsage[];
  readonly prices: PriceSheet;
  /** The newest reading at or before `at`, when there is one. */
  readonly previous?: SpendReadings;
  /** The decision instant. */
  readonly at: Date;
  /** Environments a failed listing of a metered kind may hide resources of; `all` when the failure names none. */
  readonly incomplete: ReadonlySet<string> | "all";
  /** Environments discovery found any resource of: their readings are kept even when nothing metered runs. */
  readonly present: ReadonlySet<string>;
  /** Environments this sweep looked at. @default - all of them */
  readonly lookedAt?: ReadonlySet<string>;
}

export interface MeterResult {
  /** Every environment with a reading or a metered resource. */
  readonly spend: Readonly<Record<string, EnvSpend>>;
  /** The readings for the next sweep. */
  readonly readings: SpendReadings;
}

const HOUR = 3_600_000;

/**
 * The spend meter's arithmetic. An environment's estimate is its last reading plus what
 * each metered resource cost since then: compute for the part of its current run after
 * the reading (a stopped instance's run ends when it stopped; stopped time is not
 * charged), and storage for all of that time. Without a reading, or for a part not priced
 * before, the time counts from the resource's own start. So an instance that was
 * replaced or terminated keeps its cost in the total once a reading has counted it.
 */
export function meter(input: MeterInput): MeterResult {
  const at = input.at.getTime();
  const previous = input.previous?.envs ?? {};
  const byEnv = new Map<string, MeteredUsage[]>();
  for (const usage of input.usage) {
    const env = envOf(usage);
    if (env === undefined) continue;
    byEnv.set(env, [...(byEnv.get(env) ?? []), usage]);
  }

  const spend: Record<string, EnvSpend> = {};
  const readings: Record<string, EnvReading> = {};
  const envs = new Set([...byEnv.keys(), ...input.present, ...Object.keys(previous)]);
  for (const env of [...envs].sort()) {
    const looked = input.lookedAt === undefined || input.lookedAt.has(env);
    const last = previous[env];
    if (!looked) {
      if (last !== undefined) readings[env] = last;
      continue;
    }
    const complete = input.incomplete !== "all" && !input.incomplete.has(env);
    const usages = byEnv.get(env) ?? [];
    // Nothing of it seen: never metered, or gone (its reading is dropped, unless a failed listing may hide it).
    if (usages.length === 0 && !input.present.has(env) && (last === undefined || complete)) continue;
    const sinceMs = last === undefined || Date.parse(last.at) > at ? undefined : Date.parse(last.at);
    const lastUsd = sinceMs === undefined ? 0 : last!.usd;
    const notPricedBefore = new Set(sinceMs === undefined ? [] : (last!.unpriced ?? []));
    const metered = meterEnvironment(usages, input.prices, at, (part) => (notPricedBefore.has(part) ? undefined : sinceMs));
    spend[env] = {
      at: input.at.toISOString(),
      usd: lastUsd + metered.usd,
      burnUsdPerHour: metered.burn,
      unpriced: metered.unpriced.map((u) => u.label),
      metered: usages.length,
      complete,
    };
    if (complete) {
      const unpriced = metered.unpriced.map((u) => u.part);
      readings[env] = { at: input.at.toISOString(), usd: lastUsd + metered.usd, ...(unpriced.length === 0 ? {} : { unpriced }) };
    } else if (last !== undefined) {
      readings[env] = last;
    }
  }
  return { spend, readings: { version: 1, at: input.at.toISOString(), envs: readings } };
}

interface Unpriced {
  /** The reading's name for it. */
  readonly part: string;
  /** What the plan and `ls` say. */
  readonly label: string;
}

/** Cost of the usages over each part's window (its `since` to `at`), the burn at `at`, and what had no price. */
function meterEnvironment(
  usages: readonly MeteredUsage[],
  prices: PriceSheet,
  at: number,
  since: (part: string) => number | undefined,
): { usd: number; burn: number; unpriced: Unpriced[] } {
  let usd = 0;
  let burn = 0;
  const unpriced: Unpriced[] = [];
  for (const u of usages) {
    const part = `${u.kind} ${u.id}`;
    // Storage only (a DB snapshot): nothing runs.
    const { quote: compute, what } = u.compute === undefined ? { quote: undefined, what: "" } : computePrice(u.compute, u.spotZone, prices);
    if (u.compute !== undefined && compute === undefined) {
      unpriced.push({ part, label: `${part} (${what})` });
    } else if (compute !== undefined) {
      const end = u.charging ? at : u.runEnd === undefined ? undefined : Date.parse(u.runEnd);
      usd += compute.usd * hoursBetween(Date.parse(u.runStart), end, since(part), at);
      if (u.charging) burn += compute.usd;
    }
    if (u.storage !== undefined) {
      const storagePart = `${part} storage`;
      const quote = prices.onDemand[productKey(u.storage.product)];
      if (quote === undefined) {
        unpriced.push({ part: storagePart, label: `${storagePart} (${productKey(u.storage.product)})` });
      } else {
        const perHour = (quote.usd * u.storage.gb) / HOURS_PER_MONTH;
        usd += perHour * hoursBetween(Date.parse(u.storage.since), at, since(storagePart), at);
        burn += perHour;
      }
    }
  }
  return { usd, burn, unpriced };
}

/** A usage's compute price, and what it was looked up as: the Spot price of a Spot instance's type in its zone, else its on-demand product. */
function computePrice(compute: Product, spotZone: string | undefined, prices: PriceSheet): { readonly quote?: Quote | undefined; readonly what: string } {
  if (spotZone !== undefined && compute.kind === "ec2") {
    const key = spotKey(compute.instanceType, spotZone);
    return { ...(prices.spot[key] === undefined ? {} : { quote: prices.spot[key] }), what: `spot ${key}` };
  }
  const key = productKey(compute);
  return { ...(prices.onDemand[key] === undefined ? {} : { quote: prices.onDemand[key] }), what: key };
}

/**
 * Hours of [start, end] after `since` and up to `at`; 0 when the run's end is unknown
 * (a stopped instance whose stop time AWS did not say): never a guess upwards.
 */
export function hoursBetween(start: number, end: number | undefined, since: number | undefined, at: number): number {
  if (end === undefined || !Number.isFinite(start) || !Number.isFinite(end)) return 0;
  const from = Math.max(start, since ?? -Infinity);
  const to = Math.min(end, at);
  return to > from ? (to - from) / HOUR : 0;
}

/** The environment a usage counts towards: only managed resources with a valid `ephemera:env`. */
function envOf(usage: MeteredUsage): string | undefined {
  if (!isManagedByEphemera(usage.tags)) return undefined;
  const env = usage.tags[TAG.env];
  return env !== undefined && tryParseEnvId(env).ok ? env : undefined;
}
