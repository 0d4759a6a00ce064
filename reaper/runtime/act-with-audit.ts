import { actionSucceeded, type ActResult, type AdapterTable } from "../action/act";
import { actAsAuditedRun } from "../action/audited-run";
import { newRunId } from "../audit/run-id";
import { KIND_ADAPTERS } from "../kinds";
import type { KindContext } from "../contracts/kind-context";
import type { Plan } from "../contracts/plan";
import type { ReaperRuntime } from "./reaper-runtime";
import { systemClock } from "../model";

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
  const clock = options.clock ?? systemClock;
  const startedAt = clock();
  return actAsAuditedRun({
    runId: newRunId(startedAt),
    store: runtime.auditStore(clock),
    startedAt,
    clock,
    config: runtime.config,
    dryRun: options.dryRun,
    ...(options.lookBack === undefined ? {} : { lookBack: options.lookBack }),
    ...(options.lookedAt === undefined ? {} : { lookedAt: options.lookedAt }),
    plan,
    adapters: options.adapters ?? KIND_ADAPTERS,
    ctx: runtime.ctx,
    notifier: runtime.notifier,
  });
}

/** True when every action of the result succeeded (or was already done, or does not apply). */
export function allSucceeded(result: ActResult): boolean {
  return result.error === undefined && result.actions.every((a) => actionSucceeded(a.outcome));
}
