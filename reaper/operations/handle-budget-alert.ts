import { switchProvisioning } from "../admission/switch-provisioning";
import { BUDGET_NAME_PREFIX, envOfBudgetName, PLATFORM_BUDGET_NAME, tryParseEnvId } from "../model";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { describeError } from "../support/outcomes";
import type { RunReport } from "./run-report";
import type { SweepRequest } from "./run-sweep";

/** What an AWS Budgets alert says (`handlers/budget-notification.ts` reads it from the plain text SNS delivers). */
export interface BudgetNotification {
  readonly budgetName: string;
  /** `ACTUAL` or `FORECASTED` as AWS writes it. */
  readonly alertType: string;
  readonly accountId?: string;
  readonly budgetedAmount?: string;
  readonly threshold?: string;
  /** The actual or forecasted amount that crossed the threshold, as written (`$21.34`). */
  readonly amount?: string;
}

/** One record of a budget alert event: its notification, or why it could not be read as one. */
export type BudgetAlertMessage = {
  /** Index in the event's Records. */
  readonly record: number;
  readonly messageId?: string;
} & ({ readonly notification: BudgetNotification } | { readonly unreadable: string });

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

export interface BudgetAlertResult {
  readonly ok: boolean;
  /** One per message, in the event's order. */
  readonly budgetAlerts: readonly BudgetAlertOutcome[];
  /** The sweep of the environments the alerts named, when any did. */
  readonly run?: RunReport;
  readonly error?: string;
}

/** An alert that names an environment: paused by the sweep, like any over-budget environment. */
interface EnvAlert {
  /** Its place in the outcomes. */
  readonly index: number;
  readonly env: string;
  readonly base: Omit<BudgetAlertOutcome, "status">;
}

/**
 * What budget alerts do: an environment's budget pauses the environment (one sweep of every
 * environment named, with the alerts), the platform budget's pauses provisioning, and another
 * account's budget or a budget that is not Ephemera's is ignored.
 */
export async function handleBudgetAlerts(
  runtime: ReaperRuntime,
  messages: readonly BudgetAlertMessage[],
  sweep: (request: SweepRequest) => Promise<RunReport>,
): Promise<BudgetAlertResult> {
  const outcomes: BudgetAlertOutcome[] = [];
  const alerts: EnvAlert[] = [];
  let known: string | undefined;
  const callerAccount = async () => (known ??= await runtime.callerAccount().catch(() => undefined));
  for (const message of messages) {
    const outcome = await triage(runtime, message, callerAccount);
    if (outcome.status === "env-alert") {
      alerts.push({ index: outcomes.length, env: outcome.env, base: outcome.base });
      outcomes.push({ ...outcome.base, status: "not-paused" });
    } else {
      outcomes.push(outcome);
    }
  }
  const unreadable = outcomes.filter((o) => o.status === "unparseable").length;
  if (alerts.length === 0) return withoutSweep(outcomes, unreadable, messages.length);

  const envs = [...new Set(alerts.map((a) => a.env))];
  const run = await sweep({ envs, budgetAlerts: envs });
  for (const alert of alerts) outcomes[alert.index] = { ...alert.base, ...pauseOutcome(alert.env, run) };
  return {
    ok: run.ok && unreadable === 0 && outcomes.every((o) => o.status !== "pause-failed" && o.status !== "provisioning-failed"),
    budgetAlerts: outcomes,
    run,
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

/** One message: its outcome, or the environment whose pause the sweep decides. */
async function triage(
  runtime: ReaperRuntime,
  message: BudgetAlertMessage,
  callerAccount: () => Promise<string | undefined>,
): Promise<BudgetAlertOutcome | { readonly status: "env-alert"; readonly env: string; readonly base: Omit<BudgetAlertOutcome, "status"> }> {
  const at = { record: message.record, ...(message.messageId === undefined ? {} : { messageId: message.messageId }) };
  if (!("notification" in message)) return { ...at, status: "unparseable", reason: message.unreadable };
  const { budgetName, alertType, amount, accountId } = message.notification;
  const base = { ...at, budgetName, alertType, ...(amount === undefined ? {} : { amount }) };
  if (accountId !== undefined) {
    const caller = await callerAccount();
    if (caller !== undefined && accountId !== caller) {
      return { ...base, status: "ignored", reason: `the alert is for account ${accountId}, not this one (${caller})` };
    }
  }
  if (budgetName === PLATFORM_BUDGET_NAME) return { ...base, ...(await pauseProvisioning(runtime, message.notification)) };
  const envText = envOfBudgetName(budgetName);
  if (envText === undefined) {
    return { ...base, status: "ignored", reason: `budget ${JSON.stringify(budgetName)} is not an Ephemera budget (${BUDGET_NAME_PREFIX}<env>)` };
  }
  const env = tryParseEnvId(envText, { field: "budget's environment id" });
  if (!env.ok) return { ...base, status: "ignored", reason: env.error.message };
  return { status: "env-alert", env: env.value, base: { ...base, env: env.value } };
}

/** No alert named an environment: another team's budget on the same topic is expected; a message nobody can read is not. */
function withoutSweep(outcomes: readonly BudgetAlertOutcome[], unreadable: number, messages: number): BudgetAlertResult {
  const provisioningFailed = outcomes.filter((o) => o.status === "provisioning-failed").length;
  const error =
    unreadable > 0
      ? `${unreadable} of ${messages} SNS messages could not be read as budget notifications; nothing was done`
      : provisioningFailed > 0
        ? "the platform budget's alert could not pause provisioning"
        : undefined;
  return { ok: error === undefined, budgetAlerts: outcomes, ...(error === undefined ? {} : { error }) };
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

/** What the sweep did to an environment a budget alert named. */
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
