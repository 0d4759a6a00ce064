import { DescribeNodegroupCommand } from "@aws-sdk/client-eks";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetScheduleCommand } from "@aws-sdk/client-scheduler";
import { type CliRun, runEphemera } from "../../../../harness/cli";
import { TAG } from "../../../../reaper/model";
import { bucketExists as bucketIn, bucketTags as tagsOf, CLUSTER, emulatorClients, REAPER_FUNCTION_ARN, seedAuditBucket, seedCluster, seedEnvironment, seedTopic } from "../../../../harness/seed-environments";
import { type Emulator, useEmulator } from "../../../../harness/emulator";

// One seeded account walked through in order (ls → extend → pause → resume → reap → audit verify):
// each test reads what the commands before it left.
const emulator = useEmulator({ resetBetweenTests: false });
const HOUR = 3_600_000;
const AUDIT_BUCKET = "ephemera-audit-cli";

let e: Emulator;
let seededAt: Date;
let settings: Record<string, string>;
const runIds: string[] = [];

function ephemera(argv: string[], options: { env?: Record<string, string>; isTTY?: boolean } = {}): Promise<CliRun> {
  return runEphemera(argv, options.env ?? settings, options.isTTY === undefined ? {} : { isTTY: options.isTTY });
}

/** ISO-8601 at whole seconds, as the seeded tags write it. */
const at = (offsetMs: number) => `${new Date(seededAt.getTime() + offsetMs).toISOString().slice(0, 19)}Z`;

async function auditKeys(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "audit/" }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!);
}

const bucketExists = (bucket: string) => bucketIn(e, bucket);
const bucketTags = (bucket: string) => tagsOf(e, bucket);

async function database(id: string) {
  const { rds, destroy } = emulatorClients(e);
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  destroy();
  const db = out.DBInstances![0]!;
  return { status: db.DBInstanceStatus, tags: Object.fromEntries((db.TagList ?? []).map((t) => [t.Key!, t.Value!])) };
}

async function nodegroup(name: string) {
  const { eks, destroy } = emulatorClients(e);
  const out = await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: name }));
  destroy();
  return out.nodegroup!;
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  const subnets = await seedCluster(e);
  seededAt = new Date();
  await seedEnvironment(e, "pr-live", seededAt, { expiresInHours: 5, budget: [25, 3.5], nodegroup: subnets, expirySchedule: "own-group" });
  await seedEnvironment(e, "pr-sched", seededAt, { expiresInHours: 5, database: false, expirySchedule: "default" });
  await seedEnvironment(e, "pr-old", seededAt, { expiresInHours: -2, state: "expiring", database: false });
  await seedEnvironment(e, "pr-fresh", seededAt, { expiresInHours: 0.5, database: false });
  await seedEnvironment(e, "pr-guard", seededAt, { expiresInHours: -2, state: "expiring", protect: true, database: false });
  settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: topic,
  };
}, 120_000);

