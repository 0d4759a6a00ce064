import type { AuditLog } from "../audit/audit-log";
import type { RunOpening } from "../audit/run-ledger";
import type { EnvLeases } from "./env-lease";
import type { AuditEvent, AuditOutcome } from "../audit/audit-record";
import { errorCode, isAmbiguous, messageOf, requestIdOf } from "../support/outcomes";
import { mapWithLimit } from "../support/map-with-limit";
import type { KindAdapter, KindName, OperationResult } from "../kinds/kind-adapter";
import type { Notifier } from "./notifier";
import type { EnvironmentPlan, Intent, PhaseName, Plan, PlannedAction } from "../decision/plan";
import { DEFAULT_REAPER_CONFIG, type ReaperConfig } from "../runtime/reaper-config";
import { refersToAuditBucket } from "../audit/refers-to-audit-bucket";

/** The kind adapters, as reaper/kinds/index.ts exports them: a list, or a record keyed by kind. */
export type AdapterTable<Ctx> = readonly KindAdapter<Ctx>[] | Readonly<Partial<Record<KindName, KindAdapter<Ctx>>>>;

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

const SUCCEEDED: ReadonlySet<ActionOutcomeKind> = new Set(["done", "already-done", "not-applicable"]);

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
  if (options.dryRun) {
    const environments = plan.environments.map((e) => ({ env: e.env, intent: e.intent, status: "not-run" as const }));
    return { ...base, dryRun: true, environments, actions: [], auditErrors: [] };
  }

  const auditErrors: string[] = [];
  try {
    const opening = options.opening;
    await audit.append({
      type: "run-start",
      details: {
        plan,
        // The last finished run this one knew of: a run removed from the bucket breaks this link.
        previous: opening?.previous ?? null,
        ...(opening === undefined || opening.closed.length === 0 ? {} : { closedRuns: opening.closed }),
        ...(opening?.problem === undefined ? {} : { auditTrailProblem: opening.problem }),
      },
    });
  } catch (err) {
    const error = `the run-start audit record could not be written (${errorCode(err)}: ${messageOf(err)}); nothing was done`;
    const environments = plan.environments.map((e) => ({ env: e.env, intent: e.intent, status: "not-run" as const }));
    return { ...base, dryRun: false, environments, actions: [], auditErrors: [], error };
  }

  for (const gone of options.confirmedGone ?? []) {
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

  const lookup = adapterLookup(options.adapters);
  const marginMs = config.deadlineMarginMs ?? DEFAULT_REAPER_CONFIG.deadlineMarginMs;
  const outOfTime = (): number | undefined => {
    const left = options.timeLeftMs?.();
    return left !== undefined && left < marginMs ? left : undefined;
  };
  const runAction = async (env: string, step: PhaseName, action: PlannedAction): Promise<ActionOutcome> => {
    const target = targetOf(action);
    const event: AuditEvent = {
      type: "action",
      env,
      resource: target,
      action: action.type,
      step,
      reason: action.reason,
      ...(detailsOf(action) === undefined ? {} : { details: detailsOf(action) }),
    };
    const outcome = (kind: ActionOutcomeKind, result: Partial<OperationResult> = {}): ActionOutcome => ({
      env,
      step,
      action: action.type,
      target,
      outcome: kind,
      ...(result.code === undefined ? {} : { code: result.code }),
      ...(result.message === undefined ? {} : { message: result.message }),
      ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
    });

    const left = outOfTime();
    if (left !== undefined) {
      return outcome("deferred", { code: "OutOfTime", message: `not started: ${Math.round(left / 1000)} s left, under the ${Math.round(marginMs / 1000)} s margin; the next run does it` });
    }
    try {
      await audit.append({ ...event, phase: "before", outcome: "pending" });
    } catch (err) {
      return outcome("skipped", {
        code: "AuditWriteFailed",
        message: `not run: its before-record could not be written (${errorCode(err)}: ${messageOf(err)})`,
      });
    }

    const [kind, result] = await execute(action, lookup, options, config.auditBucket);
    try {
      await audit.append({
        ...event,
        phase: "after",
        outcome: kind,
        ...(result.code === undefined ? {} : { errorCode: result.code }),
        ...(result.message === undefined ? {} : { message: result.message }),
        ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
        ...(result.facts === undefined ? {} : { details: { ...event.details, facts: result.facts } }),
      });
    } catch (err) {
      auditErrors.push(`${env} ${action.type} ${target.kind} ${target.id}: the after-record could not be written (${errorCode(err)})`);
    }
    return outcome(kind, result);
  };

  const runEnvironment = async (envPlan: EnvironmentPlan) => {
    const outcomes: ActionOutcome[] = [];
    let failedStep: PhaseName | undefined;
    let deferredStep: PhaseName | undefined;
    /** Why the environment's remaining actions are not run. */
    let stopped: { outcome: "deferred" | "skipped"; code?: string; message: string } | undefined;

    const hasActions = envPlan.phases.some((p) => p.actions.length > 0);
    const lease = options.leases === undefined || !hasActions ? undefined : await options.leases.acquire(envPlan.env);
    if (lease !== undefined && !lease.ok) {
      // Unreadable lease log: fail closed (not ok). Held by another run: the next run does it.
      stopped = { outcome: lease.code === "LeaseUnavailable" || lease.code === "ClockSkew" ? "skipped" : "deferred", code: lease.code, message: lease.message };
      if (stopped.outcome === "skipped") failedStep = envPlan.phases[0]?.name;
      else deferredStep = envPlan.phases[0]?.name;
    }

    for (const phase of envPlan.phases) {
      if (stopped === undefined && failedStep !== undefined) stopped = { outcome: "skipped", message: `not run: phase ${failedStep} failed` };
      if (stopped === undefined && deferredStep !== undefined) stopped = { outcome: "deferred", message: `not started: phase ${deferredStep} was deferred` };
      for (const action of phase.actions) {
        if (stopped === undefined && lease?.ok && !(await lease.keep())) {
          stopped = { outcome: "deferred", code: "LeaseLost", message: `not started: this run's lease on ${envPlan.env} could not be renewed` };
          deferredStep ??= phase.name;
        }
        if (stopped !== undefined) {
          const { outcome, code, message } = stopped;
          outcomes.push({ env: envPlan.env, step: phase.name, action: action.type, target: targetOf(action), outcome, ...(code === undefined ? {} : { code }), message });
          continue;
        }
        const result = await runAction(envPlan.env, phase.name, action);
        outcomes.push(result);
        if (result.outcome === "deferred") deferredStep ??= phase.name;
        else if (!SUCCEEDED.has(result.outcome)) failedStep = phase.name;
      }
    }
    if (lease?.ok) await lease.release();
    const status = failedStep !== undefined ? ("failed" as const) : deferredStep !== undefined ? ("deferred" as const) : ("done" as const);
    const environment: EnvironmentOutcome = {
      env: envPlan.env,
      intent: envPlan.intent,
      status,
      ...(failedStep === undefined ? {} : { failedStep }),
      ...(failedStep === undefined && deferredStep !== undefined ? { deferredStep } : {}),
    };
    return { environment, outcomes };
  };

  const perEnvironment = await mapWithLimit(plan.environments, config.concurrency, runEnvironment);
  const actions = perEnvironment.flatMap((e) => e.outcomes);
  const environments = perEnvironment.map((e) => e.environment);

  try {
    const deferred = actions.filter((a) => a.outcome === "deferred").map((a) => ({ env: a.env, step: a.step, action: a.action, resource: a.target }));
    await audit.append({ type: "run-summary", details: { totals: totals(environments, actions), auditErrors, ...(deferred.length === 0 ? {} : { deferred }) } });
  } catch (err) {
    auditErrors.push(`the run-summary record could not be written (${errorCode(err)}); the run's chain is left open`);
  }
  return { ...base, dryRun: false, environments, actions, auditErrors };
}

