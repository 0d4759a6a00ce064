import type { BudgetNotification } from "../operations/handle-budget-alert";

export type { BudgetNotification };

/**
 * What an AWS Budgets alert delivered over SNS says (a `BudgetNotification`, the shape the
 * budget alert operation takes), or why the message is not one. Budgets publishes plain text, not
 * JSON (harness/fixtures/budget-notification.txt is one, verbatim in shape):
 *
 *     AWS Budget Notification November 22, 2026
 *     AWS Account 123456789012
 *
 *     Dear AWS Customer,
 *
 *     You requested that we alert you when the ACTUAL Cost associated with your ...
 *
 *     Budget Name: ephemera-pr-123
 *     Budget Type: Cost
 *     Budgeted Amount: $25.00
 *     Alert Type: ACTUAL
 *     Alert Threshold: > $20.00
 *     ACTUAL Amount: $21.34
 *
 * The `Name: value` lines are what is read; the prose between varies (per day, per
 * month, forecasted) and is ignored.
 */
export type ParsedBudgetNotification =
  | { readonly ok: true; readonly notification: BudgetNotification }
  | { readonly ok: false; readonly reason: string };

const HEADER = /^AWS Budget Notification\b/;
const MAX_MESSAGE = 64 * 1024;

/** Reads one SNS message body; anything that is not a Budgets notification is `ok: false` with the reason. */
export function parseBudgetNotification(message: string): ParsedBudgetNotification {
  if (message.length > MAX_MESSAGE) return { ok: false, reason: `is ${message.length} characters, longer than any Budgets notification` };
  const lines = message.split(/\r?\n/).map((line) => line.trim());
  const first = lines.find((line) => line !== "");
  if (first === undefined) return { ok: false, reason: "is empty" };
  if (!HEADER.test(first)) return { ok: false, reason: `does not start with "AWS Budget Notification" (it starts ${JSON.stringify(first.slice(0, 60))})` };

  const field = (name: string): string | undefined => {
    const prefix = `${name}:`;
    const line = lines.find((l) => l.startsWith(prefix));
    const value = line?.slice(prefix.length).trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const budgetName = field("Budget Name");
  if (budgetName === undefined) return { ok: false, reason: 'has no "Budget Name:" line' };
  const alertType = field("Alert Type");
  if (alertType === undefined) return { ok: false, reason: 'has no "Alert Type:" line' };

  const account = /^AWS Account (\d{12})$/.exec(lines.find((l) => l.startsWith("AWS Account ")) ?? "");
  const budgetedAmount = field("Budgeted Amount");
  const threshold = field("Alert Threshold");
  const amount = field(`${alertType} Amount`);
  return {
    ok: true,
    notification: {
      budgetName,
      alertType,
      ...(account === null ? {} : { accountId: account[1] }),
      ...(budgetedAmount === undefined ? {} : { budgetedAmount }),
      ...(threshold === undefined ? {} : { threshold }),
      ...(amount === undefined ? {} : { amount }),
    },
  };
}