describe("ephemera ls", () => {
  test("--json lists every environment with state, owner, expiry, time left, budget, spend and resources per kind", async () => {
    const run = await ephemera(["ls", "--json"]);
    expect(run.code).toBe(0);
    const listing = run.json<{ version: number; environments: Record<string, unknown>[]; notes: unknown[] }>();
    expect(listing.version).toBe(1);
    expect(listing.environments.map((env) => env.env)).toEqual(["pr-fresh", "pr-guard", "pr-live", "pr-old", "pr-sched"]);
    expect(listing.environments.find((env) => env.env === "pr-live")).toEqual({
      env: "pr-live",
      state: "active",
      owner: "team@example.com",
      expiresAt: at(5 * HOUR),
      expiryBasis: "created-at+ttl",
      expiryProblem: null,
      secondsLeft: expect.any(Number),
      onExpiry: "delete",
      protected: false,
      budgetUsd: 25,
      spendUsd: 3.5,
      forecastUsd: null,
      // Its database (db.t3.micro, 20 GB gp2) has run for seconds: Budgets' $3.50 is the larger figure.
      estimatedSpendUsd: expect.any(Number),
      burnUsdPerHour: 0.021151,
      budgetExhaustedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      spendBasis: "budgets",
      resources: { budget: 1, "eks-nodegroup": 1, "rds-instance": 1, "s3-bucket": 1, "scheduler-group": 1, "scheduler-schedule": 1 },
      resourceCount: 6,
    });
    const live = listing.environments.find((env) => env.env === "pr-live")!;
    expect(live.secondsLeft).toBeGreaterThan(5 * 3600 - 120);
    expect(listing.environments.find((env) => env.env === "pr-old")).toMatchObject({ state: "expiring", secondsLeft: expect.any(Number) });
    expect((listing.environments.find((env) => env.env === "pr-old")!.secondsLeft as number) < 0).toBe(true);
  });

  test("the table shows one row per environment with its time left and spend, and nothing on stderr off a terminal", async () => {
    const run = await ephemera(["ls"]);
    expect(run.code).toBe(0);
    expect(run.err).toBe("");
    const lines = run.out.split("\n");
    expect(lines[0]).toMatch(/^ENV\s+STATE\s+OWNER\s+EXPIRES \(UTC\)\s+LEFT\s+BUDGET\s+BUDGETS SAY\s+ESTIMATE\s+BURN\/H\s+RESOURCES$/);
    expect(lines.find((l) => l.startsWith("pr-live"))).toMatch(/^pr-live\s+active\s+team@example\.com\s+\S+Z\s+4h5\dm\s+\$25\.00\s+\$3\.50\s+\$0\.0\d*\s+\$0\.0212\s+budget 1, eks-nodegroup 1/);
    expect(lines.find((l) => l.startsWith("pr-guard"))).toContain("never (protected)");
    expect(lines.find((l) => l.startsWith("pr-old"))).toMatch(/expired 2h\d*m? ago|expired 1h59m ago/);
  });

  test("when every listing fails, it says nothing could be listed (not that there are none) and exits 1", async () => {
    // A port nothing listens on: every AWS call is refused.
    const run = await ephemera(["ls", "--max-envs-per-run", "1"], { env: { ...settings, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });
    expect(run.code).toBe(1);
    expect(run.out).toBe("No environment could be listed: listings failed (see below), so whether any exist is unknown.");
    expect(run.out).not.toContain("No environments found");
    expect(run.err).toContain("listing(s) failed, so the list may be incomplete");
    const json = await ephemera(["ls", "--json"], { env: { ...settings, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });
    expect(json.json()).toMatchObject({ complete: false, environments: [] });
  });

  test("on a terminal, progress goes to stderr", async () => {
    const run = await ephemera(["ls"], { isTTY: true });
    expect(run.code).toBe(0);
    expect(run.err).toContain("Discovering resources…");
    expect(run.err).toMatch(/Found \d+ resources in 5 environments\./);
  });
});

describe("ephemera extend", () => {
  let extended: Record<string, unknown>;

  test("extend pr-live 2h adds two hours to the current expiry on every resource, and exits 0", async () => {
    const run = await ephemera(["extend", "pr-live", "2h", "--json"]);
    expect(run.code).toBe(0);
    extended = run.json();
    expect(extended).toMatchObject({
      env: "pr-live",
      status: "extended",
      ok: true,
      previousExpiresAt: at(5 * HOUR),
      expiresAt: at(7 * HOUR),
      capped: false,
      runId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/),
    });
    runIds.push(extended.runId as string);
    expect((extended.actions as { outcome: string }[]).map((a) => a.outcome)).toEqual(["done", "done", "done", "done", "done", "done"]);
    expect((await bucketTags("pr-live-artifacts"))[TAG.extendedUntil]).toBe(at(7 * HOUR));
    expect((await database("pr-live-db")).tags[TAG.extendedUntil]).toBe(at(7 * HOUR));
    expect((await nodegroup("pr-live-spot")).tags?.[TAG.extendedUntil]).toBe(at(7 * HOUR));
  });

  test("the one-shot expiry schedule in the environment's own group moves to the new expiry, keeping its target", async () => {
    expect(extended.schedule).toMatchObject({ status: "moved", group: "ephemera-pr-live", to: `at(${at(7 * HOUR).slice(0, 19)})` });
    const { scheduler, destroy } = emulatorClients(e);
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: "ephemera-expiry-pr-live", GroupName: "ephemera-pr-live" }));
    destroy();
    expect(schedule.ScheduleExpression).toBe(`at(${at(7 * HOUR).slice(0, 19)})`);
    expect(schedule.ScheduleExpressionTimezone).toBe("UTC");
    expect(schedule.Target).toMatchObject({ Arn: REAPER_FUNCTION_ARN, Input: JSON.stringify({ ephemera: "expire", env: "pr-live" }) });
    expect(schedule.ActionAfterCompletion).toBe("DELETE");
  });

  test("the extension is an audited run: before and after records for each tag write, in a chain that verifies", async () => {
    const run = await ephemera(["audit", "verify", "--run", extended.runId as string, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, runs: [{ runId: extended.runId, ok: true, records: 2 + 2 * 6 }] });
    const keys = (await auditKeys()).filter((k) => k.includes(extended.runId as string));
    const { s3, destroy } = emulatorClients(e);
    const before = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: keys[1]! }))).Body!.transformToString());
    const after = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: keys[2]! }))).Body!.transformToString());
    destroy();
    expect(before).toMatchObject({ type: "action", env: "pr-live", action: "tag", phase: "before", outcome: "pending", details: { tags: { [TAG.extendedUntil]: at(7 * HOUR) } } });
    expect(before.reason).toContain(`expiry ${at(5 * HOUR)} → ${at(7 * HOUR)}`);
    expect(after).toMatchObject({ type: "action", phase: "after", outcome: "done" });
  });

  test("an extension past now + max TTL is capped there, and says so", async () => {
    const run = await ephemera(["extend", "pr-live", "2w"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^pr-live: extended by 2w, expiry \S+ → \S+ \(capped: no environment gets more than the max TTL ahead of it\)/);
    const listing = (await ephemera(["ls", "--json"])).json<{ environments: { env: string; secondsLeft: number }[] }>();
    const left = listing.environments.find((env) => env.env === "pr-live")!.secondsLeft;
    expect(left).toBeLessThanOrEqual(14 * 86400 + 1);
    expect(left).toBeGreaterThan(14 * 86400 - 120);
    runIds.push(/audit run (\S+)\)/.exec(run.out)![1]!);
  });

  test("a schedule found in the configured expiry schedule group (default) is moved too", async () => {
    const run = await ephemera(["extend", "pr-sched", "1h", "--json"]);
    expect(run.code).toBe(0);
    const result = run.json<{ runId: string; expiresAt: string; schedule: unknown }>();
    runIds.push(result.runId);
    expect(result.expiresAt).toBe(at(6 * HOUR));
    expect(result.schedule).toMatchObject({ status: "moved", group: "default", name: "ephemera-expiry-pr-sched", from: `at(${at(5 * HOUR).slice(0, 19)})` });
  });

  test("a protected environment is refused with exit 1 and nothing is written", async () => {
    const before = await auditKeys();
    const run = await ephemera(["extend", "pr-guard", "1h"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("ephemera: extend pr-guard refused: ephemera:protect on");
    expect(await auditKeys()).toEqual(before);
  });

  test("an environment that does not exist exits 2", async () => {
    const run = await ephemera(["extend", "pr-nope", "1h", "--json"]);
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({ status: "refused", code: "not-found", message: "no resources of environment pr-nope were found" });
  });
});

