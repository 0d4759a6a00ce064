import { TerraformVariable } from "../../../constructs/core";
import { EnvBudget, EnvBudgetProps } from "../../../constructs/env-budget";
import { all, expectInvalid, one, synth } from "./synth";

const OWNER = "arn:aws:sns:us-east-1:123456789012:team-web";
const PAUSE = "arn:aws:sns:us-east-1:123456789012:ephemera-pause";
const PROPS: EnvBudgetProps = { envId: "pr-7", budgetUsd: 25, ownerTopicArn: OWNER, pauseTopicArn: PAUSE };

function budget(props: Partial<EnvBudgetProps> = {}) {
  return synth((s) => new EnvBudget(s, "budget", { ...PROPS, ...props }));
}

/** "ACTUAL 50% -> topic" lines, for readable routing assertions. */
function routes(props: Partial<EnvBudgetProps> = {}): string[] {
  const notifications = one(budget(props), "aws_budgets_budget").notification as { notification_type: string; threshold: number; threshold_type: string; comparison_operator: string; subscriber_sns_topic_arns: string[] }[];
  for (const n of notifications) expect(n).toMatchObject({ comparison_operator: "GREATER_THAN", threshold_type: "PERCENTAGE" });
  return notifications.map((n) => `${n.notification_type} ${n.threshold}% -> ${n.subscriber_sns_topic_arns.join(",")}`);
}

describe("EnvBudget", () => {
  it("creates a monthly cost budget named ephemera-<env> with the limit in US dollars", () => {
    expect(one(budget(), "aws_budgets_budget")).toMatchObject({ name: "ephemera-pr-7", budget_type: "COST", time_unit: "MONTHLY", limit_amount: "25", limit_unit: "USD" });
  });

  it("takes a budget known only at apply time, such as a pipeline's Terraform variable", () => {
    const out = synth((s) => {
      const budgetUsd = new TerraformVariable(s, "budget_usd", { type: "number" }).numberValue;
      new EnvBudget(s, "budget", { ...PROPS, budgetUsd });
    });
    expect(one(out, "aws_budgets_budget").limit_amount).toBe("${var.budget_usd}");
  });

  it("counts only the spend tagged ephemera:env=<env>", () => {
    expect(one(budget(), "aws_budgets_budget").cost_filter).toEqual([{ name: "TagKeyValue", values: ["user:ephemera:env$pr-7"] }]);
  });

  it("alerts the owner at 50% and 80% of actual spend and the pause topic at 100% actual or forecast", () => {
    expect(routes()).toEqual([`ACTUAL 50% -> ${OWNER}`, `ACTUAL 80% -> ${OWNER}`, `ACTUAL 100% -> ${PAUSE}`, `FORECASTED 100% -> ${PAUSE}`]);
  });

  it("leaves out the owner alerts when there is no owner topic", () => {
    expect(routes({ ownerTopicArn: undefined })).toEqual([`ACTUAL 100% -> ${PAUSE}`, `FORECASTED 100% -> ${PAUSE}`]);
  });

  it("takes its own alerts, ACTUAL unless told otherwise", () => {
    const alerts = [
      { thresholdPercent: 90, notify: "owner" as const },
      { thresholdPercent: 120, type: "FORECASTED" as const, notify: "pause" as const },
    ];
    expect(routes({ alerts })).toEqual([`ACTUAL 90% -> ${OWNER}`, `FORECASTED 120% -> ${PAUSE}`]);
  });

  it("creates the budget in the provider's account by default", () => {
    const out = budget();
    expect(all(out, "aws_caller_identity", "data")).toHaveLength(1);
    expect(one(out, "aws_budgets_budget").account_id).toMatch(/^\$\{data\.aws_caller_identity\.\w+\.account_id\}$/);
  });

  it("creates the budget in the given account without looking it up", () => {
    const out = budget({ accountId: "123456789012" });
    expect(all(out, "aws_caller_identity", "data")).toEqual([]);
    expect(one(out, "aws_budgets_budget").account_id).toBe("123456789012");
  });

  it("exposes the budget's name", () => {
    let b: EnvBudget | undefined;
    synth((s) => {
      b = new EnvBudget(s, "budget", PROPS);
    });
    expect(b!.budgetName).toMatch(/^\$\{TfToken\[/);
  });

  it.each<[string, Partial<EnvBudgetProps>, string, RegExp]>([
    ["a zero budget", { budgetUsd: 0 }, "budgetUsd", /not a positive number/],
    ["a budget that is not a number", { budgetUsd: Number.NaN }, "budgetUsd", /not a positive number/],
    ["no pause topic", { pauseTopicArn: "" }, "pauseTopicArn", /is empty/],
    ["an owner alert without an owner topic", { ownerTopicArn: undefined, alerts: [{ thresholdPercent: 50, notify: "owner" }] }, "alerts[0].notify", /needs ownerTopicArn/],
    ["a threshold of 0%", { alerts: [{ thresholdPercent: 0, notify: "pause" }] }, "alerts[0].thresholdPercent", /above 0/],
    ["an unknown notification type", { alerts: [{ thresholdPercent: 50, type: "PAST" as never, notify: "pause" }] }, "alerts[0].type", /not a notification type/],
    ["an unknown recipient", { alerts: [{ thresholdPercent: 50, notify: "cfo" as never }] }, "alerts[0].notify", /not a recipient/],
    ["two alerts of one type at one threshold", { alerts: [{ thresholdPercent: 80, notify: "owner" }, { thresholdPercent: 80, notify: "pause" }] }, "alerts[1].thresholdPercent", /AWS refuses duplicates/],
    ["more than five alerts", { alerts: [10, 20, 30, 40, 50, 60].map((t) => ({ thresholdPercent: t, notify: "owner" as const })) }, "alerts", /more than the 5 notifications/],
    ["a bad environment id", { envId: "pr 7" }, "envId", /contains " "/],
  ])("rejects %s, naming the prop and the fix", (_name, bad, field, problem) => {
    expectInvalid(() => budget(bad), field, problem);
  });
});
