import type { AuditLog } from "../audit/audit-log";
import type { RunOpening } from "../audit/run-ledger";
import type { EnvLeases, HeldLease, LeaseRefusal } from "./env-lease";
import type { AuditEvent, AuditOutcome } from "../audit/audit-record";
import { errorCode, messageOf } from "../support/outcomes";
import { mapWithLimit } from "../support/map-with-limit";
import type { OperationResult } from "../contracts/kind-adapter";
import type { Notifier } from "./notifier";
import type { EnvironmentPlan, Intent, PhaseName, Plan, PlannedAction } from "../contracts/plan";
import { DEFAULT_REAPER_CONFIG, type ReaperConfig } from "../config/reaper-config";
import { type AdapterTable, adapterLookup, type ExecutedOutcome, type ExecuteWith, executeAction } from "./execute-action";

export type { AdapterTable } from "./execute-action";

export interface ActOptions<Ctx> {
  readonly plan: Plan;
  readonly adapters: AdapterTable<Ctx>;
  readonly ctx: Ctx;
  /** This run's audit log; its run id is the result's. Not written to in a dry run. */
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly config: Pick<ReaperConfig, "auditBucket" | "concurrency"> & Partial<Pick<ReaperConfig, "deadlineMarginMs">>;
  /** Execute nothing and write nothing; the result is the plan. @default false */
  readonly dryRun?: boolean;
  /** What the audit trail said before this run (openRun): named in the run-start record. */
  readonly opening?: RunOpening;
  /** Resources of earlier unknown outcomes now confirmed gone: a record each, after the run-start. */
  readonly confirmedGone?: readonly ConfirmedGone[];
  /** More about the run, merged into its run-start record's details (a reviewed plan's hash). @default - none */
  readonly runDetails?: Readonly<Record<string, unknown>>;
  /**
   * Leases on environments: an environment is acted on only while this run holds its
   * lease, and not at all when another run holds it or held it after this run looked.
   * @default - no leases (a single run, or a test)
   */
  readonly leases?: EnvLeases;
  /**
   * The time left to this run (a Lambda invocation's `getRemainingTimeInMillis`). No
   * action starts with less than `config.deadlineMarginMs` left: the rest are deferred to
   * the next run, and the run-summary (which lists them) is still written.
   * @default - no deadline
   */
  readonly timeLeftMs?: () => number;
  /**
   * Called for each environment whose reap or release finished every phase, under its
   * lease, with this run's audit log: the trace's seal (reaper/traces/trace-seal.ts). A
   * rejection is kept in `auditErrors`; the environment stays done (TTL first).
   * @default - nothing
   */
  readonly onReaped?: (env: string, audit: AuditLog) => Promise<unknown>;
}

/** A resource an earlier action left with an unknown outcome, which discovery no longer finds. */
export interface ConfirmedGone {
  readonly env?: string;
  readonly resource: { readonly kind: string; readonly id: string };
  /** The record of the unknown outcome. */
  readonly unknownIn: { readonly runId: string; readonly seq: number };
}

/**
 * What became of one action. `skipped`: not run, because its before-record could not
 * be written or an earlier phase of its environment failed. `deferred`: not started,
 * because the run's time was running out; the next run does it.
 */
export type ActionOutcomeKind = Exclude<AuditOutcome, "pending"> | "skipped" | "deferred";

export interface ActionOutcome {
  readonly env: string;
  readonly step: PhaseName;
  readonly action: PlannedAction["type"];
  readonly target: ActionTarget;
  readonly outcome: ActionOutcomeKind;
  readonly code?: string;
  readonly message?: string;
  readonly requestId?: string;
}

export interface ActionTarget {
  readonly kind: string;
  readonly id: string;
  readonly arn?: string;
  readonly region?: string;
}

