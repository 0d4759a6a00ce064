import { randomUUID } from "node:crypto";
import { DEFAULT_REAPER_CONFIG } from "../config/reaper-config";
import { clockSkewError, STORE_CLOCK_RESOLUTION_MS } from "../state/clock-skew";
import { leasePrefix } from "../state/state-keys";
import type { StateStore } from "../state/state-store";
import { type RegisterRead, VersionedRegister } from "../state/versioned-register";
import { errorCode, messageOf } from "../support/outcomes";
import { systemClock } from "../model";

/**
 * One entry of an environment's lease log, a register at `leases/<env>/log/`:
 * - `acquire`/`renew`: `runId` holds the environment for `leaseMs` from when S3 wrote the entry;
 * - `release`: `runId` is done with it as of when S3 wrote the entry.
 * `at` and `until` are the writer's own clock, kept for people reading the log; nobody
 * judges a hold by them, since they come from another host's clock.
 */
export interface LeaseEntry {
  readonly kind: "acquire" | "renew" | "release";
  readonly runId: string;
  readonly at: string;
  readonly until?: string;
  readonly leaseMs?: number;
  /** Which clock stamped `at`: a run that reads an entry its own clock stamped may compare it with its own times exactly. */
  readonly clock?: string;
}

/** Why a run may not act on an environment now; the next run will. */
export interface LeaseRefusal {
  readonly ok: false;
  /**
   * - `LeaseHeld`: another run holds it (or took it first);
   * - `ActedOnSince`: another run held it after this run looked, so this run's view of it is stale;
   * - `LeaseUnavailable`: the lease log could not be read or written (fail closed);
   * - `ClockSkew`: this host's clock is too far from S3's to coordinate (fail closed).
   */
  readonly code: "LeaseHeld" | "ActedOnSince" | "LeaseUnavailable" | "ClockSkew";
  readonly message: string;
}

export interface LeaseOptions {
  /** This run. */
  readonly runId: string;
  /** How long a hold lasts without renewal: a crashed holder blocks the environment no longer. */
  readonly leaseMs: number;
  /** When this run's discovery began, by this host's clock: a hold by another run that ended after it makes this run's plan stale. */
  readonly lookedAt: Date;
  /** How far this host's clock may be from S3's. @default 30 seconds */
  readonly maxSkewMs?: number;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** Names `clock`: entries stamped by the same clock are compared by it, to the millisecond. @default this process's */
  readonly clockId?: string;
}

/** This process's clock: two runs in one process read the same clock, so their entries need no S3 time between them. */
const PROCESS_CLOCK_ID = randomUUID();

/**
 * Leases on environments, one run at a time per environment: concurrent sweeps, expiry
 * events and CLI runs never act on the same environment at once, and a run whose view
 * of an environment is older than another run's hold on it leaves it to the next run
 * (so three runs that all saw "not yet warned" send one warning, not three).
 *
 * Every hold is judged by S3's clock: it lasts `leaseMs` from the entry's `LastModified`,
 * and "now" is the listing's `Date`. Acquiring costs one listing, one read and one write,
 * however long the log.
 */
export class EnvLeases {
  private readonly clock: () => Date;

