import { readFileSync } from "node:fs";
import { parseBudgetNotification } from "../../../../reaper/handlers/budget-notification";
import { BUDGET_NOTIFICATION_FIXTURE } from "../../../../harness/paths";

const FIXTURE = readFileSync(BUDGET_NOTIFICATION_FIXTURE, "utf8");

describe("reading an AWS Budgets notification from SNS", () => {
  test("the budget name, alert type, account and amounts are read from the notification's lines", () => {
    expect(parseBudgetNotification(FIXTURE)).toEqual({
      ok: true,
      notification: {
        budgetName: "ephemera-pr-123",
        alertType: "ACTUAL",
        accountId: "123456789012",
        budgetedAmount: "$25.00",
        threshold: "> $20.00",
        amount: "$21.34",
      },
    });
  });

  test("a forecasted alert is read with its forecasted amount", () => {
    const forecast = FIXTURE.replace(/ACTUAL/g, "FORECASTED");
    expect(parseBudgetNotification(forecast)).toMatchObject({ ok: true, notification: { alertType: "FORECASTED", amount: "$21.34" } });
  });

  test("the per-day wording and CRLF line ends do not matter", () => {
    const daily = FIXTURE.replace("for the current month. The", "per day. Yesterday, the").replace(/\n/g, "\r\n");
    expect(parseBudgetNotification(daily)).toMatchObject({ ok: true, notification: { budgetName: "ephemera-pr-123" } });
  });

  test("a budget name with spaces is kept whole", () => {
    expect(parseBudgetNotification(FIXTURE.replace("Budget Name: ephemera-pr-123", "Budget Name: My Zero-Spend Budget"))).toMatchObject({
      ok: true,
      notification: { budgetName: "My Zero-Spend Budget" },
    });
  });

  test("a message that is not a Budgets notification is unparseable, with the reason", () => {
    expect(parseBudgetNotification('{"AlarmName":"cpu"}')).toEqual({ ok: false, reason: 'does not start with "AWS Budget Notification" (it starts "{\\"AlarmName\\":\\"cpu\\"}")' });
    expect(parseBudgetNotification("")).toEqual({ ok: false, reason: "is empty" });
  });

  test("a notification without its Budget Name line is unparseable", () => {
    expect(parseBudgetNotification(FIXTURE.replace(/^Budget Name:.*$/m, ""))).toEqual({ ok: false, reason: 'has no "Budget Name:" line' });
  });
});