export interface EnvironmentOutcome {
  readonly env: string;
  readonly intent: Intent;
  /**
   * `done`: every phase succeeded; `failed`: `failedStep` failed and the phases after it
   * did not run; `deferred`: the run's time ran out at `deferredStep`, which and the
   * phases after it are left to the next run.
   */
  readonly status: "done" | "failed" | "deferred" | "not-run";
  readonly failedStep?: PhaseName;
  readonly deferredStep?: PhaseName;
}

export interface ActResult {
  readonly runId: string;
  readonly dryRun: boolean;
  readonly plan: Plan;
  readonly environments: readonly EnvironmentOutcome[];
  readonly actions: readonly ActionOutcome[];
  /** Audit writes that failed after their action had run (the action's outcome is still in `actions`). */
  readonly auditErrors: readonly string[];
  /** Set when the run did not act at all (the run-start record could not be written). */
  readonly error?: string;
}


/** The outcomes that count as an action's success: it was done, had been done already, or does not apply. */
const SUCCEEDED: ReadonlySet<ActionOutcomeKind> = new Set(["done", "already-done", "not-applicable"]);

/** True when the action succeeded: `done`, `already-done` or `not-applicable`. */
export function actionSucceeded(outcome: ActionOutcomeKind): boolean {
  return SUCCEEDED.has(outcome);
}

/** True when the action failed: it neither succeeded nor was deferred to the next run (`failed`, `refused`, `unknown`, `skipped`). */
export function actionFailed(outcome: ActionOutcomeKind): boolean {
  return outcome !== "deferred" && !SUCCEEDED.has(outcome);
}

/**
 * Executes a plan: environments concurrently (up to `config.concurrency`), each
 * environment's phases in order, a phase only after every action of the one before
 * succeeded. Every action is written to the audit log before (if that write fails,
 * the action does not run) and after. Errors never escape: each is an outcome with
 * the resource, the API's error code and the request id.
 */
export async function act<Ctx>(options: ActOptions<Ctx>): Promise<ActResult> {
  const { plan, audit, config } = options;
  const base = { runId: audit.runId, plan };
  if (options.dryRun) return { ...base, dryRun: true, environments: notRun(plan), actions: [], auditErrors: [] };
  const error = await writeRunStart(audit, plan, options.opening, options.runDetails);
  if (error !== undefined) return { ...base, dryRun: false, environments: notRun(plan), actions: [], auditErrors: [], error };

  const auditErrors: string[] = [];
  await writeConfirmedGone(audit, options.confirmedGone ?? [], auditErrors);
  const run: Run<Ctx> = {
    options,
    using: { lookup: adapterLookup(options.adapters), ctx: options.ctx, notifier: options.notifier, auditBucket: config.auditBucket },
    marginMs: config.deadlineMarginMs ?? DEFAULT_REAPER_CONFIG.deadlineMarginMs,
    auditErrors,
  };
  const perEnvironment = await mapWithLimit(plan.environments, config.concurrency, (envPlan) => runEnvironment(run, envPlan));
  const actions = perEnvironment.flatMap((e) => e.outcomes);
  const environments = perEnvironment.map((e) => e.environment);
  await writeRunSummary(audit, environments, actions, auditErrors);
  return { ...base, dryRun: false, environments, actions, auditErrors };
}

/** One acting run, as its steps share it. */
interface Run<Ctx> {
  readonly options: ActOptions<Ctx>;
  readonly using: ExecuteWith<Ctx>;
  /** No action starts with less time than this left. */
  readonly marginMs: number;
  /** Audit writes that failed after their action had run (then the run-summary's, if it fails). */
  readonly auditErrors: string[];
}

function notRun(plan: Plan): EnvironmentOutcome[] {
  return plan.environments.map((e) => ({ env: e.env, intent: e.intent, status: "not-run" as const }));
}

