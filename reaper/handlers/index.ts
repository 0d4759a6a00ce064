import { readSettings } from "../runtime/settings";
import { moveExpirySchedule, type ScheduleMove } from "../action/expiry-schedule";
import type { Inventory } from "../kinds/kind-adapter";
import { BUDGET_NAME_PREFIX, envOfBudgetName, ephemeraEventType, expiryScheduleGroupName, PLATFORM_BUDGET_NAME, tryParseEnvId } from "../model";
import { switchProvisioning } from "../admission/switch-provisioning";
import { listEnvironments } from "../operations/list-environments";
import { runSweep, type SweepRequest, type SweepRunResult } from "../operations/run-sweep";
import type { PlanNote } from "../decision/plan";
import { ReaperRuntime, type ReaperRuntimeOptions } from "../runtime/reaper-runtime";
import type { SweepResult } from "../sweep";
import type { SpendTotals } from "../spend/spend-meter";
import { describeError } from "../support/outcomes";
import { type BudgetNotification, parseBudgetNotification } from "./budget-notification";

/** SNS delivering AWS Budgets notifications (plain-text bodies) from the pause topic. */
export interface SnsEvent {
  readonly Records: readonly SnsRecord[];
}

export interface SnsRecord {
  readonly EventSource?: string;
  readonly Sns?: { readonly Message?: string; readonly MessageId?: string; readonly Subject?: string; readonly TopicArn?: string };
}

/** The part of the Lambda context the handler reads. */
export interface HandlerContext {
  readonly awsRequestId?: string;
  /** Milliseconds until Lambda stops the invocation: no action starts within the deadline margin of it. */
  getRemainingTimeInMillis?(): number;
}

/** What became of one budget notification. */
export interface BudgetAlertOutcome {
  /** Index in the event's Records. */
  readonly record: number;
  readonly messageId?: string;
  /**
   * - `paused`: the environment was paused in this invocation (`would-pause` in a dry run)
   * - `not-paused`: the alert was valid but the rules held the pause back (`reason`: protected, already paused, ...)
   * - `pause-failed`: the pause ran and an action failed
   * - `ignored`: not an Ephemera budget, or another account's
   * - `unparseable`: not a Budgets notification; nothing was done for it
   * - `provisioning-paused`: the platform budget's alert paused provisioning (`not-paused` when it was already; `provisioning-failed`)
   */
  readonly status: "paused" | "would-pause" | "not-paused" | "pause-failed" | "ignored" | "unparseable" | "provisioning-paused" | "provisioning-failed";
  readonly budgetName?: string;
  readonly env?: string;
  readonly alertType?: string;
  readonly amount?: string;
  readonly reason?: string;
}

/** A run as the handler reports it: the sweep's outcome, counted. */
export interface RunReport {
  readonly runId: string;
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly accountId?: string;
  readonly error?: string;
  readonly environments: readonly { readonly env: string; readonly intent: string; readonly status: string }[];
  readonly deferred: number;
  readonly actions: Readonly<Record<string, number>>;
  /** Warnings of the plan (skipped environments, listing failures), for the log. */
  readonly warnings: readonly PlanNote[];
  readonly timings: SweepResult["timings"];
  /** The spend meter's totals over the environments it metered, when it ran. */
  readonly spend?: SpendTotals & { readonly readingKept: boolean };
  /** What the meter's total did to the provisioning switch (`EPHEMERA_PLATFORM_BUDGET_USD`). */
  readonly provisioning?: { readonly status: string; readonly ok: boolean; readonly paused?: boolean; readonly message?: string };
}

export interface HandlerResult {
  readonly trigger: "sweep" | "expire" | "budget-alert" | "unrecognised";
  readonly ok: boolean;
  /** Why nothing was done at all: bad settings, an unknown event, a bad env id, the account guard. */
  readonly error?: string;
  /** The environment of an expire event. */
  readonly env?: string;
  readonly budgetAlerts?: readonly BudgetAlertOutcome[];
  readonly run?: RunReport;
  /**
   * An expire event that came before the environment's expiry: its one-shot schedule,
   * moved to the expiry the reaper computes (`moved`), or why not.
   */
  readonly rescheduled?: ScheduleMove;
}

export interface HandlerDeps {
  /** Where settings are read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default the system clock */
  readonly clock?: () => Date;
  readonly runtime?: ReaperRuntimeOptions;
  /** Receives the one JSON log line per invocation. @default console.log (CloudWatch Logs) */
  readonly log?: (line: string) => void;
}

/**
 * Builds a handler. Its settings and SDK clients are made on the first invocation and
 * kept for the life of the process (one per Lambda cold start); a settings error is
 * reported by every invocation until the configuration is fixed.
 */
