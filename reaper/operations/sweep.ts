import { checkAccount } from "../runtime/account-guard";
import { actionFailed, type ActResult, type AdapterTable, type ConfirmedGone } from "../action/act";
import { actAsAuditedRun } from "../action/audited-run";
import type { StateStore } from "../state/state-store";
import { newRunId } from "../audit/run-id";
import { decide } from "../decision/decide";
import type { Inventory } from "../contracts/kind-adapter";
import type { Notifier } from "../action/notifier";
import type { EnvironmentPlan, Plan, PlanNote } from "../contracts/plan";
import type { ReaperConfig } from "../config/reaper-config";
import { describeError } from "../support/outcomes";
import type { RunOpening } from "../audit/run-ledger";
import type { SpendMeter, SpendReport } from "../spend/spend-meter";
import { systemClock } from "../model";

export interface SweepOptions<Ctx> {
  readonly config: ReaperConfig;
  /** The account the credentials act in (STS GetCallerIdentity: `stsCallerAccount`). */
  readonly callerAccount: () => Promise<string>;
  /** Lists every kind (reaper/discovery/discover.ts); must capture listing failures in the inventory, not throw. */
  readonly discover: () => Promise<Inventory>;
  readonly adapters: AdapterTable<Ctx>;
  readonly ctx: Ctx;
  readonly auditStore: StateStore;
  readonly notifier: Notifier;
  /** @default the system clock */
  readonly clock?: () => Date;
  /**
   * The instant `decide` judges expiry against, when it is not the clock: a simulated
   * time (the CLI's `--now`). The run id and audit records keep the real clock, so the
   * audit trail never claims a run happened when it did not.
   * @default clock()
   */
  readonly decideAt?: Date;
  /** Environments named by budget alerts since the last run. */
  readonly budgetAlerts?: readonly string[];
  /** Discover and decide, execute nothing, write nothing. @default false */
  readonly dryRun?: boolean;
  /** @default newRunId(start time) */
  readonly runId?: string;
  /** Told the plan once decide has made it, before anything is executed (the CLI prints it then). */
  readonly onPlan?: (plan: Plan) => void;
  /**
   * Confirm gone the resources of earlier unknown outcomes that discovery no longer
   * finds. Only a sweep of every environment can tell "gone" from "not looked at".
   * @default true
   */
  readonly reconcile?: boolean;
  /** The time left to this run (a Lambda invocation's); see ActOptions.timeLeftMs. @default - no deadline */
  readonly timeLeftMs?: () => number;
  /** Estimates spend for decide, and keeps its readings on an acting run. @default - none: Budgets' figures alone */
  readonly spendMeter?: Pick<SpendMeter, "estimate" | "record">;
  /** The environments this sweep looks at, when not all (the meter keeps the others' readings as they were). @default - all */
  readonly lookedAt?: readonly string[];
  /**
   * Keeps the live-environment index of a complete discovery for `admit`
   * (reaper/admission/live-index.ts); called on acting sweeps only. Resolves to why it was
   * not kept, if it was not. @default - no index kept (a sweep of some environments)
   */
  readonly keepIndex?: (inventory: Inventory, runId: string, at: Date) => Promise<string | undefined>;
  /** Plans the warm pool's refill, run with the environments' plan (reaper/pool/plan-refill.ts). @default - no pool */
  readonly refill?: (inventory: Inventory, at: Date) => Promise<{ readonly plan?: EnvironmentPlan; readonly notes: readonly PlanNote[] }>;
}

export interface SweepResult {
  readonly runId: string;
  readonly dryRun: boolean;
  /** True when the run acted (or, dry, planned) and no action failed. */
  readonly ok: boolean;
  /** Why the sweep did not act at all: the account guard, a discovery crash, the audit log. */
  readonly error?: string;
  readonly accountId?: string;
  readonly plan?: Plan;
  readonly result?: ActResult;
  /** The spend meter's estimates, when it ran. */
  readonly spend?: SpendReport;
  /** Why the meter's readings were not kept this run. */
  readonly spendError?: string;
  /** Why the live-environment index was not kept this run (an acting sweep of every environment keeps one). */
  readonly indexError?: string;
  /** `discoverMs`: the listings and the spend meter's reads; `decideMs`: the policy and the pool's refill plan; `actMs`: the actions. */
  readonly timings: { readonly discoverMs: number; readonly decideMs: number; readonly actMs: number; readonly totalMs: number };
}

/**
 * One run of the reaper: account guard → discover → decide → act. The guard comes
 * first: in an account not on `config.allowedAccounts` (or when the account cannot be
 * established) nothing is even listed.
 */
