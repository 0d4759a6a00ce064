import { act, type ActResult, type AdapterTable } from "../action/act";
import { AuditLog } from "../audit/audit-log";
import { newRunId } from "../audit/run-id";
import { openRun } from "../audit/run-ledger";
import { EnvLeases } from "../action/env-lease";
import { KIND_ADAPTERS } from "../kinds";
import type { KindContext } from "../runtime/kind-context";
import type { Plan } from "../decision/plan";
import type { ReaperRuntime } from "../runtime/reaper-runtime";

export interface ActWithAuditOptions {
  /** @default the system clock */
  readonly clock?: () => Date;
  readonly dryRun: boolean;
  /** @default KIND_ADAPTERS */
  readonly adapters?: AdapterTable<KindContext>;
  /** When the discovery the plan came from began (see EnvLeases). @default the run's start */
  readonly lookedAt?: Date;
  /**
   * Open the run against the audit trail first (close runs that stopped, name the last
   * ended run): listings that grow with the trail's recent history. Admissions, switches
   * and claims leave that to the sweeps, so their cost stays the same however long the
   * history; their run-start then names no previous run.
   * @default true
   */
  readonly lookBack?: boolean;
}

/**
 * Executes an operator's plan (extend, pause, resume) as one audited run of its own: a
 * run-start record holding the plan, a before and an after record per action, and a
 * run-summary, exactly as a sweep writes them, so `ephemera audit verify` checks it too.
 */
export async function actWithAudit(runtime: ReaperRuntime, plan: Plan, options: ActWithAuditOptions): Promise<ActResult> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const runId = newRunId(startedAt);
  const store = runtime.auditStore(clock);
  const opening = options.dryRun || options.lookBack === false ? undefined : await openRun(store, { runId, now: startedAt, clock, unfinishedAfterMs: runtime.config.unfinishedRunAfterMs });
  return act({
    ...(opening === undefined ? {} : { opening }),
    ...(options.dryRun ? {} : { leases: new EnvLeases(store, { runId, leaseMs: runtime.config.leaseMs, maxSkewMs: runtime.config.maxClockSkewMs, lookedAt: options.lookedAt ?? startedAt, clock }) }),
    plan,
    adapters: options.adapters ?? KIND_ADAPTERS,
    ctx: runtime.ctx,
    audit: new AuditLog(store, runId, { startedAt, clock }),
    notifier: runtime.notifier,
    config: runtime.config,
    dryRun: options.dryRun,
  });
}

/** True when every action of the result succeeded (or was already done, or does not apply). */
export function allSucceeded(result: ActResult): boolean {
  return result.error === undefined && result.actions.every((a) => a.outcome === "done" || a.outcome === "already-done" || a.outcome === "not-applicable");
}