export function createHandler(deps: HandlerDeps = {}): (event: unknown, context?: HandlerContext) => Promise<HandlerResult> {
  let runtime: ReaperRuntime | undefined;
  const log = deps.log ?? ((line: string) => console.log(line));
  const clock = deps.clock ?? (() => new Date());

  return async (event, context) => {
    const started = Date.now();
    let result: HandlerResult;
    try {
      runtime ??= new ReaperRuntime(readSettings(deps.env ?? process.env), deps.runtime);
      const timeLeftMs = context?.getRemainingTimeInMillis === undefined ? undefined : () => context.getRemainingTimeInMillis!();
      result = await dispatch(runtime, event, clock, timeLeftMs);
    } catch (err) {
      // Settings errors, and anything unexpected: reported, never retried into a loop by a throw.
      result = { trigger: triggerOf(event), ok: false, error: describeError(err) };
    }
    log(JSON.stringify(logLine(result, context, Date.now() - started)));
    return result;
  };
}

/** The Lambda entry point (`index.handler`). */
export const handler = createHandler();

async function dispatch(runtime: ReaperRuntime, event: unknown, clock: () => Date, timeLeftMs: (() => number) | undefined): Promise<HandlerResult> {
  const sweepWith = async (request: SweepRequest) => report(await runSweep(runtime, { clock, ...(timeLeftMs === undefined ? {} : { timeLeftMs }), ...request }));
  const trigger = triggerOf(event);
  switch (trigger) {
    case "sweep": {
      const run = await sweepWith({});
      return { trigger, ok: run.ok, run, ...(run.error === undefined ? {} : { error: run.error }) };
    }
    case "expire": {
      const text = (event as { env?: unknown }).env;
      const env = typeof text === "string" ? tryParseEnvId(text, { field: "env" }) : undefined;
      if (env === undefined || !env.ok) {
        const error = env === undefined ? 'an expire event needs "env", such as {"ephemera":"expire","env":"pr-123"}' : env.error.message;
        return { trigger, ok: false, error: `${error}; nothing was done` };
      }
      let inventory: Inventory | undefined;
      const run = await sweepWith({ envs: [env.value], onDiscovered: (found) => (inventory = found) });
      const rescheduled = inventory === undefined || run.dryRun ? undefined : await rescheduleIfEarly(runtime, env.value, inventory, clock());
      return {
        trigger,
        ok: run.ok && rescheduled?.status !== "failed",
        env: env.value,
        run,
        ...(rescheduled === undefined ? {} : { rescheduled }),
        ...(run.error === undefined ? {} : { error: run.error }),
      };
    }
    case "budget-alert":
      return budgetAlert(runtime, (event as SnsEvent).Records, sweepWith);
    case "unrecognised":
      return {
        trigger,
        ok: false,
        error:
          'unrecognised event: expected {"ephemera":"sweep"}, {"ephemera":"expire","env":"<id>"} or an SNS event of AWS Budgets notifications; nothing was done',
      };
  }
}

