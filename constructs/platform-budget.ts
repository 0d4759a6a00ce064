import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Construct } from "constructs";
import { isLiteral, requiredStringProp } from "./private/props";
import { InvalidValueError, MANAGED_BY_VALUE, PLATFORM_BUDGET_NAME, TAG } from "../reaper/model";

export interface PlatformBudgetProps {
  /** The monthly limit for everything Ephemera manages, in US dollars. */
  readonly limitUsd: number;
  /**
   * Percent of `limitUsd` at which provisioning pauses: the budget's ACTUAL alert goes to
   * the pause topic, and the spend meter's total pauses at the same amount.
   * @default 90
   */
  readonly thresholdPercent?: number;
  /** The topic the reaper's budget handler listens on (the topic's policy must let `budgets.amazonaws.com` publish). */
  readonly pauseTopicArn: string;
  /**
   * The account the budget is created in.
   * @default - the account of the provider's credentials (aws_caller_identity)
   */
  readonly accountId?: string;
}

export const DEFAULT_PLATFORM_THRESHOLD_PERCENT = 90;

/**
 * A monthly cost budget `ephemera-platform` over everything tagged
 * `ephemera:managed-by=ephemera`. Its alert pauses provisioning: `ephemera admit` refuses
 * new environments until an operator resumes or the month turns. Running environments keep
 * their own budgets and TTLs. Like every tag filter, it sees spend only once the tag is an
 * active cost allocation tag, and AWS billing lags by hours; the reaper's spend meter, given
 * `pauseAtUsd`, pauses within a sweep.
 */
export class PlatformBudget extends Construct {
  readonly budgetName: string;
  /** Where provisioning pauses, in USD: `limitUsd` × `thresholdPercent` / 100 (the Reaper's `platformBudgetUsd`). */
  readonly pauseAtUsd: number;
  /** Escape hatch for settings this construct does not expose. */
  readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: PlatformBudgetProps) {
    super(scope, id);
    if (!isLiteral(props.limitUsd) || !Number.isFinite(props.limitUsd) || props.limitUsd <= 0) {
      throw new InvalidValueError("limitUsd", String(props.limitUsd), "is not a positive number of US dollars", "use a monthly limit such as 2000");
    }
    const threshold = props.thresholdPercent ?? DEFAULT_PLATFORM_THRESHOLD_PERCENT;
    if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 100) {
      throw new InvalidValueError("thresholdPercent", String(threshold), "is not a percentage above 0 and at most 100", "use a value such as 90");
    }
    requiredStringProp("pauseTopicArn", props.pauseTopicArn, "arn:aws:sns:us-east-1:123456789012:ephemera-pause");
    this.pauseAtUsd = Math.round(props.limitUsd * threshold) / 100;

    const accountId = props.accountId ?? new DataAwsCallerIdentity(this, "caller").accountId;
    this.budget = new BudgetsBudget(this, "budget", {
      name: PLATFORM_BUDGET_NAME,
      accountId,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      // A literal (checked above): the reaper is handed the pause point as a number.
      limitAmount: String(props.limitUsd),
      limitUnit: "USD",
      // Cost Explorer's form of a user tag filter: "user:<key>$<value>".
      costFilter: [{ name: "TagKeyValue", values: [`user:${TAG.managedBy}$${MANAGED_BY_VALUE}`] }],
      notification: [
        {
          comparisonOperator: "GREATER_THAN",
          notificationType: "ACTUAL",
          threshold,
          thresholdType: "PERCENTAGE",
          subscriberSnsTopicArns: [props.pauseTopicArn],
        },
      ],
    });
    this.budgetName = this.budget.name;
  }
}