/** Opens the run's chain with the plan; says why not when the record could not be written (then nothing is done). */
async function writeRunStart(audit: AuditLog, plan: Plan, opening: RunOpening | undefined, runDetails: ActOptions<unknown>["runDetails"]): Promise<string | undefined> {
  try {
    await audit.append({
      type: "run-start",
      details: {
        ...runDetails,
        plan,
        // The last finished run this one knew of: a run removed from the bucket breaks this link.
        previous: opening?.previous ?? null,
        ...(opening === undefined || opening.closed.length === 0 ? {} : { closedRuns: opening.closed }),
        ...(opening?.problem === undefined ? {} : { auditTrailProblem: opening.problem }),
      },
    });
    return undefined;
  } catch (err) {
    return `the run-start audit record could not be written (${errorCode(err)}: ${messageOf(err)}); nothing was done`;
  }
}

async function writeConfirmedGone(audit: AuditLog, confirmedGone: readonly ConfirmedGone[], auditErrors: string[]): Promise<void> {
  for (const gone of confirmedGone) {
    try {
      await audit.append({
        type: "confirmed-gone",
        ...(gone.env === undefined ? {} : { env: gone.env }),
        resource: gone.resource,
        reason: `its earlier action's outcome was unknown (run ${gone.unknownIn.runId}, record ${gone.unknownIn.seq}); discovery no longer finds it`,
        details: { unknownIn: gone.unknownIn },
      });
    } catch (err) {
      auditErrors.push(`${gone.resource.kind} ${gone.resource.id}: the confirmed-gone record could not be written (${errorCode(err)})`);
    }
  }
}

/** Closes the run's chain with its totals and what it deferred; a failure to is kept in `auditErrors`. */
async function writeRunSummary(audit: AuditLog, environments: readonly EnvironmentOutcome[], actions: readonly ActionOutcome[], auditErrors: string[]): Promise<void> {
  try {
    const deferred = actions.filter((a) => a.outcome === "deferred").map((a) => ({ env: a.env, step: a.step, action: a.action, resource: a.target }));
    await audit.append({ type: "run-summary", details: { totals: totals(environments, actions), auditErrors, ...(deferred.length === 0 ? {} : { deferred }) } });
  } catch (err) {
    auditErrors.push(`the run-summary record could not be written (${errorCode(err)}); the run's chain is left open`);
  }
}

/** Why an environment's remaining actions are not run. */
interface Stop {
  readonly outcome: "deferred" | "skipped";
  readonly code?: string;
  readonly message: string;
}

/** One environment's progress through its phases. */
interface Progress {
  readonly env: string;
  readonly outcomes: ActionOutcome[];
  failedStep?: PhaseName;
  deferredStep?: PhaseName;
  stopped?: Stop;
}

/** One environment's plan: its phases in order, under its lease; a phase only after the one before succeeded. */
async function runEnvironment<Ctx>(run: Run<Ctx>, envPlan: EnvironmentPlan): Promise<{ environment: EnvironmentOutcome; outcomes: ActionOutcome[] }> {
  const progress: Progress = { env: envPlan.env, outcomes: [] };
  const lease = await takeLease(run.options.leases, envPlan, progress);
  for (const phase of envPlan.phases) {
    progress.stopped ??= stopAfterEarlierPhase(progress);
    for (const action of phase.actions) await runInEnvironment(run, progress, lease, phase.name, action);
  }
  const environment = environmentOutcome(envPlan, progress);
  await afterReaped(run, environment);
  if (lease?.ok) await lease.release();
  return { environment, outcomes: progress.outcomes };
}

/** The `onReaped` hook of an environment reaped or released in full; its failure is an audit error, never the environment's. */
async function afterReaped<Ctx>(run: Run<Ctx>, environment: EnvironmentOutcome): Promise<void> {
  const { onReaped } = run.options;
  if (onReaped === undefined || environment.status !== "done" || (environment.intent !== "reap" && environment.intent !== "release")) return;
  try {
    await onReaped(environment.env, run.options.audit);
  } catch (err) {
    run.auditErrors.push(`${environment.env}: its trace could not be sealed (${errorCode(err)}: ${messageOf(err)}); the environment was ${environment.intent === "reap" ? "reaped" : "released"} all the same`);
  }
}

