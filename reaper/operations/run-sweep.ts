import type { AdapterTable } from "../action/act";
import { KIND_ADAPTERS } from "../kinds";
import type { KindContext } from "../contracts/kind-context";
import type { Inventory } from "../contracts/kind-adapter";
import type { Plan } from "../contracts/plan";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { sweep, type SweepResult } from "./sweep";
import { newestBaseline, planRefill } from "../pool/plan-refill";
import { retireMembers } from "../pool/retire-members";
import { liveIndexOf, storeLiveIndex } from "../admission/live-index";
import { meterProvisioning } from "../admission/meter-provisioning";
import type { SwitchResult } from "../admission/switch-provisioning";
import { describeError } from "../support/outcomes";
import { systemClock } from "../model";

export interface SweepRequest {
  /** Only these environments are looked at (the one-shot expiry event, `ephemera reap --env`). @default - all */
  readonly envs?: readonly string[];
  /** Environments named by budget alerts: paused like any over-budget environment. */
  readonly budgetAlerts?: readonly string[];
  /** @default the settings' dryRun */
  readonly dryRun?: boolean;
  /** The real clock: run id, audit record times. @default the system clock */
  readonly clock?: () => Date;
  /** A simulated instant decide judges expiry against (`ephemera reap --now`). @default clock() */
  readonly decideAt?: Date;
  /** @default KIND_ADAPTERS (the CLI wraps them to show progress) */
  readonly adapters?: AdapterTable<KindContext>;
  /** Told what discovery found, before decide runs. */
  readonly onDiscovered?: (inventory: Inventory) => void;
  /** Told the plan before it is executed. */
  readonly onPlan?: (plan: Plan) => void;
  /** The time left to the run (a Lambda invocation's): actions that would start too late are deferred. @default - no deadline */
  readonly timeLeftMs?: () => number;
}

/** A sweep, and what the spend meter's total did to the provisioning switch. */
export interface SweepRunResult extends SweepResult {
  /** Set when a full acting sweep checked the platform budget (`EPHEMERA_PLATFORM_BUDGET_USD`). */
  readonly provisioning?: SwitchResult | { readonly status: "refused"; readonly ok: false; readonly message: string };
}

/** One sweep with a runtime's clients: the Lambda's scheduled, expiry and budget events and `ephemera reap` all come here. */
export async function runSweep(runtime: ReaperRuntime, request: SweepRequest = {}): Promise<SweepRunResult> {
  const clock = request.clock ?? systemClock;
  const dryRun = request.dryRun ?? runtime.settings.dryRun;
  const result = await sweepOnce(runtime, request, clock, dryRun);
  // Only a sweep of every environment, on the real clock, sees the total.
  if (dryRun || request.envs !== undefined || request.decideAt !== undefined || result.spend === undefined || result.error !== undefined) return result;
  const complete = result.plan?.notes.every((n) => n.code !== "listing-failure") ?? false;
  const provisioning = await meterProvisioning(runtime, result.spend, complete, clock).catch((err: unknown) => ({
    status: "refused" as const,
    ok: false as const,
    message: `the provisioning switch could not be checked: ${describeError(err)}`,
  }));
  return provisioning === undefined ? result : { ...result, provisioning };
}

function sweepOnce(runtime: ReaperRuntime, request: SweepRequest, clock: () => Date, dryRun: boolean): Promise<SweepResult> {
  // The warm pool is refilled by sweeps of every environment (an expiry event's sweep looks at one).
  const pool = runtime.settings.pool;
  return sweep({
    config: runtime.config,
    callerAccount: runtime.callerAccount,
    discover: async () => {
      const inventory = await runtime.discover(request.envs);
      request.onDiscovered?.(inventory);
      return inventory;
    },
    adapters: request.adapters ?? KIND_ADAPTERS,
    ctx: runtime.ctx,
    auditStore: runtime.auditStore(clock),
    spendMeter: runtime.spendMeter(clock),
    ...(pool === undefined || request.envs !== undefined
      ? {}
      : {
          refill: async (inventory: Inventory, at: Date) => {
            const planned = planRefill({ settings: pool, inventory, baseline: await newestBaseline(runtime.ctx.rds, pool.baseline), now: at, region: runtime.ctx.region, auditBucket: runtime.config.auditBucket });
            // An acting sweep takes the claim record of each warm database it is about to delete, as a claim would.
            return dryRun ? planned : retireMembers(runtime.auditStore(clock), planned, pool.name, `the reaper's refill of pool ${pool.name}`, clock(), runtime.config.maxClockSkewMs);
          },
        }),
    ...(request.envs === undefined ? { keepIndex: (inventory: Inventory, runId: string, at: Date) => storeLiveIndex(runtime.auditStore(clock), inventory, liveIndexOf(inventory, runtime.config.auditBucket, runId, at)) } : { lookedAt: request.envs }),
    notifier: runtime.notifier,
    clock,
    dryRun,
    // A sweep of some environments has not looked at the others' resources.
    reconcile: request.envs === undefined,
    ...(request.decideAt === undefined ? {} : { decideAt: request.decideAt }),
    ...(request.budgetAlerts === undefined ? {} : { budgetAlerts: request.budgetAlerts }),
    ...(request.onPlan === undefined ? {} : { onPlan: request.onPlan }),
    ...(request.timeLeftMs === undefined ? {} : { timeLeftMs: request.timeLeftMs }),
  });
}