async function execute<Ctx>(
  action: PlannedAction,
  lookup: (kind: KindName) => KindAdapter<Ctx> | undefined,
  options: ActOptions<Ctx>,
  auditBucket: string,
): Promise<[Exclude<ActionOutcomeKind, "skipped" | "deferred">, Partial<OperationResult>]> {
  try {
    if (action.type === "notify") {
      const sent = await options.notifier.notify(action);
      return ["done", { ...(sent.requestId === undefined ? {} : { requestId: sent.requestId }), ...(sent.messageId === undefined ? {} : { facts: { messageId: sent.messageId } }) }];
    }
    const { resource } = action;
    if (refersToAuditBucket(resource, auditBucket)) {
      return ["refused", { code: "AuditBucketProtected", message: "the audit bucket and its records are never acted on" }];
    }
    const adapter = lookup(resource.kind);
    if (adapter === undefined) return ["failed", { code: "NoAdapter", message: `no adapter for kind ${resource.kind}` }];
    let result: OperationResult;
    switch (action.type) {
      case "tag":
        result = await adapter.tag(options.ctx, resource, action.tags);
        break;
      case "delete":
        result = await adapter.delete(options.ctx, resource, action.finalSnapshotName === undefined ? {} : { finalSnapshotName: action.finalSnapshotName });
        break;
      case "pause":
      case "resume": {
        const operation = action.type === "pause" ? adapter.pause : adapter.resume;
        if (operation === undefined) return ["not-applicable", { message: `${resource.kind} has no ${action.type}: it costs nothing idle` }];
        result = await operation.call(adapter, options.ctx, resource);
        break;
      }
      case "restore":
        if (adapter.restore === undefined) return ["refused", { code: "NotRestorable", message: `${resource.kind} is never restored` }];
        result = await adapter.restore(options.ctx, resource, action.from);
        break;
      case "rotate-credentials":
        if (adapter.rotateCredentials === undefined) return ["refused", { code: "NoCredentials", message: `${resource.kind} has no master password to rotate` }];
        result = await adapter.rotateCredentials(options.ctx, resource);
        break;
    }
    if (!result.ok) return [result.ambiguous ? "unknown" : "failed", { ...result, code: result.code ?? "Failed" }];
    return [result.alreadyDone ? "already-done" : "done", result];
  } catch (err) {
    const requestId = requestIdOf(err);
    return [isAmbiguous(err) ? "unknown" : "failed", { code: errorCode(err), message: messageOf(err), ...(requestId === undefined ? {} : { requestId }) }];
  }
}

function adapterLookup<Ctx>(table: AdapterTable<Ctx>): (kind: KindName) => KindAdapter<Ctx> | undefined {
  if (Array.isArray(table)) {
    const byKind = new Map((table as readonly KindAdapter<Ctx>[]).map((a) => [a.kind, a] as const));
    return (kind) => byKind.get(kind);
  }
  const record = table as Readonly<Partial<Record<KindName, KindAdapter<Ctx>>>>;
  return (kind) => (Object.prototype.hasOwnProperty.call(record, kind) ? record[kind] : undefined);
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
      return { from: action.from, tags: action.resource.tags };
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