describe("ephemera pause and resume", () => {
  test("pause stops the database, scales the node group to zero remembering its size, and marks the environment paused", async () => {
    const run = await ephemera(["pause", "pr-live", "--json"]);
    expect(run.code).toBe(0);
    const result = run.json<{ status: string; runId: string; actions: { action: string; outcome: string }[] }>();
    runIds.push(result.runId);
    expect(result.status).toBe("done");
    expect(await database("pr-live-db")).toMatchObject({ status: expect.stringMatching(/^(stopped|stopping)$/), tags: { [TAG.state]: "paused" } });
    const ng = await nodegroup("pr-live-spot");
    expect(ng.scalingConfig).toMatchObject({ desiredSize: 0, minSize: 0 });
    expect(ng.tags?.[TAG.pausedSize]).toBe("desired=2 min=1");
    expect((await ephemera(["ls", "--json"])).json<{ environments: { env: string; state: string }[] }>().environments.find((x) => x.env === "pr-live")!.state).toBe("paused");
  });

  test("resume restores the node group's size, starts the database and marks the environment active", async () => {
    const run = await ephemera(["resume", "pr-live"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^pr-live: resumed \(audit run (\S+)\)/);
    runIds.push(/audit run (\S+)\)/.exec(run.out)![1]!);
    expect(await database("pr-live-db")).toMatchObject({ status: expect.stringMatching(/^(available|starting)$/), tags: { [TAG.state]: "active" } });
    expect((await nodegroup("pr-live-spot")).scalingConfig).toMatchObject({ desiredSize: 2, minSize: 1 });
  });

  test("in an account not on EPHEMERA_ALLOWED_ACCOUNTS pause is refused with exit 1 and nothing changes", async () => {
    const before = await auditKeys();
    const run = await ephemera(["pause", "pr-live"], { env: { ...settings, EPHEMERA_ALLOWED_ACCOUNTS: "210987654321" } });
    expect(run.code).toBe(1);
    expect(run.err).toContain(`account ${e.accountId} is not in allowedAccounts (210987654321); nothing was done`);
    expect(run.err).toContain(`add ${e.accountId} to EPHEMERA_ALLOWED_ACCOUNTS (or --allowed-accounts)`);
    expect(await auditKeys()).toEqual(before);
    expect((await database("pr-live-db")).tags[TAG.state]).toBe("active");
  });

  test("pausing an environment that does not exist exits 2", async () => {
    const run = await ephemera(["pause", "pr-nope"]);
    expect(run.code).toBe(2);
    expect(run.err).toBe("ephemera: pause pr-nope refused: no resources of environment pr-nope were found");
  });
});

