import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetBucketTaggingCommand, HeadBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetScheduleCommand, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { createHandler, type HandlerResult } from "../../../../reaper/handlers";
import { verifyAuditRun } from "../../../../reaper/audit/verify-audit";
import { TAG } from "../../../../reaper/model";
import { emulatorClients, seedAuditBucket, seedEnvironment, seedTopic } from "../../../../harness/seed-environments";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { BUDGET_NOTIFICATION_FIXTURE, REPO_ROOT } from "../../../../harness/paths";
import { runEphemera } from "../../../../harness/cli";

// One emulator, never reset (moto rebuilds EC2 and RDS slowly after a reset): each test
// works on environments of its own, seeded once in beforeAll.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-handlers";
const FIXTURE = readFileSync(BUDGET_NOTIFICATION_FIXTURE, "utf8");
const ROOT = REPO_ROOT;

let e: Emulator;
let earlyTags: Record<string, string>;
let settings: Record<string, string>;

/** An SNS delivery of AWS Budgets notifications, as Lambda receives it. */
function snsEvent(...messages: string[]) {
  return {
    Records: messages.map((Message, i) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause:00faa396-9322-4fde-b4fe-4a5b4f2ff521",
      Sns: {
        Type: "Notification",
        MessageId: `0afa48ef-db9f-5b07-9359-14923700000${i}`,
        TopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
        Subject: "AWS Budgets: ephemera-pr-123 has exceeded your alert threshold",
        Message,
        Timestamp: "2026-11-22T01:01:38.638Z",
        SignatureVersion: "1",
        MessageAttributes: {},
      },
    })),
  };
}

/** The fixture, about another budget. */
const budgetMessage = (budgetName: string) => FIXTURE.replaceAll("ephemera-pr-123", budgetName);

async function dbStatus(id: string): Promise<string> {
  const { rds, destroy } = emulatorClients(e);
  const status = await rds
    .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
    .then((o) => o.DBInstances?.[0]?.DBInstanceStatus ?? "?", () => "gone");
  destroy();
  return status;
}

async function bucketExists(bucket: string): Promise<boolean> {
  const { s3, destroy } = emulatorClients(e);
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
  destroy();
  return exists;
}

async function stateTag(bucket: string): Promise<string | undefined> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
  destroy();
  return out.TagSet?.find((t) => t.Key === TAG.state)?.Value;
}

async function auditKeyCount(): Promise<number> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "audit/" }));
  destroy();
  return out.KeyCount ?? 0;
}

beforeAll(async () => {
  e = emulator();
  const now = new Date();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_NOTIFICATION_TOPIC_ARN: topic };
  // In-process handler: one environment per event kind, plus bystanders that must not be touched.
  await seedEnvironment(e, "pr-late", now, { expiresInHours: -2, state: "expiring", database: false });
  earlyTags = await seedEnvironment(e, "pr-early", now, { expiresInHours: 5, database: false, expirySchedule: "own-group" });
  await seedEnvironment(e, "pr-123", now, { expiresInHours: 5 });
  await seedEnvironment(e, "pr-calm", now, { expiresInHours: 5 });
  await seedEnvironment(e, "pr-due", now, { expiresInHours: -3, state: "expiring", database: false });
  await seedEnvironment(e, "pr-soon", now, { expiresInHours: 0.5, database: false });
  await seedEnvironment(e, "pr-slow", now, { expiresInHours: -1, state: "expiring", database: false });
}, 120_000);

