import { DEFAULT_REAPER_CONFIG, reaperConfig } from "../../../../reaper/config/reaper-config";

describe("reaperConfig", () => {
  test("fills in safe defaults, including no allowed accounts", () => {
    expect(reaperConfig({ auditBucket: "audit" })).toEqual({ ...DEFAULT_REAPER_CONFIG, auditBucket: "audit" });
    expect(DEFAULT_REAPER_CONFIG).toMatchObject({
      allowedAccounts: [],
      auditRetentionDays: 365,
      auditLockMode: "GOVERNANCE",
      warningWindowMs: 3_600_000,
      maxEnvironmentsPerRun: 10,
      concurrency: 4,
    });
  });

  test("explicit undefined keeps the default", () => {
    expect(reaperConfig({ auditBucket: "audit", concurrency: undefined }).concurrency).toBe(4);
  });

  test("rejects values that would make the reaper unsafe, naming each", () => {
    expect(() =>
      reaperConfig({ auditBucket: " ", allowedAccounts: ["12345"], concurrency: 0, notificationTopicArn: "team@example.com" }),
    ).toThrow(/auditBucket is empty.*"12345" is not a 12-digit account id.*concurrency must be a whole number of at least 1.*not an SNS topic ARN/);
  });
});