describe("ephemera reap", () => {
  test("--dry-run --json shows the plan (reap the warned expired environment, warn the one about to expire) and changes nothing", async () => {
    const before = await auditKeys();
    const run = await ephemera(["reap", "--dry-run", "--json"]);
    expect(run.code).toBe(0);
    const result = run.json<{ dryRun: boolean; simulatedClock: boolean; plan: { environments: { env: string; intent: string }[]; notes: { code: string; env?: string }[] }; actions: unknown[] }>();
    expect(result).toMatchObject({ dryRun: true, simulatedClock: false, actions: [] });
    expect(result.plan.environments.map((p) => [p.env, p.intent])).toEqual([
      ["pr-old", "reap"],
      ["pr-fresh", "warn"],
    ]);
    expect(result.plan.notes.map((n) => `${n.code} ${n.env}`)).toContain("protected pr-guard");
    expect(await auditKeys()).toEqual(before);
    expect(await bucketExists("pr-old-artifacts")).toBe(true);
  });

  test("a --now in the future without --dry-run exits 2 and changes nothing", async () => {
    const run = await ephemera(["reap", "--now", at(3 * HOUR)]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("is in the future, and acting on a clock that runs ahead deletes environments early");
    expect(await bucketExists("pr-old-artifacts")).toBe(true);
  });

  test("a sweep reaps the warned expired environment, warns the one about to expire, leaves the rest, and exits 0", async () => {
    const run = await ephemera(["reap"]);
    expect(run.code).toBe(0);
    expect(run.err).toBe("");
    const runId = /^Run (\S+):$/m.exec(run.out)![1]!;
    runIds.push(runId);
    expect(run.out).toContain("pr-old: reap done");
    expect(run.out).toContain("pr-fresh: warn done");
    expect(await bucketExists("pr-old-artifacts")).toBe(false);
    expect((await bucketTags("pr-fresh-artifacts"))[TAG.state]).toBe("expiring");
    expect(await bucketExists("pr-guard-artifacts")).toBe(true);
    expect((await ephemera(["ls", "--json"])).json<{ environments: { env: string }[] }>().environments.map((x) => x.env)).not.toContain("pr-old");
  });

  test("--now past an environment's expiry with --allow-simulated-clock reaps it, deciding on the simulated clock and auditing real times", async () => {
    const run = await ephemera(["reap", "--env", "pr-fresh", "--now", at(2 * HOUR), "--allow-simulated-clock", "--json"]);
    expect(run.code).toBe(0);
    expect(run.err).toContain(`deciding as of ${at(2 * HOUR)} (simulated`);
    const result = run.json<{ runId: string; decidedAt: string; simulatedClock: boolean; environments: unknown[] }>();
    runIds.push(result.runId);
    expect(result).toMatchObject({ decidedAt: new Date(at(2 * HOUR)).toISOString(), simulatedClock: true, environments: [{ env: "pr-fresh", intent: "reap", status: "done" }] });
    expect(await bucketExists("pr-fresh-artifacts")).toBe(false);
    expect(await bucketExists("pr-sched-artifacts")).toBe(true);
    const runStart = (await auditKeys()).find((k) => k.includes(result.runId))!;
    const { s3, destroy } = emulatorClients(e);
    const record = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: runStart }))).Body!.transformToString());
    destroy();
    expect(new Date(record.time).getTime()).toBeLessThan(seededAt.getTime() + HOUR);
    expect(record.details.plan.createdAt).toBe(new Date(at(2 * HOUR)).toISOString());
  });
});

