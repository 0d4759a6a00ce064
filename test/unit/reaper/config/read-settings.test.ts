import { readSettings, SettingsError } from "../../../../reaper/config/read-settings";

const BASE = { EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit", AWS_REGION: "us-east-1" };

function settingsError(env: Record<string, string>, overrides = {}): string {
  try {
    readSettings(env, overrides);
  } catch (err) {
    if (err instanceof SettingsError) return err.message;
    throw err;
  }
  throw new Error("expected a settings error");
}

describe("reading EPHEMERA_* settings", () => {
  test("with only the audit bucket and a region, every other setting takes its documented default", () => {
    const s = readSettings(BASE);
    expect(s).toMatchObject({
      dryRun: false,
      clusters: [],
      expiryScheduleGroup: "default",
      iamPath: "/ephemera/",
      aws: { region: "us-east-1" },
      reaper: { auditBucket: "acme-ephemera-audit", allowedAccounts: [], warningWindowMs: 3_600_000, maxEnvironmentsPerRun: 10, maxTtlMs: 14 * 86_400_000, deadlineMarginMs: 60_000 },
    });
    expect(s.reaper.notificationTopicArn).toBeUndefined();
  });

  test("EPHEMERA_MAX_PLAN_AGE: 1h by default, the ttl grammar, at most a day, and --max-plan-age wins", () => {
    expect(readSettings(BASE).maxPlanAgeMs).toBe(3_600_000);
    expect(readSettings({ ...BASE, EPHEMERA_MAX_PLAN_AGE: "20m" }).maxPlanAgeMs).toBe(1_200_000);
    expect(readSettings({ ...BASE, EPHEMERA_MAX_PLAN_AGE: "20m" }, { maxPlanAge: "2h" }).maxPlanAgeMs).toBe(7_200_000);
    expect(settingsError({ ...BASE, EPHEMERA_MAX_PLAN_AGE: "1 hour" })).toMatch(/^EPHEMERA_MAX_PLAN_AGE "1 hour"/);
    expect(settingsError({ ...BASE, EPHEMERA_MAX_PLAN_AGE: "2d" })).toMatch(/^EPHEMERA_MAX_PLAN_AGE "2d"/);
  });

  test("every variable is read", () => {
    const s = readSettings({
      ...BASE,
      EPHEMERA_ALLOWED_ACCOUNTS: "123456789012, 210987654321",
      EPHEMERA_WARNING_WINDOW: "2h",
      EPHEMERA_MAX_ENVS_PER_RUN: "3",
      EPHEMERA_DRY_RUN: "TRUE",
      EPHEMERA_CLUSTERS: "shared,shared-eu",
      EPHEMERA_NOTIFICATION_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:owners",
      EPHEMERA_MAX_TTL: "3w",
      EPHEMERA_EXPIRY_SCHEDULE_GROUP: "ephemera",
      EPHEMERA_IAM_PATH: "/ephemera/web/",
      EPHEMERA_DEADLINE_MARGIN_SECONDS: "90",
      AWS_PROFILE: "sandbox",
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
    });
    expect(s).toMatchObject({
      dryRun: true,
      clusters: ["shared", "shared-eu"],
      expiryScheduleGroup: "ephemera",
      iamPath: "/ephemera/web/",
      aws: { region: "us-east-1", profile: "sandbox", endpoint: "http://127.0.0.1:5000" },
      reaper: {
        allowedAccounts: ["123456789012", "210987654321"],
        warningWindowMs: 2 * 3_600_000,
        maxEnvironmentsPerRun: 3,
        maxTtlMs: 21 * 86_400_000,
        deadlineMarginMs: 90_000,
        notificationTopicArn: "arn:aws:sns:us-east-1:123456789012:owners",
      },
    });
  });

  test("a missing audit bucket names the variable, an example and the flag", () => {
    expect(settingsError({ AWS_REGION: "us-east-1" })).toBe(
      "EPHEMERA_AUDIT_BUCKET is not set; set it to the audit bucket's name (e.g. EPHEMERA_AUDIT_BUCKET=acme-ephemera-audit) or pass --audit-bucket <name>",
    );
  });

  test("a missing region names AWS_REGION and the flag", () => {
    expect(settingsError({ EPHEMERA_AUDIT_BUCKET: "b-1" })).toContain("AWS_REGION is not set; set it to the environments' region");
  });

  test("a malformed account id names the variable, the entry and the expected form", () => {
    expect(settingsError({ ...BASE, EPHEMERA_ALLOWED_ACCOUNTS: "123456789012,1234" })).toBe(
      'EPHEMERA_ALLOWED_ACCOUNTS "1234" is not a 12-digit AWS account id; list account ids separated by commas, such as "123456789012,210987654321"',
    );
  });

  test("a warning window outside the duration grammar names the variable and a valid example", () => {
    expect(settingsError({ ...BASE, EPHEMERA_WARNING_WINDOW: "2 hours" })).toMatch(/^EPHEMERA_WARNING_WINDOW "2 hours" .*such as/);
  });

  test("a flag wins over its variable, and a bad flag value names the flag, not the variable", () => {
    expect(readSettings({ ...BASE, EPHEMERA_WARNING_WINDOW: "2h" }, { warningWindow: "30m" }).reaper.warningWindowMs).toBe(30 * 60_000);
    expect(settingsError({ ...BASE, EPHEMERA_WARNING_WINDOW: "2h" }, { warningWindow: "soon" })).toMatch(/^--warning-window "soon" /);
  });

  test("EPHEMERA_DRY_RUN accepts only true or false", () => {
    expect(settingsError({ ...BASE, EPHEMERA_DRY_RUN: "yes" })).toBe(
      'EPHEMERA_DRY_RUN "yes" is not true or false; set EPHEMERA_DRY_RUN=true to change nothing, or EPHEMERA_DRY_RUN=false',
    );
    expect(readSettings({ ...BASE, EPHEMERA_DRY_RUN: "true" }, { dryRun: false }).dryRun).toBe(false);
  });

  test("a blast-radius cap that is not a whole number is refused with an example", () => {
    expect(settingsError({ ...BASE, EPHEMERA_MAX_ENVS_PER_RUN: "-1" })).toContain('EPHEMERA_MAX_ENVS_PER_RUN "-1" is not a whole number; use a count such as "10"');
  });

  test("a deadline margin that is not whole seconds up to 900 is refused with an example", () => {
    expect(settingsError({ ...BASE, EPHEMERA_DEADLINE_MARGIN_SECONDS: "1m" })).toBe(
      'EPHEMERA_DEADLINE_MARGIN_SECONDS "1m" is not a whole number of seconds from 0 to 900; use seconds such as "60" (less than the function\'s timeout)',
    );
    expect(settingsError({ ...BASE, EPHEMERA_DEADLINE_MARGIN_SECONDS: "901" })).toContain("from 0 to 900");
  });

  test("a notification topic that is not an SNS ARN, and an endpoint that is not a URL, are named", () => {
    expect(settingsError({ ...BASE, EPHEMERA_NOTIFICATION_TOPIC_ARN: "owners" })).toContain('EPHEMERA_NOTIFICATION_TOPIC_ARN "owners" is not an SNS topic ARN');
    expect(settingsError({ ...BASE, AWS_ENDPOINT_URL: "localhost:5000" })).toContain('AWS_ENDPOINT_URL "localhost:5000" is not an http(s) URL');
  });

  test("the spend meter's price source: the Price List API by default, off, or an endpoint; anything else is named with the fix", () => {
    expect(readSettings(BASE).priceList).toBe("aws");
    expect(readSettings({ ...BASE, EPHEMERA_PRICE_LIST: "OFF" }).priceList).toBe("off");
    expect(readSettings({ ...BASE }, { priceList: "https://api.pricing.us-east-1.amazonaws.com" }).priceList).toEqual({ endpoint: "https://api.pricing.us-east-1.amazonaws.com" });
    expect(settingsError({ ...BASE, EPHEMERA_PRICE_LIST: "table" })).toBe(
      'EPHEMERA_PRICE_LIST "table" is not an http(s) URL; use "aws" (the default), "off" for the table shipped with the package, or an endpoint such as "https://api.pricing.us-east-1.amazonaws.com"',
    );
  });

  test("an IAM path that does not start and end with / is refused with an example", () => {
    expect(settingsError({ ...BASE, EPHEMERA_IAM_PATH: "ephemera" })).toBe('EPHEMERA_IAM_PATH "ephemera" is not an IAM path; use a path that starts and ends with "/", such as "/ephemera/"');
    expect(settingsError({ ...BASE }, { iamPath: "/ephemera" })).toMatch(/^--iam-path "\/ephemera" is not an IAM path/);
  });

  test("an empty variable counts as unset", () => {
    expect(readSettings({ ...BASE, EPHEMERA_WARNING_WINDOW: "", EPHEMERA_CLUSTERS: " " }).reaper.warningWindowMs).toBe(3_600_000);
  });

  test("the warning window is at most the max TTL as set, and 0 turns warnings off", () => {
    expect(settingsError({ ...BASE, EPHEMERA_MAX_TTL: "30m", EPHEMERA_WARNING_WINDOW: "1h" })).toBe('EPHEMERA_WARNING_WINDOW "1h" exceeds the maximum of "30m"; use at most "30m"');
    expect(readSettings({ ...BASE, EPHEMERA_MAX_TTL: "30m", EPHEMERA_WARNING_WINDOW: " 0 " }).reaper.warningWindowMs).toBe(0);
  });

  test("the region falls back to AWS_DEFAULT_REGION, which is named when it is wrong", () => {
    expect(readSettings({ EPHEMERA_AUDIT_BUCKET: "b-1", AWS_DEFAULT_REGION: " eu-west-1 " }).aws.region).toBe("eu-west-1");
    expect(readSettings({ ...BASE, AWS_DEFAULT_REGION: "eu-west-1" }).aws.region).toBe("us-east-1");
    expect(settingsError({ EPHEMERA_AUDIT_BUCKET: "b-1", AWS_REGION: " ", AWS_DEFAULT_REGION: "moon" })).toBe(
      'AWS_DEFAULT_REGION "moon" is not an AWS region; use a region code such as "us-east-1"',
    );
  });

  test("whole numbers keep to their range and their number of digits", () => {
    expect(readSettings({ ...BASE, EPHEMERA_LEASE_SECONDS: " 86400 ", EPHEMERA_MAX_CLOCK_SKEW_SECONDS: "1" }).reaper).toMatchObject({ leaseMs: 86_400_000, maxClockSkewMs: 1000 });
    expect(settingsError({ ...BASE, EPHEMERA_LEASE_SECONDS: "9" })).toContain("from 10 to 86400");
    expect(settingsError({ ...BASE, EPHEMERA_DEADLINE_MARGIN_SECONDS: "0060" })).toContain("from 0 to 900");
    expect(settingsError({ ...BASE, EPHEMERA_MAX_ENVIRONMENTS: "0" })).toBe('EPHEMERA_MAX_ENVIRONMENTS "0" is not a whole number of at least 1; use a count such as "50"');
  });

  test("with several settings wrong, the first one read is the one named", () => {
    expect(settingsError({})).toMatch(/^EPHEMERA_AUDIT_BUCKET is not set/);
    expect(settingsError({ ...BASE, EPHEMERA_LEASE_SECONDS: "5", EPHEMERA_DRY_RUN: "maybe" })).toMatch(/^EPHEMERA_LEASE_SECONDS "5"/);
  });
});