/**
 * Takes the environment's lease when there are leases and something to do. Refused: an
 * unreadable lease log or a skewed clock fails the environment closed (skipped); a hold by
 * another run leaves it to the next run (deferred).
 */
async function takeLease(leases: EnvLeases | undefined, envPlan: EnvironmentPlan, progress: Progress): Promise<HeldLease | LeaseRefusal | undefined> {
  const hasActions = envPlan.phases.some((p) => p.actions.length > 0);
  const lease = leases === undefined || !hasActions ? undefined : await leases.acquire(envPlan.env);
  if (lease !== undefined && !lease.ok) {
    const outcome = lease.code === "LeaseUnavailable" || lease.code === "ClockSkew" ? "skipped" : "deferred";
    progress.stopped = { outcome, code: lease.code, message: lease.message };
    if (outcome === "skipped") progress.failedStep = envPlan.phases[0]?.name;
    else progress.deferredStep = envPlan.phases[0]?.name;
  }
  return lease;
}

/** At a phase's start: stop when an earlier phase failed or was deferred. */
function stopAfterEarlierPhase(progress: Progress): Stop | undefined {
  if (progress.failedStep !== undefined) return { outcome: "skipped", message: `not run: phase ${progress.failedStep} failed` };
  if (progress.deferredStep !== undefined) return { outcome: "deferred", message: `not started: phase ${progress.deferredStep} was deferred` };
  return undefined;
}

/** One action of the environment's plan: run while the environment goes on and its lease is kept, else recorded as stopped. */
async function runInEnvironment<Ctx>(run: Run<Ctx>, progress: Progress, lease: HeldLease | LeaseRefusal | undefined, step: PhaseName, action: PlannedAction): Promise<void> {
  if (progress.stopped === undefined && lease?.ok && !(await lease.keep())) {
    progress.stopped = { outcome: "deferred", code: "LeaseLost", message: `not started: this run's lease on ${progress.env} could not be renewed` };
    progress.deferredStep ??= step;
  }
  const keepLease = lease?.ok ? () => lease.keep() : undefined;
  const at: ActionAt = { env: progress.env, step, action, target: targetOf(action), ...(keepLease === undefined ? {} : { keepLease }) };
  if (progress.stopped !== undefined) {
    const { outcome, code, message } = progress.stopped;
    progress.outcomes.push(outcomeOf(at, outcome, { ...(code === undefined ? {} : { code }), message }));
    return;
  }
  const result = await runAction(run, at);
  progress.outcomes.push(result);
  if (result.outcome === "deferred") progress.deferredStep ??= step;
  else if (actionFailed(result.outcome)) progress.failedStep = step;
}

function environmentOutcome(envPlan: EnvironmentPlan, { failedStep, deferredStep }: Progress): EnvironmentOutcome {
  const status = failedStep !== undefined ? ("failed" as const) : deferredStep !== undefined ? ("deferred" as const) : ("done" as const);
  return {
    env: envPlan.env,
    intent: envPlan.intent,
    status,
    ...(failedStep === undefined ? {} : { failedStep }),
    ...(failedStep === undefined && deferredStep !== undefined ? { deferredStep } : {}),
  };
}

/** One action where the plan puts it. */
interface ActionAt {
  readonly env: string;
  readonly step: PhaseName;
  readonly action: PlannedAction;
  readonly target: ActionTarget;
  /** Renews the environment's lease, for an action that waits. */
  readonly keepLease?: () => Promise<boolean>;
}