  constructor(
    private readonly store: StateStore,
    private readonly options: LeaseOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** Takes the environment's lease, or says why not. */
  async acquire(env: string): Promise<HeldLease | LeaseRefusal> {
    const log = this.log(env);
    let read: RegisterRead<LeaseEntry>;
    try {
      read = await log.read();
    } catch (err) {
      return unavailable(env, "read", err);
    }
    const now = this.clock();
    const skew = clockSkewError(read.serverTime, now, this.options.maxSkewMs ?? DEFAULT_REAPER_CONFIG.maxClockSkewMs);
    if (skew !== undefined) return { ok: false, code: "ClockSkew", message: `${env} was not leased: ${skew}` };
    const refusal = this.heldByAnother(env, read, now);
    if (refusal !== undefined) return refusal;
    const written = await this.write(log, read, "acquire", now);
    if (written === "taken") return { ok: false, code: "LeaseHeld", message: `another run took ${env}'s lease first` };
    if (written !== "ok") return unavailable(env, "write", written);
    return new HeldLease(this, log, env, read.next, new Date(now.getTime() + this.options.leaseMs));
  }

  /** The refusal when the newest entry is another run's live hold, or a hold that ended after this run looked. */
  private heldByAnother(env: string, read: RegisterRead<LeaseEntry>, now: Date): LeaseRefusal | undefined {
    const latest = read.entry;
    if (latest === undefined) return undefined;
    // S3's clock: when S3 wrote the entry (to the second, so up to a second after the time it shows), and S3's time now.
    // An entry this very clock stamped, or a store without a clock (a test double), is judged by the stamp and this clock.
    const ownClock = latest.value.clock === this.clockId || latest.writtenAt === undefined || read.serverTime === undefined;
    const writtenAt = ownClock ? Date.parse(latest.value.at) : latest.writtenAt!.getTime() + STORE_CLOCK_RESOLUTION_MS;
    const serverNow = ownClock ? now.getTime() : read.serverTime!.getTime();
    const heldUntil = latest.value.kind === "release" ? writtenAt : writtenAt + (latest.value.leaseMs ?? this.options.leaseMs);
    if (latest.value.kind !== "release" && heldUntil > serverNow) {
      return { ok: false, code: "LeaseHeld", message: `run ${latest.value.runId} holds ${env} until ${new Date(heldUntil).toISOString()} (S3's clock)` };
    }
    // This run looked at lookedAt by its own clock: the same instant by S3's.
    const lookedAt = this.options.lookedAt.getTime() + (serverNow - now.getTime());
    if (heldUntil > lookedAt) {
      return {
        ok: false,
        code: "ActedOnSince",
        message: `run ${latest.value.runId} held ${env} until ${new Date(heldUntil).toISOString()}, after this run looked at it (${new Date(lookedAt).toISOString()}, S3's clock): this run's view of it is stale`,
      };
    }
    return undefined;
  }

  /** Writes the log's next entry where none is yet: `taken` when another run wrote it first. */
  async write(log: VersionedRegister<LeaseEntry>, after: Pick<RegisterRead<LeaseEntry>, "next">, kind: LeaseEntry["kind"], now: Date): Promise<"ok" | "taken" | unknown> {
    const { leaseMs } = this.options;
    const entry: LeaseEntry = {
      kind,
      runId: this.options.runId,
      at: now.toISOString(),
      clock: this.clockId,
      ...(kind === "release" ? {} : { until: new Date(now.getTime() + leaseMs).toISOString(), leaseMs }),
    };
    try {
      return (await log.write(after, entry)) ? "ok" : "taken";
    } catch (err) {
      return err;
    }
  }

  private get clockId(): string {
    return this.options.clockId ?? PROCESS_CLOCK_ID;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  now(): Date {
    return this.clock();
  }

  private log(env: string): VersionedRegister<LeaseEntry> {
    return new VersionedRegister(this.store, leasePrefix(env), (body) => parseLeaseEntry(body));
  }
}

/** A run's hold on one environment. */
export class HeldLease {
  readonly ok = true;

  constructor(
    private readonly leases: EnvLeases,
    private readonly log: VersionedRegister<LeaseEntry>,
    readonly env: string,
    /** The version of the log this run wrote last. */
    private seq: number,
    /** By this host's clock: the hold began no earlier than this host sent its write, so others see it end no sooner. */
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
    const written = await this.leases.write(this.log, { next: this.seq + 1 }, "renew", now);
    if (written !== "ok") return false;
    this.seq += 1;
    this.until = new Date(now.getTime() + this.leases.leaseMs);
    return true;
  }

  /** Ends the hold now. Best effort: an unwritten release lapses by itself. */
  async release(): Promise<void> {
    await this.leases.write(this.log, { next: this.seq + 1 }, "release", this.leases.now());
  }
}

/** EPHEMERA_LEASE_SECONDS's upper bound. */
const MAX_LEASE_MS = 86_400_000;

function parseLeaseEntry(body: unknown): LeaseEntry {
  const b = body as Partial<Record<keyof LeaseEntry, unknown>> | null;
  if (b === null || typeof b !== "object" || !["acquire", "renew", "release"].includes(b.kind as string) || typeof b.runId !== "string" || typeof b.at !== "string") {
    throw new Error(`not a lease entry: ${JSON.stringify(body).slice(0, 200)}`);
  }
  // A hold longer than the longest lease setting is not believed: one entry cannot keep every run off for long.
  const leaseMs = typeof b.leaseMs === "number" && Number.isSafeInteger(b.leaseMs) && b.leaseMs > 0 && b.leaseMs <= MAX_LEASE_MS ? b.leaseMs : undefined;
  return {
    kind: b.kind as LeaseEntry["kind"],
    runId: b.runId,
    at: b.at,
    ...(typeof b.until === "string" ? { until: b.until } : {}),
    ...(leaseMs === undefined ? {} : { leaseMs }),
    ...(typeof b.clock === "string" ? { clock: b.clock } : {}),
  };
}

function unavailable(env: string, what: "read" | "write", err: unknown): LeaseRefusal {
  return { ok: false, code: "LeaseUnavailable", message: `${env}'s lease could not be ${what === "read" ? "read" : "written"} (${errorCode(err)}: ${messageOf(err)}); nothing was done to it` };
}