describe("the reaper Lambda handler, in-process", () => {
  const logs: string[] = [];
  let handler: ReturnType<typeof createHandler>;
  beforeAll(() => {
    handler = createHandler({ env: settings, runtime: { credentials: EMULATOR_CREDENTIALS }, log: (line) => logs.push(line) });
  });

  test("the one-shot expire event reaps that environment alone", async () => {
    const result = await handler({ ephemera: "expire", env: "pr-late" }, { awsRequestId: "req-1" });
    expect(result).toMatchObject({ trigger: "expire", ok: true, env: "pr-late", run: { environments: [{ env: "pr-late", intent: "reap", status: "done" }] } });
    expect(await bucketExists("pr-late-artifacts")).toBe(false);
    expect(await bucketExists("pr-due-artifacts")).toBe(true);
  });

  test("an invocation whose time runs out mid-plan starts no action inside the margin, defers the rest and closes its run; the next finishes", async () => {
    // Lambda's context: two minutes left for the first two checks, then 30 s (under the 60 s margin).
    let checks = 0;
    const runningOut = { awsRequestId: "req-slow", getRemainingTimeInMillis: () => (++checks <= 2 ? 120_000 : 30_000) };
    const first = await handler({ ephemera: "expire", env: "pr-slow" }, runningOut);
    expect(first).toMatchObject({ ok: true, run: { environments: [{ env: "pr-slow", intent: "reap", status: "deferred" }] } });
    expect(first.run!.actions).toMatchObject({ done: 2, deferred: expect.any(Number) });
    expect(await bucketExists("pr-slow-artifacts")).toBe(true);
    const { s3, destroy } = emulatorClients(e);
    const verified = await verifyAuditRun(s3, AUDIT_BUCKET, first.run!.runId);
    expect(verified).toMatchObject({ ok: true, status: "complete", records: 1 + 2 * 2 + 1 });
    expect(JSON.parse(logs[logs.length - 1]!)).toMatchObject({ requestId: "req-slow", actions: { done: 2, deferred: first.run!.actions.deferred } });

    const second = await handler({ ephemera: "expire", env: "pr-slow" }, { getRemainingTimeInMillis: () => 250_000 });
    expect(second).toMatchObject({ ok: true, run: { environments: [{ env: "pr-slow", intent: "reap", status: "done" }] } });
    expect(await bucketExists("pr-slow-artifacts")).toBe(false);
    expect(await verifyAuditRun(s3, AUDIT_BUCKET, second.run!.runId)).toMatchObject({ ok: true, status: "complete", previous: { runId: first.run!.runId } });
    destroy();
  });

  test("an expire event that comes before the expiry reaps nothing and moves its schedule to the real expiry", async () => {
    // Deploy sets the schedule from one resource's created-at; the reaper's expiry is the latest over all of them.
    const { scheduler, destroy } = emulatorClients(e);
    const schedule = { Name: "ephemera-expiry-pr-early", GroupName: "ephemera-pr-early" };
    const seeded = await scheduler.send(new GetScheduleCommand(schedule));
    const early = `at(${new Date(Date.now() - 5_000).toISOString().slice(0, 19)})`;
    await scheduler.send(new UpdateScheduleCommand({ ...schedule, ScheduleExpression: early, ScheduleExpressionTimezone: "UTC", FlexibleTimeWindow: { Mode: "OFF" }, Target: seeded.Target }));

    const result = await handler({ ephemera: "expire", env: "pr-early" });
    expect(result).toMatchObject({ trigger: "expire", ok: true, run: { environments: [] } });
    expect(await bucketExists("pr-early-artifacts")).toBe(true);
    // Every resource was seeded with the same created-at and an 8h ttl.
    const real = `at(${new Date(Date.parse(earlyTags[TAG.createdAt]!) + 8 * 3_600_000).toISOString().slice(0, 19)})`;
    expect(result.rescheduled).toEqual({ status: "moved", group: "ephemera-pr-early", name: "ephemera-expiry-pr-early", from: early, to: real, requestId: expect.any(String) });
    expect(await scheduler.send(new GetScheduleCommand(schedule))).toMatchObject({ ScheduleExpression: real, ScheduleExpressionTimezone: "UTC", Target: seeded.Target });
    expect(JSON.parse(logs[logs.length - 1]!)).toMatchObject({ trigger: "expire", env: "pr-early", rescheduled: real });

    // Fired again (a retry): the schedule is where it should be already.
    expect((await handler({ ephemera: "expire", env: "pr-early" })).rescheduled).toMatchObject({ status: "unchanged", to: real });
    destroy();
  });

  test("a budget alert over SNS pauses the environment its budget names, within the same invocation", async () => {
    const result = await handler(snsEvent(FIXTURE));
    expect(result).toMatchObject({
      trigger: "budget-alert",
      ok: true,
      budgetAlerts: [{ record: 0, status: "paused", budgetName: "ephemera-pr-123", env: "pr-123", alertType: "ACTUAL", amount: "$21.34" }],
      run: { environments: [{ env: "pr-123", intent: "pause", status: "done" }] },
    });
    expect(await dbStatus("pr-123-db")).toMatch(/^(stopped|stopping)$/);
    expect(await stateTag("pr-123-artifacts")).toBe("paused");
    expect(await dbStatus("pr-calm-db")).toBe("available");
  });

  test("the platform budget's alert pauses provisioning, not an environment, and a second alert changes nothing", async () => {
    const result = await handler(snsEvent(budgetMessage("ephemera-platform")));
    expect(result).toMatchObject({ trigger: "budget-alert", ok: true, budgetAlerts: [{ status: "provisioning-paused", budgetName: "ephemera-platform" }] });
    expect(result.run).toBeUndefined();
    const status = await runEphemera(["provisioning", "status", "--json"], settings);
    expect(status.json()).toMatchObject({ paused: true, change: { source: "budget-alert", by: "reaper", reason: "the platform budget ephemera-platform alerted (actual $21.34, threshold > $20.00, budget $25.00)" } });
    expect((await handler(snsEvent(budgetMessage("ephemera-platform")))).budgetAlerts).toEqual([expect.objectContaining({ status: "not-paused", reason: "provisioning was paused already" })]);
    expect(await dbStatus("pr-calm-db")).toBe("available");
    expect((await runEphemera(["provisioning", "resume", "--json"], settings)).json()).toMatchObject({ status: "resumed" });
  });

  test("an unparseable SNS message is reported and changes nothing", async () => {
    const before = await auditKeyCount();
    const result = await handler(snsEvent('{"AlarmName":"ephemera-pr-calm over budget"}'));
    expect(result).toEqual({
      trigger: "budget-alert",
      ok: false,
      budgetAlerts: [
        {
          record: 0,
          messageId: "0afa48ef-db9f-5b07-9359-149237000000",
          status: "unparseable",
          reason: 'the message does not start with "AWS Budget Notification" (it starts "{\\"AlarmName\\":\\"ephemera-pr-calm over budget\\"}")',
        },
      ],
      error: "1 of 1 SNS messages could not be read as budget notifications; nothing was done",
    });
    expect(await auditKeyCount()).toBe(before);
    expect(await dbStatus("pr-calm-db")).toBe("available");
  });

  test("a budget whose name does not start with ephemera- is ignored and reported", async () => {
    const result = await handler(snsEvent(budgetMessage("team-web-monthly")));
    expect(result).toMatchObject({
      trigger: "budget-alert",
      ok: true,
      budgetAlerts: [{ status: "ignored", budgetName: "team-web-monthly", reason: 'budget "team-web-monthly" is not an Ephemera budget (ephemera-<env>)' }],
    });
    expect(result.run).toBeUndefined();
  });

  test("a budget alert for another account is ignored, whatever the budget is called", async () => {
    const result = await handler(snsEvent(budgetMessage("ephemera-pr-calm").replace("AWS Account 123456789012", "AWS Account 210987654321")));
    expect(result.budgetAlerts).toEqual([expect.objectContaining({ status: "ignored", reason: expect.stringContaining("for account 210987654321, not this one") })]);
    expect(await dbStatus("pr-calm-db")).toBe("available");
  });

  test("the scheduled sweep reaps what is due and warns what is about to expire", async () => {
    const result = await handler({ ephemera: "sweep" });
    expect(result.ok).toBe(true);
    expect(result.run?.environments).toEqual(
      expect.arrayContaining([
        { env: "pr-due", intent: "reap", status: "done" },
        { env: "pr-soon", intent: "warn", status: "done" },
      ]),
    );
    expect(await bucketExists("pr-due-artifacts")).toBe(false);
    expect(await stateTag("pr-soon-artifacts")).toBe("expiring");
    expect(await bucketExists("pr-calm-artifacts")).toBe(true);
  });

  test("each invocation logs one JSON line with its counts", () => {
    const line = JSON.parse(logs.find((l) => l.includes('"trigger":"sweep"'))!);
    expect(line).toMatchObject({
      level: "info",
      msg: "ephemera reaper run",
      trigger: "sweep",
      ok: true,
      runId: expect.any(String),
      dryRun: false,
      intents: expect.objectContaining({ reap: expect.any(Number), warn: expect.any(Number) }),
      actions: expect.objectContaining({ done: expect.any(Number) }),
      spend: { environments: expect.any(Number), estimatedUsd: expect.any(Number), burnUsdPerHour: expect.any(Number), unknown: 0, readingKept: true },
      durationMs: expect.any(Number),
    });
    // The seeded databases bill by the hour: the totals are the meter's, not zeros.
    expect(line.spend.environments).toBeGreaterThan(0);
    expect(line.spend.burnUsdPerHour).toBeGreaterThan(0);
    expect(JSON.parse(logs[0]!)).toMatchObject({ requestId: "req-1", trigger: "expire", env: "pr-late" });
    expect(logs.every((l) => !l.includes("\n"))).toBe(true);
  });

  test("an event of no known shape is reported and nothing is done", async () => {
    const result = await handler({ detail: "Scheduled Event" });
    expect(result).toMatchObject({ trigger: "unrecognised", ok: false, error: expect.stringContaining('expected {"ephemera":"sweep"}') });
  });

  test("an expire event with an invalid environment id is refused, naming it", async () => {
    expect(await handler({ ephemera: "expire", env: "PR 1" })).toMatchObject({ ok: false, error: expect.stringMatching(/^env "PR 1" has uppercase letters/) });
  });

  test("a missing EPHEMERA_AUDIT_BUCKET is reported by the invocation, naming the variable", async () => {
    const broken = createHandler({ env: { AWS_REGION: "us-east-1" }, log: () => undefined });
    expect(await broken({ ephemera: "sweep" })).toMatchObject({ ok: false, error: expect.stringContaining("EPHEMERA_AUDIT_BUCKET is not set") });
  });
});