/** One action, unless the run's time is running out: deferred then, else executed between its audit records. */
async function runAction<Ctx>(run: Run<Ctx>, at: ActionAt): Promise<ActionOutcome> {
  const left = run.options.timeLeftMs?.();
  if (left !== undefined && left < run.marginMs) {
    const message = `not started: ${Math.round(left / 1000)} s left, under the ${Math.round(run.marginMs / 1000)} s margin; the next run does it`;
    return outcomeOf(at, "deferred", { code: "OutOfTime", message });
  }
  const [kind, result] = await executeAudited(run, at);
  return outcomeOf(at, kind, result);
}

/**
 * Executes the action between its before-record and its after-record. Not at all when the
 * before-record cannot be written (skipped); an after-record that cannot be written leaves
 * the outcome as it was and is kept in `auditErrors`.
 */
async function executeAudited<Ctx>(run: Run<Ctx>, at: ActionAt): Promise<[ActionOutcomeKind, Partial<OperationResult>]> {
  const { env, step, action, target } = at;
  const details = detailsOf(action);
  const event: AuditEvent = { type: "action", env, resource: target, action: action.type, step, reason: action.reason, ...(details === undefined ? {} : { details }) };
  try {
    await run.options.audit.append({ ...event, phase: "before", outcome: "pending" });
  } catch (err) {
    return ["skipped", { code: "AuditWriteFailed", message: `not run: its before-record could not be written (${errorCode(err)}: ${messageOf(err)})` }];
  }
  const [kind, result] = await executeAction(action, at.keepLease === undefined ? run.using : { ...run.using, keepLease: at.keepLease });
  try {
    await run.options.audit.append(afterRecord(event, kind, result));
  } catch (err) {
    run.auditErrors.push(`${env} ${action.type} ${target.kind} ${target.id}: the after-record could not be written (${errorCode(err)})`);
  }
  return [kind, result];
}

function afterRecord(event: AuditEvent, kind: ExecutedOutcome, result: Partial<OperationResult>): AuditEvent {
  return {
    ...event,
    phase: "after",
    outcome: kind,
    ...(result.code === undefined ? {} : { errorCode: result.code }),
    ...(result.message === undefined ? {} : { message: result.message }),
    ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
    ...(result.facts === undefined ? {} : { details: { ...event.details, facts: result.facts } }),
  };
}

function outcomeOf(at: ActionAt, kind: ActionOutcomeKind, result: Partial<OperationResult>): ActionOutcome {
  return {
    env: at.env,
    step: at.step,
    action: at.action.type,
    target: at.target,
    outcome: kind,
    ...(result.code === undefined ? {} : { code: result.code }),
    ...(result.message === undefined ? {} : { message: result.message }),
    ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
  };
}

function targetOf(action: PlannedAction): ActionTarget {
  if (action.type === "notify") return { kind: "sns-topic", id: action.topicArn, arn: action.topicArn };
  const { kind, id, arn, region } = action.resource;
  return { kind, id, ...(arn === undefined ? {} : { arn }), region };
}

function detailsOf(action: PlannedAction): Record<string, unknown> | undefined {
  switch (action.type) {
    case "tag":
      return { tags: action.tags };
    case "delete":
      return action.finalSnapshotName === undefined ? undefined : { finalSnapshotName: action.finalSnapshotName };
    case "notify":
      return { owner: action.owner, subject: action.subject };
    case "restore":
    case "restore-checkpoint":
      return { from: action.from, tags: action.resource.tags };
    case "checkpoint":
      return { snapshot: action.snapshot, tags: action.tags };
    case "rename":
      return { to: action.to };
    case "set-password":
      return { secretArn: action.secretArn };
    default:
      return undefined;
  }
}

function totals(environments: readonly EnvironmentOutcome[], actions: readonly ActionOutcome[]) {
  const count = <T extends string>(values: readonly T[]) =>
    Object.fromEntries([...new Set(values)].sort().map((v) => [v, values.filter((x) => x === v).length]));
  return {
    environments: count(environments.map((e) => e.status)),
    actions: count(actions.map((a) => a.outcome)),
  };
}
