import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BUDGET_NOTIFICATION_FIXTURE, REPO_ROOT } from "../harness/paths";

/** A real AWS Budgets notification (plain text, as Budgets publishes it to SNS), used as the template. */
const TEMPLATE = BUDGET_NOTIFICATION_FIXTURE;

export interface BudgetAlert {
  readonly accountId: string;
  readonly budgetName: string;
  readonly limitUsd: number;
  readonly actualUsd: number;
  readonly at: Date;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The ACTUAL 100 % alert of one budget, in the exact format of the template. */
export function budgetNotification(alert: BudgetAlert): string {
  const template = fs.readFileSync(TEMPLATE, "utf8");
  const date = alert.at.toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric", timeZone: "UTC" });
  const replacements: [RegExp, string][] = [
    [/^AWS Budget Notification .+$/m, `AWS Budget Notification ${date}`],
    [/^AWS Account \d{12}$/m, `AWS Account ${alert.accountId}`],
    [/ephemera-pr-123/g, alert.budgetName],
    [/is greater than \$[\d.]+/, `is greater than ${usd(alert.limitUsd)}`],
    [/The ACTUAL Cost associated with this budget is \$[\d.]+/, `The ACTUAL Cost associated with this budget is ${usd(alert.actualUsd)}`],
    [/^Budgeted Amount: .+$/m, `Budgeted Amount: ${usd(alert.limitUsd)}`],
    [/^Alert Threshold: .+$/m, `Alert Threshold: > ${usd(alert.limitUsd)}`],
    [/^ACTUAL Amount: .+$/m, `ACTUAL Amount: ${usd(alert.actualUsd)}`],
  ];
  let message = template;
  for (const [pattern, value] of replacements) {
    if (!pattern.test(message)) throw new Error(`${path.relative(REPO_ROOT, TEMPLATE)} no longer has ${pattern}; update demo/budget-alert.ts`);
    message = message.replace(pattern, value);
  }
  return message;
}

/** The event Lambda receives when SNS delivers one message from `topicArn` to a subscribed function. */
export function snsEvent(topicArn: string, subject: string, message: string, at: Date) {
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: "Notification",
          MessageId: randomUUID(),
          TopicArn: topicArn,
          Subject: subject,
          Message: message,
          Timestamp: at.toISOString(),
          SignatureVersion: "1",
          MessageAttributes: {},
        },
      },
    ],
  };
}
