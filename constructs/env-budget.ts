import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Construct } from "constructs";
import { Token } from "./core";
import { envIdProp, isLiteral, requiredStringProp } from "./private/props";
import { budgetName, InvalidValueError, TAG } from "../reaper/model";

/** One budget notification: when spend crosses `thresholdPercent` of the budget, tell someone. */
export interface BudgetAlert {
  /** Percent of the monthly budget (above 0, at most 1000). */
  readonly thresholdPercent: number;
  /**
   * ACTUAL: spend so far; FORECASTED: AWS's forecast for the month.
   * @default ACTUAL
   */
  readonly type?: "ACTUAL" | "FORECASTED";
  /** `owner`: the owner topic (a heads-up); `pause`: the pause topic (the reaper pauses the environment). */
  readonly notify: "owner" | "pause";
}

export interface EnvBudgetProps {
  readonly envId: string;
  /** Monthly budget in US dollars. */
  readonly budgetUsd: number;
  /**
   * SNS topic the reaper's pause handler listens on. The topic's policy must let
   * `budgets.amazonaws.com` publish (this construct leaves the caller's topics alone).
   */
  readonly pauseTopicArn: string;
  /**
   * SNS topic for the owner's heads-up alerts (same policy requirement as the pause topic).
   * @default - no owner alerts: the default alerts to the owner are left out, and any given in `alerts` are an error
   */
  readonly ownerTopicArn?: string;
  /**
   * The notifications (AWS allows five per budget).
   * @default ACTUAL 50% and 80% to the owner; ACTUAL 100% and FORECASTED 100% to pause
   */
  readonly alerts?: readonly BudgetAlert[];
  /**
   * The account the budget is created in.
   * @default - the account of the provider's credentials (aws_caller_identity)
   */
  readonly accountId?: string;
}

export const DEFAULT_BUDGET_ALERTS: readonly BudgetAlert[] = [
  { thresholdPercent: 50, type: "ACTUAL", notify: "owner" },
  { thresholdPercent: 80, type: "ACTUAL", notify: "owner" },
  { thresholdPercent: 100, type: "ACTUAL", notify: "pause" },
  { thresholdPercent: 100, type: "FORECASTED", notify: "pause" },
];

const MAX_NOTIFICATIONS = 5;

/**
 * A monthly cost budget `ephemera-<envId>` over the spend tagged `ephemera:env=<envId>`,
 * with alerts to the owner and, at the limit, to the topic that pauses the environment.
 *
 * The filter only sees spend once `ephemera:env` is an active cost allocation tag in
 * the account (see CostAllocationTagActivation), and AWS billing data lags by hours.
 */
export class EnvBudget extends Construct {
  readonly budgetName: string;
  /** Escape hatch for settings this construct does not expose. */
  readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: EnvBudgetProps) {
    super(scope, id);
    const envId = envIdProp(props.envId);
    if (isLiteral(props.budgetUsd) && (!Number.isFinite(props.budgetUsd) || props.budgetUsd <= 0)) {
      throw new InvalidValueError("budgetUsd", String(props.budgetUsd), "is not a positive number of US dollars", "use a budget such as 25");
    }
    requiredStringProp("pauseTopicArn", props.pauseTopicArn, "arn:aws:sns:us-east-1:123456789012:ephemera-pause");
    if (props.ownerTopicArn !== undefined) requiredStringProp("ownerTopicArn", props.ownerTopicArn, "arn:aws:sns:us-east-1:123456789012:team-web");
    const alerts = checkAlerts(props);

    const accountId = props.accountId ?? new DataAwsCallerIdentity(this, "caller").accountId;
    this.budget = new BudgetsBudget(this, "budget", {
      name: budgetName(envId),
      accountId,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: Token.isUnresolved(props.budgetUsd) ? Token.asString(props.budgetUsd) : String(props.budgetUsd),
      limitUnit: "USD",
      // Cost Explorer's form of a user tag filter: "user:<key>$<value>".
      costFilter: [{ name: "TagKeyValue", values: [`user:${TAG.env}$${envId}`] }],
      notification: alerts.map((alert) => ({
        comparisonOperator: "GREATER_THAN",
        notificationType: alert.type ?? "ACTUAL",
        threshold: alert.thresholdPercent,
        thresholdType: "PERCENTAGE",
        subscriberSnsTopicArns: [alert.notify === "pause" ? props.pauseTopicArn : props.ownerTopicArn!],
      })),
    });
    this.budgetName = this.budget.name;
  }
}

function checkAlerts(props: EnvBudgetProps): readonly BudgetAlert[] {
  const given = props.alerts !== undefined;
  const alerts = (props.alerts ?? DEFAULT_BUDGET_ALERTS).filter((a) => given || a.notify === "pause" || props.ownerTopicArn !== undefined);
  const seen = new Set<string>();
  alerts.forEach((alert, i) => {
    const field = `alerts[${i}]`;
    const t = alert.thresholdPercent;
    if (!Number.isFinite(t) || t <= 0 || t > 1000) {
      throw new InvalidValueError(`${field}.thresholdPercent`, String(t), "is not a percentage above 0 and at most 1000", "use a value such as 80");
    }
    if (alert.type !== undefined && alert.type !== "ACTUAL" && alert.type !== "FORECASTED") {
      throw new InvalidValueError(`${field}.type`, String(alert.type), "is not a notification type", 'use "ACTUAL" or "FORECASTED", such as "ACTUAL"');
    }
    if (alert.notify !== "owner" && alert.notify !== "pause") {
      throw new InvalidValueError(`${field}.notify`, String(alert.notify), "is not a recipient", 'use "owner" or "pause", such as "owner"');
    }
    if (alert.notify === "owner" && props.ownerTopicArn === undefined) {
      throw new InvalidValueError(`${field}.notify`, "owner", "needs ownerTopicArn, which is not set", 'set ownerTopicArn, or notify "pause"');
    }
    const key = `${alert.type ?? "ACTUAL"} ${t}`;
    if (seen.has(key)) {
      throw new InvalidValueError(`${field}.thresholdPercent`, String(t), `repeats another ${alert.type ?? "ACTUAL"} alert at the same threshold (AWS refuses duplicates)`, "use a different threshold, such as 90");
    }
    seen.add(key);
  });
  if (alerts.length > MAX_NOTIFICATIONS) {
    throw new InvalidValueError("alerts", `${alerts.length} alerts`, `are more than the ${MAX_NOTIFICATIONS} notifications AWS allows per budget`, "use at most 5, such as the default four");
  }
  return alerts;
}