async function budgetAlert(
  runtime: ReaperRuntime,
  records: readonly SnsRecord[],
  sweepWith: (request: SweepRequest) => Promise<RunReport>,
): Promise<HandlerResult> {
  const outcomes: BudgetAlertOutcome[] = [];
  const alerts: { index: number; env: string; base: Omit<BudgetAlertOutcome, "status"> }[] = [];
  let callerAccount: string | undefined;
  for (const [index, record] of records.entries()) {
    const messageId = record.Sns?.MessageId;
    const at = { record: index, ...(messageId === undefined ? {} : { messageId }) };
    const message = record.Sns?.Message;
    if (record.EventSource !== "aws:sns" || typeof message !== "string") {
      outcomes.push({ ...at, status: "unparseable", reason: "not an SNS record with a Message" });
      continue;
    }
    const parsed = parseBudgetNotification(message);
    if (!parsed.ok) {
      outcomes.push({ ...at, status: "unparseable", reason: `the message ${parsed.reason}` });
      continue;
    }
    const { budgetName, alertType, amount, accountId } = parsed.notification;
    const base = { ...at, budgetName, alertType, ...(amount === undefined ? {} : { amount }) };
    if (accountId !== undefined) {
      callerAccount ??= await runtime.callerAccount().catch(() => undefined);
      if (callerAccount !== undefined && accountId !== callerAccount) {
        outcomes.push({ ...base, status: "ignored", reason: `the alert is for account ${accountId}, not this one (${callerAccount})` });
        continue;
      }
    }
    if (budgetName === PLATFORM_BUDGET_NAME) {
      outcomes.push({ ...base, ...(await pauseProvisioning(runtime, parsed.notification)) });
      continue;
    }
    const envText = envOfBudgetName(budgetName);
    if (envText === undefined) {
      outcomes.push({ ...base, status: "ignored", reason: `budget ${JSON.stringify(budgetName)} is not an Ephemera budget (${BUDGET_NAME_PREFIX}<env>)` });
      continue;
    }
    const env = tryParseEnvId(envText, { field: "budget's environment id" });
    if (!env.ok) {
      outcomes.push({ ...base, status: "ignored", reason: env.error.message });
      continue;
    }
    alerts.push({ index: outcomes.length, env: env.value, base: { ...base, env: env.value } });
    outcomes.push({ ...base, env: env.value, status: "not-paused" });
  }

  const unreadable = outcomes.filter((o) => o.status === "unparseable").length;
  const provisioningFailed = outcomes.filter((o) => o.status === "provisioning-failed").length;
  if (alerts.length === 0) {
    // Another team's budget on the same topic is expected; a message nobody can read is not.
    const error =
      unreadable > 0
        ? `${unreadable} of ${records.length} SNS messages could not be read as budget notifications; nothing was done`
        : provisioningFailed > 0
          ? "the platform budget's alert could not pause provisioning"
          : undefined;
    return { trigger: "budget-alert", ok: error === undefined, budgetAlerts: outcomes, ...(error === undefined ? {} : { error }) };
  }

  const envs = [...new Set(alerts.map((a) => a.env))];
  const run = await sweepWith({ envs, budgetAlerts: envs });
  for (const alert of alerts) outcomes[alert.index] = { ...alert.base, ...pauseOutcome(alert.env, run) };
  return {
    trigger: "budget-alert",
    ok: run.ok && unreadable === 0 && outcomes.every((o) => o.status !== "pause-failed" && o.status !== "provisioning-failed"),
    budgetAlerts: outcomes,
    run,
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

/** The platform budget's alert: provisioning pauses (running environments keep their own budgets and TTLs). */
async function pauseProvisioning(runtime: ReaperRuntime, alert: BudgetNotification): Promise<Pick<BudgetAlertOutcome, "status" | "reason">> {
  const figures = [alert.amount && `${alert.alertType.toLowerCase()} ${alert.amount}`, alert.threshold && `threshold ${alert.threshold}`, alert.budgetedAmount && `budget ${alert.budgetedAmount}`].filter(Boolean).join(", ");
  if (runtime.settings.dryRun) return { status: "not-paused", reason: "dry run: provisioning would be paused" };
  try {
    const result = await switchProvisioning(runtime, { paused: true, source: "budget-alert", reason: `the platform budget ${alert.budgetName} alerted (${figures})`, by: "reaper" });
    if (result.status === "paused") return { status: "provisioning-paused", reason: `provisioning paused (audit run ${result.runId})` };
    if (result.status === "unchanged") return { status: "not-paused", reason: "provisioning was paused already" };
    return { status: "provisioning-failed", reason: result.message ?? "provisioning could not be paused" };
  } catch (err) {
    return { status: "provisioning-failed", reason: `provisioning could not be paused: ${describeError(err)}` };
  }
}

/**
 * The one-shot schedule is set at deploy time from one resource's created-at, while the
 * reaper's expiry is the latest over all of the environment's resources, seconds later.
 * A schedule that fires before that expiry finds nothing to reap; rather than leave the
 * reap to the next sweep (minutes later), it is moved to the expiry itself. A protected
 * environment, or one whose expiry is unknown, keeps its schedule (the reaper never acts on those).
 */
async function rescheduleIfEarly(runtime: ReaperRuntime, env: string, inventory: Inventory, now: Date): Promise<ScheduleMove | undefined> {
  const { auditBucket, maxTtlMs } = runtime.config;
  const summary = listEnvironments(inventory, { now, auditBucket, maxTtlMs }).environments.find((e) => e.env === env);
  if (summary === undefined || summary.protected || summary.expiresAt === null) return undefined;
  const expiresAt = new Date(summary.expiresAt);
  if (expiresAt.getTime() <= now.getTime()) return undefined;
  return moveExpirySchedule(runtime.ctx.scheduler, env, expiresAt, [expiryScheduleGroupName(env), runtime.settings.expiryScheduleGroup]);
}

function pauseOutcome(env: string, run: RunReport): Pick<BudgetAlertOutcome, "status" | "reason"> {
  if (run.error !== undefined && run.environments.length === 0) return { status: "not-paused", reason: run.error };
  const planned = run.environments.find((e) => e.env === env);
  if (planned !== undefined && planned.intent === "pause") {
    if (planned.status === "done") return { status: "paused" };
    if (planned.status === "not-run") return { status: run.dryRun ? "would-pause" : "not-paused", ...(run.dryRun ? {} : { reason: "not run" }) };
    return { status: "pause-failed", reason: `the pause failed; see the run's actions (run ${run.runId})` };
  }
  const why = run.warnings.filter((n) => n.env === env && n.code !== "over-budget").map((n) => `${n.code}: ${n.message}`);
  return { status: "not-paused", reason: why.length > 0 ? why.join("; ") : "no pause was needed: it is already paused" };
}

function report(result: SweepRunResult): RunReport {
  const actions: Record<string, number> = {};
  for (const action of result.result?.actions ?? []) actions[action.outcome] = (actions[action.outcome] ?? 0) + 1;
  const outcomes = new Map((result.result?.environments ?? []).map((e) => [e.env, e.status]));
  return {
    runId: result.runId,
    ok: result.ok && (result.provisioning?.ok ?? true),
    dryRun: result.dryRun,
    ...(result.accountId === undefined ? {} : { accountId: result.accountId }),
    ...(result.error === undefined ? {} : { error: result.error }),
    environments: (result.plan?.environments ?? []).map((e) => ({ env: e.env, intent: e.intent, status: outcomes.get(e.env) ?? "not-run" })),
    deferred: result.plan?.deferred.length ?? 0,
    actions,
    warnings: [
      ...(result.plan?.notes ?? []).filter((n) => n.level === "warning"),
      ...(result.spendError === undefined ? [] : [{ level: "warning" as const, code: "spend-meter" as const, message: result.spendError }]),
    ],
    timings: result.timings,
    ...(result.spend === undefined ? {} : { spend: { ...result.spend.totals, readingKept: !result.dryRun && result.spend.readings !== undefined && result.spendError === undefined } }),
    ...(result.provisioning === undefined
      ? {}
      : {
          provisioning: {
            status: result.provisioning.status,
            ok: result.provisioning.ok,
            ...("paused" in result.provisioning ? { paused: result.provisioning.paused } : {}),
            ...(result.provisioning.message === undefined ? {} : { message: result.provisioning.message }),
          },
        }),
  };
}

function triggerOf(event: unknown): HandlerResult["trigger"] {
  const type = ephemeraEventType(event);
  if (type !== undefined) return type;
  const records = typeof event === "object" && event !== null ? (event as { Records?: unknown }).Records : undefined;
  return Array.isArray(records) && records.length > 0 ? "budget-alert" : "unrecognised";
}

/** One JSON line per invocation, with counts: what CloudWatch Logs Insights and metric filters read. */
function logLine(result: HandlerResult, context: HandlerContext | undefined, durationMs: number): Record<string, unknown> {
  const run = result.run;
  const intents: Record<string, number> = {};
  for (const e of run?.environments ?? []) intents[e.intent] = (intents[e.intent] ?? 0) + 1;
  const alerts: Record<string, number> = {};
  for (const a of result.budgetAlerts ?? []) alerts[a.status] = (alerts[a.status] ?? 0) + 1;
  return {
    level: result.ok ? "info" : "error",
    msg: "ephemera reaper run",
    ...(context?.awsRequestId === undefined ? {} : { requestId: context.awsRequestId }),
    trigger: result.trigger,
    ok: result.ok,
    ...(result.env === undefined ? {} : { env: result.env }),
    ...(run === undefined ? {} : { runId: run.runId, dryRun: run.dryRun, accountId: run.accountId }),
    environments: run?.environments.length ?? 0,
    intents,
    actions: run?.actions ?? {},
    deferred: run?.deferred ?? 0,
    warnings: run?.warnings.length ?? 0,
    ...(run?.spend === undefined
      ? {}
      : {
          spend: {
            environments: run.spend.environments,
            estimatedUsd: Math.round(run.spend.estimatedUsd * 100) / 100,
            burnUsdPerHour: Math.round(run.spend.burnUsdPerHour * 10_000) / 10_000,
            unknown: run.spend.unknown,
            readingKept: run.spend.readingKept,
          },
        }),
    ...(run?.provisioning === undefined ? {} : { provisioning: run.provisioning }),
    ...(result.budgetAlerts === undefined ? {} : { budgetAlerts: alerts }),
    ...(result.rescheduled === undefined ? {} : { rescheduled: result.rescheduled.status === "moved" ? result.rescheduled.to : result.rescheduled.status }),
    ...(result.error === undefined ? {} : { error: result.error }),
    durationMs,
  };
}
