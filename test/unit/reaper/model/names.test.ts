import { budgetName, envOfBudgetName, PLATFORM_BUDGET_NAME, tryParsePoolName } from "../../../../reaper/model";

describe("pool names", () => {
  test("an environment id's characters, at most 20 long, for the construct and the reaper alike", () => {
    expect(tryParsePoolName("default")).toEqual({ ok: true, value: "default" });
    const long = tryParsePoolName("a-very-long-pool-name", { field: "name" });
    expect(long.ok).toBe(false);
    expect(!long.ok && long.error.message).toBe('name "a-very-long-pool-name" is longer than 20 characters; use a short name, such as "default"');
    expect(tryParsePoolName("Default").ok).toBe(false);
  });
});

describe("budget names", () => {
  test("the platform budget shares the ephemera- prefix but is no environment's, and no environment may take its name", () => {
    expect(envOfBudgetName("ephemera-pr-1")).toBe("pr-1");
    expect(envOfBudgetName(PLATFORM_BUDGET_NAME)).toBeUndefined();
    expect(envOfBudgetName("team-web-monthly")).toBeUndefined();
    expect(budgetName("pr-1")).toBe("ephemera-pr-1");
    expect(() => budgetName("platform")).toThrow('envId "platform" is reserved: its budget would be named like the platform budget; use another id, such as "platform-1"');
  });
});
