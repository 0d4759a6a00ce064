import type { Inventory } from "../contracts/kind-adapter";
import { firstUsd } from "../decision/budget-standing";
import { groupEnvironments, ownersOf } from "../decision/group-environments";
import { stateOf } from "../decision/phases";
import { LIVE_INDEX_PREFIX, TAG } from "../model";
import { compareAndSet } from "../state/compare-and-set";
import type { StateStore } from "../state/state-store";
import { type RegisterRead, VersionedRegister } from "../state/versioned-register";
import type { LiveEnvironment } from "./decide-admission";

/** One environment as the sweep that indexed it saw it. */
export interface IndexedEnvironment extends LiveEnvironment {
  /** The most advanced `ephemera:state` of its resources (`active` when none says). */
  readonly state: string;
  /** Its budget, in USD, when a resource names one. */
  readonly budgetUsd?: number;
}

/**
 * The live environments of the account, as the last full sweep found them: what `admit`
 * counts against the caps instead of listing every kind again. One version per acting
 * sweep whose every listing completed.
 */
export interface LiveIndex {
  /** The sweep that wrote it. */
  readonly runId: string;
  /** When that sweep's discovery began, by its host's clock (freshness is judged by S3's: the version's `writtenAt`). */
  readonly at: string;
  readonly environments: readonly IndexedEnvironment[];
}

/** The live-environment index: a versioned register under `live-index/` in the audit bucket. */
export function liveIndexRegister(store: StateStore): VersionedRegister<LiveIndex> {
  return new VersionedRegister(store, LIVE_INDEX_PREFIX, parseLiveIndex);
}

/** The index of what a complete discovery found. */
export function liveIndexOf(inventory: Inventory, auditBucket: string, runId: string, at: Date): LiveIndex {
  const environments = groupEnvironments(inventory, auditBucket).environments.map((view): IndexedEnvironment => {
    const states = new Set(view.resources.map(stateOf));
    const state = (["reaping", "paused", "expiring"] as const).find((s) => states.has(s)) ?? "active";
    const budgetUsd = firstUsd(view.resources.map((r) => r.facts?.limitUsd ?? r.tags[TAG.budgetUsd]));
    return { env: view.env, owners: ownersOf(view.resources), state, ...(budgetUsd === undefined ? {} : { budgetUsd }) };
  });
  return { runId, at: at.toISOString(), environments };
}

/**
 * Keeps a sweep's index as the register's next version. Only a complete listing may be
 * kept: an index that missed environments would let `admit` go over the caps.
 * Undefined when kept, else why not.
 */
export async function storeLiveIndex(store: StateStore, inventory: Inventory, index: LiveIndex): Promise<string | undefined> {
  if (inventory.failures.length > 0) return "a listing failed, so the live-environment index was not kept (admit counts by discovery until a complete sweep)";
  const kept = await compareAndSet(liveIndexRegister(store), () => ({ write: index, then: true }));
  return kept.ok ? undefined : `the live-environment index changed under this sweep ${kept.attempts} times in a row; not kept`;
}

/** Where `admit` counted the live environments from, and what the index said when it was not used. */
export type CountedFrom = { readonly source: "index"; readonly runId: string; readonly ageSeconds: number } | { readonly source: "discovery"; readonly why: string };

/** What `admit` may count from: the newest index, when S3 wrote it no longer ago than `maxAgeMs`. */
export type IndexLookup =
  | { readonly fresh: true; readonly index: LiveIndex; readonly ageMs: number; readonly read: RegisterRead<LiveIndex> }
  | { readonly fresh: false; readonly why: string; readonly read?: RegisterRead<LiveIndex> };

/**
 * The newest index, judged by S3's clock: its age is the listing's `Date` less the
 * version's `LastModified`, so no host's clock can make an old index look new. A
 * `maxAgeMs` of 0 never uses one. A read that fails is "not fresh": the caller counts by
 * discovery, which fails closed on its own.
 */
export async function freshLiveIndex(store: StateStore, maxAgeMs: number, hostNow: Date): Promise<IndexLookup> {
  if (maxAgeMs <= 0) return { fresh: false, why: "the index is turned off (EPHEMERA_ADMISSION_INDEX_MAX_AGE=0)" };
  let read: RegisterRead<LiveIndex>;
  try {
    read = await liveIndexRegister(store).read();
  } catch (err) {
    return { fresh: false, why: `the index could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
  const entry = read.entry;
  if (entry === undefined) return { fresh: false, why: "no full sweep has kept an index yet", read };
  if (entry.writtenAt === undefined) return { fresh: false, why: "the store did not say when the index was written", read };
  const ageMs = (read.serverTime ?? hostNow).getTime() - entry.writtenAt.getTime();
  if (ageMs > maxAgeMs) return { fresh: false, why: `the newest index is ${Math.round(ageMs / 1000)} s old, over the ${Math.round(maxAgeMs / 1000)} s allowed`, read };
  return { fresh: true, index: entry.value, ageMs: Math.max(0, ageMs), read };
}

function parseLiveIndex(body: unknown): LiveIndex {
  const value = body as Partial<Record<keyof LiveIndex, unknown>> | null;
  if (value === null || typeof value !== "object" || typeof value.runId !== "string" || typeof value.at !== "string" || !Array.isArray(value.environments)) {
    throw new Error(`the live-environment index is malformed: ${JSON.stringify(body).slice(0, 200)}`);
  }
  const environments = value.environments.map((e: Partial<Record<keyof IndexedEnvironment, unknown>>): IndexedEnvironment => {
    const owners = e.owners;
    if (typeof e.env !== "string" || typeof e.state !== "string" || !Array.isArray(owners) || !owners.every((o) => typeof o === "string")) {
      throw new Error(`an indexed environment is malformed: ${JSON.stringify(e).slice(0, 200)}`);
    }
    if (e.budgetUsd !== undefined && (typeof e.budgetUsd !== "number" || !Number.isFinite(e.budgetUsd))) throw new Error(`an indexed budget is malformed: ${JSON.stringify(e).slice(0, 200)}`);
    return { env: e.env, owners: owners as string[], state: e.state, ...(e.budgetUsd === undefined ? {} : { budgetUsd: e.budgetUsd }) };
  });
  return { runId: value.runId, at: value.at, environments };
}
