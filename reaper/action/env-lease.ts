import type { AuditStore } from "../audit/audit-store";
import { LEASE_PREFIX } from "../model";
import { errorCode, messageOf } from "../support/outcomes";

/**
 * One entry of an environment's lease log: `leases/<env>/<seq>.json`, each written once
 * (`If-None-Match: *`), so of two runs that try the same seq exactly one wins.
 * - `acquire`/`renew`: `runId` holds the environment until `until`;
 * - `release`: `runId` is done with it at `releasedAt`.
 */
export interface LeaseEntry {
  readonly v: 1;
  readonly env: string;
  readonly seq: number;
  readonly kind: "acquire" | "renew" | "release";
  readonly runId: string;
  readonly at: string;
  /** acquire/renew: when the hold ends unless renewed. */
  readonly until?: string;
}

/** Why a run may not act on an environment now; the next run will. */
export interface LeaseRefusal {
  readonly ok: false;
  /**
   * - `LeaseHeld`: another run holds it (or took it first);
   * - `ActedOnSince`: another run held it after this run looked, so this run's view of it is stale;
   * - `LeaseUnavailable`: the lease log could not be read or written (fail closed).
   */
  readonly code: "LeaseHeld" | "ActedOnSince" | "LeaseUnavailable";
  readonly message: string;
}

export interface LeaseOptions {
  /** This run. */
  readonly runId: string;
  /** How long a hold lasts without renewal: a crashed holder blocks the environment no longer. */
  readonly leaseMs: number;
  /** When this run's discovery began: a hold by another run that ended after it makes this run's plan stale. */
  readonly lookedAt: Date;
  /** @default the system clock */
  readonly clock?: () => Date;
}

const SEQ_DIGITS = 6;
const keyOf = (env: string, seq: number) => `${LEASE_PREFIX}${env}/${String(seq).padStart(SEQ_DIGITS, "0")}.json`;

/**
 * Leases on environments, one run at a time per environment: concurrent sweeps, expiry
 * events and CLI runs never act on the same environment at once, and a run whose view
 * of an environment is older than another run's hold on it leaves it to the next run
 * (so three runs that all saw "not yet warned" send one warning, not three). Kept in
 * the audit bucket, which the platform stack deploys anyway.
 */
export class EnvLeases {
  private readonly clock: () => Date;

  constructor(
    private readonly store: AuditStore,
    private readonly options: LeaseOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Takes the environment's lease, or says why not. */
  async acquire(env: string): Promise<HeldLease | LeaseRefusal> {
    let latest: LeaseEntry | undefined;
    try {
      latest = await this.latest(env);
    } catch (err) {
      return unavailable(env, "read", err);
    }
    const now = this.clock();
    if (latest !== undefined) {
      const heldUntil = latest.kind === "release" ? Date.parse(latest.at) : Date.parse(latest.until ?? latest.at);
      if (latest.kind !== "release" && heldUntil > now.getTime()) {
        return { ok: false, code: "LeaseHeld", message: `run ${latest.runId} holds ${env} until ${new Date(heldUntil).toISOString()}` };
      }
      if (heldUntil > this.options.lookedAt.getTime()) {
        return {
          ok: false,
          code: "ActedOnSince",
          message: `run ${latest.runId} held ${env} until ${new Date(heldUntil).toISOString()}, after this run looked at it (${this.options.lookedAt.toISOString()}): this run's view of it is stale`,
        };
      }
    }
    const seq = (latest?.seq ?? -1) + 1;
    const written = await this.write(env, seq, "acquire", now);
    if (written === "taken") return { ok: false, code: "LeaseHeld", message: `another run took ${env}'s lease first` };
    if (written !== "ok") return unavailable(env, "write", written);
    return new HeldLease(this, env, seq, new Date(now.getTime() + this.options.leaseMs));
  }

  /** Writes entry `seq` of the environment's log where none is yet: `taken` when another run wrote it first. */
  async write(env: string, seq: number, kind: LeaseEntry["kind"], now: Date): Promise<"ok" | "taken" | unknown> {
    const entry: LeaseEntry = {
      v: 1,
      env,
      seq,
      kind,
      runId: this.options.runId,
      at: now.toISOString(),
      ...(kind === "release" ? {} : { until: new Date(now.getTime() + this.options.leaseMs).toISOString() }),
    };
    try {
      await this.store.put(keyOf(env, seq), JSON.stringify(entry), { exclusive: true });
      return "ok";
    } catch (err) {
      return errorCode(err) === "PreconditionFailed" ? "taken" : err;
    }
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  now(): Date {
    return this.clock();
  }

  private async latest(env: string): Promise<LeaseEntry | undefined> {
    const keys = await this.store.list(`${LEASE_PREFIX}${env}/`);
    const last = keys.filter((k) => /\/\d+\.json$/.test(k)).pop();
    if (last === undefined) return undefined;
    const entry = JSON.parse(await this.store.get(last)) as LeaseEntry;
    if (entry.env !== env || typeof entry.seq !== "number" || typeof entry.runId !== "string") throw new Error(`${last} is not a lease entry`);
    return entry;
  }
}

/** A run's hold on one environment. */
export class HeldLease {
  readonly ok = true;

  constructor(
    private readonly leases: EnvLeases,
    readonly env: string,
    private seq: number,
    private until: Date,
  ) {}

  /**
   * True while the hold is this run's: renewed once half of it has passed. False when it
   * could not be renewed (it lapsed and another run took it, or the log is unreachable):
   * the run must not start another action on the environment.
   */
  async keep(): Promise<boolean> {
    const now = this.leases.now();
    if (now.getTime() < this.until.getTime() - this.leases.leaseMs / 2) return true;
    const written = await this.leases.write(this.env, this.seq + 1, "renew", now);
    if (written !== "ok") return false;
    this.seq += 1;
    this.until = new Date(now.getTime() + this.leases.leaseMs);
    return true;
  }

  /** Ends the hold now. Best effort: an unwritten release lapses by itself at `until`. */
  async release(): Promise<void> {
    await this.leases.write(this.env, this.seq + 1, "release", this.leases.now());
  }
}

function unavailable(env: string, what: "read" | "write", err: unknown): LeaseRefusal {
  return { ok: false, code: "LeaseUnavailable", message: `${env}'s lease could not be ${what === "read" ? "read" : "written"} (${errorCode(err)}: ${messageOf(err)}); nothing was done to it` };
}
