import { clockSkewError } from "../state/clock-skew";
import { type CasStep, compareAndSet } from "../state/compare-and-set";
import { claimPrefix } from "../state/state-keys";
import type { StateStore } from "../state/state-store";
import { VersionedRegister } from "../state/versioned-register";
import { systemClock } from "../model";

/**
 * Who holds a pool database: a register per database (`claims/<pool>/<database>/`). Its
 * holder is whichever wrote the version that took it from free: a claim (the
 * environment) or the pool's refill retiring it before a delete (`pool:<name>`). So a
 * claim and a delete can never both win a database, however their requests interleave
 * or are delayed. A claim that could not finish releases it (holder `null`).
 */
export interface ClaimVersion {
  /** The environment that holds it, `pool:<name>` when the refill retired it, or null when it is free again. */
  readonly holder: string | null;
  readonly action: "claim" | "retire" | "release";
  /** Who wrote it (an ARN, with the MCP client when there was one; or the reaper's refill). */
  readonly by: string;
  /** ISO-8601 UTC, the writer's clock (for people; nothing is judged by it). */
  readonly at: string;
}

/** A request to hold a database. */
export interface ClaimRecord {
  readonly pool: string;
  readonly database: string;
  /** The environment that asks for it, or `pool:<name>` for the refill. */
  readonly env: string;
  readonly claimant: string;
  readonly at: string;
}

export interface TakeOptions {
  /**
   * A claim older than this (by S3's clock) whose environment never got the database (the
   * caller says so: it is not tagged the environment's) is abandoned, and may be taken over.
   * @default - never
   */
  readonly abandonedAfterMs?: number;
  /** Refuse (as "other") when the host's clock is further than this from S3's. @default - no check */
  readonly maxSkewMs?: number;
  /** The host's clock, for the skew check. @default the system clock */
  readonly clock?: () => Date;
}

/** `mine` when `record.env` holds the database now (taken now, or by an earlier try of the same holder), `other` when another does. */
export async function takeClaim(store: StateStore, record: ClaimRecord, options: TakeOptions = {}): Promise<"mine" | "other"> {
  const hostNow = (options.clock ?? systemClock)();
  const taken = await compareAndSet(
    claimRegister(store, record.pool, record.database),
    (read): CasStep<ClaimVersion, "mine" | "other"> => {
      if (options.maxSkewMs !== undefined && clockSkewError(read.serverTime, hostNow, options.maxSkewMs) !== undefined) return { done: "other" };
      const holder = read.entry?.value.holder ?? null;
      if (holder === record.env) return { done: "mine" };
      const writtenAt = read.entry?.writtenAt?.getTime();
      const serverNow = (read.serverTime ?? hostNow).getTime();
      const abandoned = holder !== null && !holder.startsWith("pool:") && options.abandonedAfterMs !== undefined && writtenAt !== undefined && serverNow - writtenAt > options.abandonedAfterMs;
      if (holder !== null && !abandoned) return { done: "other" };
      const action = record.env.startsWith("pool:") ? "retire" : "claim";
      return { write: { holder: record.env, action, by: record.claimant, at: record.at }, then: "mine" };
    },
    { attempts: 3 },
  );
  return taken.ok ? taken.result : "other";
}

/** Frees the database again, if `env` holds it: a claim that could not finish. True when it was released now. */
export async function releaseClaim(store: StateStore, pool: string, database: string, env: string, by: string, at: Date): Promise<boolean> {
  const released = await compareAndSet(claimRegister(store, pool, database), (read): CasStep<ClaimVersion, boolean> =>
    read.entry?.value.holder === env ? { write: { holder: null, action: "release", by, at: at.toISOString() }, then: true } : { done: false },
  );
  return released.ok && released.result;
}

/** Who holds the database, or undefined when nobody does. A read that fails rejects. */
export async function readClaim(store: StateStore, pool: string, database: string): Promise<string | undefined> {
  return (await claimRegister(store, pool, database).read()).entry?.value.holder ?? undefined;
}

function claimRegister(store: StateStore, pool: string, database: string): VersionedRegister<ClaimVersion> {
  return new VersionedRegister(store, claimPrefix(pool, database), parseClaimVersion);
}

function parseClaimVersion(body: unknown): ClaimVersion {
  const b = body as Partial<Record<keyof ClaimVersion, unknown>> | null;
  if (b === null || typeof b !== "object" || !(b.holder === null || typeof b.holder === "string") || !["claim", "retire", "release"].includes(b.action as string) || typeof b.by !== "string" || typeof b.at !== "string") {
    throw new Error(`not a claim version: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return { holder: b.holder, action: b.action as ClaimVersion["action"], by: b.by, at: b.at };
}