describe("the reaper Lambda bundle (dist/reaper-lambda/index.js, built by scripts/bundle-reaper.mjs)", () => {
  let outdir: string;
  let handler: (event: unknown, context?: unknown) => Promise<HandlerResult>;
  let log: jest.SpyInstance;
  const saved = { ...process.env };

  beforeAll(async () => {
    // Seeded only now: the in-process scheduled sweep above would have reaped them.
    const now = new Date();
    await seedEnvironment(e, "pr-b-late", now, { expiresInHours: -2, state: "expiring", database: false });
    await seedEnvironment(e, "pr-b-spend", now, { expiresInHours: 5 });
    await seedEnvironment(e, "pr-b-due", now, { expiresInHours: -3, state: "expiring", database: false });
    outdir = mkdtempSync(path.join(tmpdir(), "ephemera-bundle-"));
    // The very function `npm run bundle:reaper` runs, in a child process (jest cannot import an ES module script).
    execFileSync(
      process.execPath,
      ["--input-type=module", "-e", `import { bundleReaper } from ${JSON.stringify(path.join(ROOT, "scripts/bundle-reaper.mjs"))}; await bundleReaper({ outdir: ${JSON.stringify(outdir)} });`],
      { cwd: ROOT, stdio: "pipe" },
    );
    // The bundled handler reads its settings and credentials from the environment, as in Lambda, and logs to stdout.
    Object.assign(process.env, settings);
    log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(path.join(outdir, "index.js")) as { handler: typeof handler }).handler;
  }, 60_000);

  afterAll(() => {
    log.mockRestore();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    rmSync(outdir, { recursive: true, force: true });
  });

  test("the bundle is one CommonJS file exporting handler, with its source map beside it", () => {
    expect(typeof handler).toBe("function");
    expect(statSync(path.join(outdir, "index.js.map")).size).toBeGreaterThan(0);
  });

  test("from the bundle, the expire event reaps that environment alone", async () => {
    const result = await handler({ ephemera: "expire", env: "pr-b-late" });
    expect(result).toMatchObject({ ok: true, run: { environments: [{ env: "pr-b-late", intent: "reap", status: "done" }] } });
    expect(await bucketExists("pr-b-late-artifacts")).toBe(false);
    expect(await bucketExists("pr-b-due-artifacts")).toBe(true);
  });

  test("from the bundle, a budget alert pauses the environment it names", async () => {
    const result = await handler(snsEvent(budgetMessage("ephemera-pr-b-spend")));
    expect(result).toMatchObject({ ok: true, budgetAlerts: [{ status: "paused", env: "pr-b-spend" }] });
    expect(await dbStatus("pr-b-spend-db")).toMatch(/^(stopped|stopping)$/);
  });

  test("from the bundle, an unparseable budget message changes nothing", async () => {
    const before = await auditKeyCount();
    const result = await handler(snsEvent("Budget Name: ephemera-pr-b-due"));
    expect(result).toMatchObject({ ok: false, budgetAlerts: [{ status: "unparseable" }] });
    expect(await auditKeyCount()).toBe(before);
  });

  test("from the bundle, the scheduled sweep reaps what is due", async () => {
    const result = await handler({ ephemera: "sweep" });
    expect(result.ok).toBe(true);
    expect(result.run?.environments).toEqual(expect.arrayContaining([{ env: "pr-b-due", intent: "reap", status: "done" }]));
    expect(await bucketExists("pr-b-due-artifacts")).toBe(false);
  });

  test("the bundle logs one JSON line per invocation to stdout", () => {
    const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)) as { trigger: string; ok: boolean });
    expect(lines.map((l) => [l.trigger, l.ok])).toEqual([
      ["expire", true],
      ["budget-alert", true],
      ["budget-alert", false],
      ["sweep", true],
    ]);
  });
});
