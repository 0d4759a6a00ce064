import { AuditLog } from "../audit/audit-log";
import { openRun, type RunOpening } from "../audit/run-ledger";
import type { ReaperConfig } from "../config/reaper-config";
import type { StateStore } from "../state/state-store";
import { act, type ActOptions, type ActResult, type ConfirmedGone } from "./act";
import { EnvLeases } from "./env-lease";
import { sealTrace } from "../traces/trace-seal";

export interface AuditedRunOptions<Ctx> extends Pick<ActOptions<Ctx>, "plan" | "adapters" | "ctx" | "notifier" | "timeLeftMs" | "runDetails"> {
  /** Where the run's audit records and the environments' leases are kept (the audit bucket). */
  readonly store: StateStore;
  readonly runId: string;
  /** The run's start, by `clock`: its audit log's start, and the instant openRun judges the trail at. */
  readonly startedAt: Date;
  readonly clock: () => Date;
  readonly config: ActOptions<Ctx>["config"] & Pick<ReaperConfig, "unfinishedRunAfterMs" | "leaseMs" | "maxClockSkewMs">;
  /** Execute nothing and write nothing: no openRun, no leases. */
  readonly dryRun: boolean;
  /** Open the run against the audit trail first (see ActWithAuditOptions.lookBack). @default true */
  readonly lookBack?: boolean;
  /** When the discovery the plan came from began (see EnvLeases). @default startedAt */
  readonly lookedAt?: Date;
  /** Given the run's opening, the resources of earlier unknown outcomes now confirmed gone. @default - none */
  readonly confirmedGone?: (opening: RunOpening) => readonly ConfirmedGone[];
}

/**
 * One audited run of a plan, as the sweep and the operator commands run it: the run
 * opened against the audit trail (unless dry or told not to look back), then `act` with
 * the run's audit log and, when it acts, leases on its environments. Each environment it
 * reaps or releases in full has its decision trace sealed into the run's chain (sealTrace).
 */
export async function actAsAuditedRun<Ctx>(options: AuditedRunOptions<Ctx>): Promise<ActResult> {
  const { store, runId, startedAt, clock, config, dryRun } = options;
  const opening = dryRun || options.lookBack === false ? undefined : await openRun(store, { runId, now: startedAt, clock, unfinishedAfterMs: config.unfinishedRunAfterMs });
  const confirmedGone = opening === undefined ? undefined : options.confirmedGone?.(opening);
  const audit = new AuditLog(store, runId, { startedAt, clock });
  return act({
    ...(opening === undefined ? {} : { opening }),
    ...(confirmedGone === undefined ? {} : { confirmedGone }),
    plan: options.plan,
    adapters: options.adapters,
    ctx: options.ctx,
    audit,
    ...(dryRun ? {} : { leases: new EnvLeases(store, { runId, leaseMs: config.leaseMs, maxSkewMs: config.maxClockSkewMs, lookedAt: options.lookedAt ?? startedAt, clock }) }),
    notifier: options.notifier,
    config,
    dryRun,
    ...(options.timeLeftMs === undefined ? {} : { timeLeftMs: options.timeLeftMs }),
    ...(options.runDetails === undefined ? {} : { runDetails: options.runDetails }),
    // Each environment reaped or released in full has its decision trace's head sealed into this run's chain.
    onReaped: (env, log) => sealTrace(store, env, log, clock),
  });
}