describe("ephemera audit verify", () => {
  test("every run the commands wrote verifies, and the command exits 0", async () => {
    const run = await ephemera(["audit", "verify", "--json"]);
    expect(run.code).toBe(0);
    const result = run.json<{ ok: boolean; runs: { runId: string; ok: boolean }[] }>();
    expect(result.ok).toBe(true);
    expect(result.runs.map((r) => r.runId).sort()).toEqual([...runIds].sort());
    expect(result.runs.every((r) => r.ok)).toBe(true);
  });

  test("the table names each run with its record count", async () => {
    const run = await ephemera(["audit", "verify"]);
    expect(run.code).toBe(0);
    expect(run.out.split("\n")[0]).toMatch(/^RESULT\s+RUN\s+RECORDS\s+PROBLEM$/);
    expect(run.out).toContain(`${runIds.length} run(s): ${runIds.length} verified, 0 broken.`);
  });

  test("an altered record makes verify exit 1 and name the record", async () => {
    const runId = runIds[0]!;
    const key = (await auditKeys()).filter((k) => k.includes(runId))[1]!;
    const { s3, destroy } = emulatorClients(e);
    const record = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: key }))).Body!.transformToString());
    // Object Lock keeps the original version; a new version on top is what GetObject (and the verifier) reads.
    await s3.send(new PutObjectCommand({ Bucket: AUDIT_BUCKET, Key: key, Body: JSON.stringify({ ...record, reason: "nothing to see" }), ChecksumAlgorithm: "SHA256" }));
    destroy();
    const run = await ephemera(["audit", "verify", "--run", runId]);
    expect(run.code).toBe(1);
    expect(run.out).toContain(`BROKEN  ${runId}`);
    expect(run.out).toContain(`record 1 (${key}): its hash does not match its content (altered)`);
  });
});
