import { readSettings } from "../config/read-settings";
import { moveExpirySchedule, type ScheduleMove } from "../action/expiry-schedule";
import type { Inventory } from "../contracts/kind-adapter";
import { ephemeraEventType, expiryScheduleGroupName, systemClock, tryParseEnvId } from "../model";
import { type BudgetAlertMessage, type BudgetAlertOutcome, handleBudgetAlerts } from "../operations/handle-budget-alert";
import { listEnvironments } from "../operations/list-environments";
import { reportRun, type RunReport } from "../operations/run-report";
import { runSweep, type SweepRequest } from "../operations/run-sweep";
import { ReaperRuntime, type ReaperRuntimeOptions } from "../runtime/reaper-runtime";
import { describeError } from "../support/outcomes";
import { parseBudgetNotification } from "./budget-notification";

export type { BudgetAlertOutcome } from "../operations/handle-budget-alert";
export type { RunReport } from "../operations/run-report";

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
  const clock = deps.clock ?? systemClock;

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
  const sweepWith = async (request: SweepRequest) => reportRun(await runSweep(runtime, { clock, ...(timeLeftMs === undefined ? {} : { timeLeftMs }), ...request }));
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
      return { trigger, ...(await handleBudgetAlerts(runtime, readBudgetMessages((event as SnsEvent).Records), sweepWith)) };
    case "unrecognised":
      return {
        trigger,
        ok: false,
        error:
          'unrecognised event: expected {"ephemera":"sweep"}, {"ephemera":"expire","env":"<id>"} or an SNS event of AWS Budgets notifications; nothing was done',
      };
  }
}

/** Each SNS record's Budgets notification, or why it is not one. */
function readBudgetMessages(records: readonly SnsRecord[]): BudgetAlertMessage[] {
  const messages: BudgetAlertMessage[] = [];
  for (const [index, record] of records.entries()) {
    const messageId = record.Sns?.MessageId;
    const at = { record: index, ...(messageId === undefined ? {} : { messageId }) };
    const message = record.Sns?.Message;
    if (record.EventSource !== "aws:sns" || typeof message !== "string") {
      messages.push({ ...at, unreadable: "not an SNS record with a Message" });
      continue;
    }
    const parsed = parseBudgetNotification(message);
    messages.push(parsed.ok ? { ...at, notification: parsed.notification } : { ...at, unreadable: `the message ${parsed.reason}` });
  }
  return messages;
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