export async function sweep<Ctx>(options: SweepOptions<Ctx>): Promise<SweepResult> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock();
  const runId = options.runId ?? newRunId(startedAt);
  const dryRun = options.dryRun ?? false;
  const t0 = Date.now();
  const timings = { discoverMs: 0, decideMs: 0, actMs: 0, totalMs: 0 };
  const finish = (result: Omit<SweepResult, "runId" | "dryRun" | "timings">): SweepResult => ({
    runId,
    dryRun,
    ...result,
    timings: { ...timings, totalMs: Date.now() - t0 },
  });

  const guard = await checkAccount(options.config, options.callerAccount);
  if (!guard.ok) return finish({ ok: false, ...(guard.accountId === undefined ? {} : { accountId: guard.accountId }), error: guard.error });
  const accountId = guard.accountId;

  let inventory: Inventory;
  const t1 = Date.now();
  try {
    inventory = await options.discover();
  } catch (err) {
    timings.discoverMs = Date.now() - t1;
    return finish({ ok: false, accountId, error: `discovery failed (${describeError(err)}); nothing was done` });
  }
  // The meter's reads (its last readings, prices) belong with the listings, not with the policy.
  const decideAt = options.decideAt ?? clock();
  const spend = await options.spendMeter?.estimate(inventory, decideAt, options.lookedAt);
  timings.discoverMs = Date.now() - t1;

  const t2 = Date.now();
  const plan = await planRun(options, inventory, decideAt, spend);
  timings.decideMs = Date.now() - t2;
  options.onPlan?.(plan);
  const spendError = spend === undefined || dryRun ? undefined : await options.spendMeter!.record(spend, runId);
  const indexError = dryRun || options.keepIndex === undefined ? undefined : await options.keepIndex(inventory, runId, startedAt).catch((err: unknown) => `the live-environment index was not kept (${describeError(err)})`);

  const t3 = Date.now();
  const result = await actOnPlan(options, { runId, startedAt, clock, dryRun }, plan, inventory);
  timings.actMs = Date.now() - t3;

  const failed = result.actions.some((a) => actionFailed(a.outcome));
  return finish({
    ok: result.error === undefined && !failed && result.auditErrors.length === 0,
    accountId,
    plan,
    result,
    ...(spend === undefined ? {} : { spend }),
    ...(spendError === undefined ? {} : { spendError }),
    ...(indexError === undefined ? {} : { indexError }),
    ...(result.error === undefined ? {} : { error: result.error }),
  });
}

/** The policy's plan for the inventory, with the warm pool's refill when there is a pool. */
async function planRun<Ctx>(options: SweepOptions<Ctx>, inventory: Inventory, decideAt: Date, spend: SpendReport | undefined): Promise<Plan> {
  const decided = decide({
    inventory,
    now: decideAt,
    config: options.config,
    ...(options.budgetAlerts === undefined ? {} : { budgetAlerts: options.budgetAlerts }),
    ...(spend === undefined ? {} : { spend: spend.spend, spendNotes: spend.notes }),
  });
  const refill = await options.refill?.(inventory, decideAt);
  return refill === undefined
    ? decided
    : { ...decided, environments: [...decided.environments, ...(refill.plan === undefined ? [] : [refill.plan])], notes: [...decided.notes, ...refill.notes] };
}

/** Acts on the plan as this sweep's audited run; unless told not to reconcile, confirms gone what discovery no longer finds. */
async function actOnPlan<Ctx>(
  options: SweepOptions<Ctx>,
  run: { readonly runId: string; readonly startedAt: Date; readonly clock: () => Date; readonly dryRun: boolean },
  plan: Plan,
  inventory: Inventory,
): Promise<ActResult> {
  return actAsAuditedRun({
    store: options.auditStore,
    ...run,
    config: options.config,
    // Discovery began after startedAt: a hold by another run that ended since then makes this plan stale for that environment.
    lookedAt: run.startedAt,
    ...(options.reconcile === false ? {} : { confirmedGone: (opening: RunOpening) => goneSince(opening, inventory, listedKinds(options.adapters)) }),
    plan,
    adapters: options.adapters,
    ctx: options.ctx,
    notifier: options.notifier,
    ...(options.timeLeftMs === undefined ? {} : { timeLeftMs: options.timeLeftMs }),
  });
}

/**
 * The resources of earlier unknown outcomes that discovery no longer finds, where their
 * kind was listed this run and the listing completed: confirmed gone. One still found is
 * acted on again by this run's plan, if its environment still calls for it.
 */
export function goneSince(opening: RunOpening, inventory: Inventory, listed: ReadonlySet<string>): ConfirmedGone[] {
  const failedKinds = new Set(inventory.failures.map((f) => f.kind as string));
  const present = new Set(inventory.resources.map((r) => `${r.kind} ${r.id}`));
  return opening.unknownOutcomes.flatMap((u) => {
    const { kind, id } = u.resource;
    if (!listed.has(kind) || failedKinds.has(kind) || present.has(`${kind} ${id}`)) return [];
    return [{ ...(u.env === undefined ? {} : { env: u.env }), resource: u.resource, unknownIn: { runId: u.runId, seq: u.seq } }];
  });
}

function listedKinds<Ctx>(adapters: AdapterTable<Ctx>): ReadonlySet<string> {
  const list = Array.isArray(adapters) ? adapters : Object.values(adapters);
  return new Set(list.filter((a) => a !== undefined).map((a) => a.kind as string));
}
