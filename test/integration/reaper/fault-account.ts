import { DescribeBudgetsCommand } from "@aws-sdk/client-budgets";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { runCli } from "../../../reaper/cli/run-cli";
import { runSweep } from "../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../reaper/config/read-settings";
import type { SweepResult } from "../../../reaper/operations/sweep";
import { type Emulator, EMULATOR_CREDENTIALS } from "../../../harness/emulator";
import { type FaultProxy, faultRates, startFaultProxy } from "../../../harness/fault-proxy";
import { emulatorClients, seedAuditBucket, seedEnvironment, seedTopic } from "../../../harness/seed-environments";

/**
 * Shared by the fault tests (operations/sweep.faults.test.ts, operations/sweep.heavy-faults.test.ts): the
 * reaper against an account whose API fails a share of all requests (its own
 * throttling errors, 500/503, lost answers, resets), through harness/fault-proxy.ts.
 * Sweeps are a simulated two minutes apart (past the one-minute lease, and past the two
 * minutes after which a run that stopped is closed by the next); everything else is real.
 */
export const AUDIT_BUCKET = "ephemera-audit-faults";
export const MINUTE = 60_000;

/** Environments by what must become of them. */
export const EXPIRED = ["pr-exp-1", "pr-exp-2", "pr-exp-3", "pr-exp-4"];
export const KEPT = ["pr-fresh-1", "pr-fresh-2", "pr-prot", "pr-look"];
export const SOON = ["pr-soon-1", "pr-soon-2"];

export interface Account {
  readonly e: Emulator;
  readonly queueUrl: string;
  readonly settings: Record<string, string>;
}

export async function seedAccount(e: Emulator): Promise<Account> {
  const now = new Date();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  const sqs = new SQSClient(e.clientConfig());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "owner-inbox" }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  const { sns, destroy } = emulatorClients(e);
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: "sqs", Endpoint: Attributes!.QueueArn! }));
  destroy();
  sqs.destroy();
  for (const [i, env] of EXPIRED.entries()) {
    await seedEnvironment(e, env, now, { expiresInHours: -2, state: "expiring", database: i < 2, objects: 3, secret: true });
  }
  await seedEnvironment(e, "pr-fresh-1", now, { expiresInHours: 5, database: true, objects: 2, secret: true });
  await seedEnvironment(e, "pr-fresh-2", now, { expiresInHours: 6, database: false, objects: 2 });
  await seedEnvironment(e, "pr-prot", now, { expiresInHours: -3, state: "expiring", protect: true, database: true, objects: 2, secret: true });
  await seedEnvironment(e, "pr-look", now, { expiresInHours: -3, state: "expiring", managedBy: "someone-else", database: true, objects: 2, secret: true });
  for (const env of SOON) await seedEnvironment(e, env, now, { expiresInHours: 0.5, database: false, objects: 1 });
  const settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: topic,
    EPHEMERA_MAX_ENVS_PER_RUN: "20",
    EPHEMERA_LEASE_SECONDS: "60",
    // The sweeps below simulate minutes passing on this host's clock; the emulator's S3 clock
    // cannot be moved, so the skew limit is widened. Leases this process wrote are judged by its
    // own clock, so the simulated time still decides when a crashed run's lease ends.
    EPHEMERA_MAX_CLOCK_SKEW_SECONDS: "3600",
  };
  return { e, queueUrl: QueueUrl!, settings };
}

/** A reaper whose every AWS call goes through the proxy; a run that stopped is closed by a run two minutes later. */
export function reaperThrough(account: Account, proxy: FaultProxy): ReaperRuntime {
  const settings = readSettings({ ...account.settings, AWS_ENDPOINT_URL: proxy.url });
  return new ReaperRuntime({ ...settings, reaper: { ...settings.reaper, unfinishedRunAfterMs: 2 * MINUTE } }, { credentials: EMULATOR_CREDENTIALS });
}

/** What the account holds now, read straight from the emulator. */
export async function state(e: Emulator) {
  const c = emulatorClients(e);
  const bucket = (name: string) => c.s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false);
  const objects = async (name: string) => ((await c.s3.send(new ListObjectsV2Command({ Bucket: name })).catch(() => undefined))?.KeyCount ?? 0);
  const db = (id: string) => c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })).then((o) => o.DBInstances?.[0]?.DBInstanceStatus ?? "gone", () => "gone");
  const secret = (name: string) => c.secrets.send(new DescribeSecretCommand({ SecretId: name })).then((s) => (s.DeletedDate === undefined ? "live" : "deleted"), () => "gone");
  const budgets = new Set(((await c.budgets.send(new DescribeBudgetsCommand({ AccountId: e.accountId }))).Budgets ?? []).map((b) => b.BudgetName));
  const out: Record<string, { bucket: boolean; objects: number; db: string; secret: string; budget: boolean }> = {};
  for (const env of [...EXPIRED, ...KEPT, ...SOON]) {
    out[env] = { bucket: await bucket(`${env}-artifacts`), objects: await objects(`${env}-artifacts`), db: await db(`${env}-db`), secret: await secret(`${env}/db-password`), budget: budgets.has(`ephemera-${env}`) };
  }
  c.destroy();
  return out;
}

/** Every expired environment is gone; the fresh, protected and look-alike ones are as seeded. */
export function converged(s: Awaited<ReturnType<typeof state>>): boolean {
  return EXPIRED.every((env) => !s[env]!.bucket && s[env]!.db === "gone" && s[env]!.secret !== "live" && !s[env]!.budget);
}

export function wrongActions(s: Awaited<ReturnType<typeof state>>, initial: Awaited<ReturnType<typeof state>>): string[] {
  return [...KEPT, ...SOON].filter((env) => JSON.stringify(s[env]) !== JSON.stringify(initial[env])).map((env) => `${env}: ${JSON.stringify(initial[env])} → ${JSON.stringify(s[env])}`);
}

/** The audit records of every run, read straight from the emulator. */
export async function auditRecords(e: Emulator): Promise<Record<string, unknown>[]> {
  const { s3, destroy } = emulatorClients(e);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "audit/", ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter((k) => /\/\d+\.json$/.test(k)));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  const records = await Promise.all(keys.map(async (Key) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key }))).Body!.transformToString()) as Record<string, unknown>));
  destroy();
  return records;
}

/** Owner warnings delivered (SNS → SQS), by environment. */
export async function deliveredWarnings(account: Account): Promise<Map<string, number>> {
  const sqs = new SQSClient(account.e.clientConfig());
  const counts = new Map<string, number>();
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: account.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages === undefined || Messages.length === 0) break;
    for (const m of Messages) {
      // The warning's subject: "Ephemera: <env> expires at <time>".
      const env = /^Ephemera: (\S+) /.exec((JSON.parse(m.Body!) as { Subject?: string }).Subject ?? "")?.[1] ?? "?";
      counts.set(env, (counts.get(env) ?? 0) + 1);
    }
  }
  sqs.destroy();
  return counts;
}

export async function auditVerify(account: Account, now: Date): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runCli(["audit", "verify"], { stdout: (t) => out.push(t), stderr: (t) => out.push(t), isTTY: false }, { env: account.settings, runtime: { credentials: EMULATOR_CREDENTIALS }, clock: () => now });
  return { code, out: out.join("\n") };
}

export interface Convergence {
  readonly sweeps: number;
  readonly results: SweepResult[];
  readonly faults: number;
  readonly requests: number;
  readonly lastAt: Date;
}

export const SWEEPS_APART_MS = 2 * MINUTE + 1_000;

/** Sweeps {@link SWEEPS_APART_MS} apart (simulated) until the account converges, at most `max` times. */
export async function sweepUntilConverged(account: Account, proxy: FaultProxy, max: number, beforeSweep?: (n: number) => void): Promise<Convergence> {
  const runtime = reaperThrough(account, proxy);
  const base = Date.now();
  const results: SweepResult[] = [];
  let lastAt = new Date(base);
  for (let n = 1; n <= max; n++) {
    const offset = (n - 1) * SWEEPS_APART_MS;
    const clock = () => new Date(Date.now() + offset);
    lastAt = clock();
    beforeSweep?.(n);
    results.push(await runSweep(runtime, { clock }));
    if (converged(await state(account.e))) break;
  }
  return { sweeps: results.length, results, faults: proxy.requests.filter((r) => r.fault !== undefined).length, requests: proxy.requests.length, lastAt };
}

export function report(label: string, c: Convergence, extra = ""): void {
  const outcomes = c.results.map((r) => {
    const actions = r.result?.actions.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.outcome]: (acc[a.outcome] ?? 0) + 1 }), {}) ?? { error: r.error };
    const listing = (r.plan?.notes ?? []).filter((n) => n.code === "listing-failure").map((n) => n.message.slice(0, 80));
    return listing.length === 0 ? actions : { ...actions, listingFailures: listing };
  });
  console.log(`${label}: converged in ${c.sweeps} sweeps; ${c.requests} requests, ${c.faults} faults injected (${((100 * c.faults) / c.requests).toFixed(1)} %)\n  per sweep: ${outcomes.map((o) => JSON.stringify(o)).join("\n             ")}${extra}`);
}

/** Every resource the reaper deleted has a before-record of its delete, in some run. */
export function deletesWithoutBefore(records: Record<string, unknown>[]): string[] {
  const before = new Set(records.filter((r) => r.type === "action" && r.action === "delete" && r.phase === "before").map((r) => `${(r.resource as { kind: string }).kind} ${(r.resource as { id: string }).id}`));
  const expected = EXPIRED.flatMap((env, i) => [`s3-bucket ${env}-artifacts`, `secret ${env}/db-password`, `budget ephemera-${env}`, ...(i < 2 ? [`rds-instance ${env}-db`] : [])]);
  return expected.filter((r) => !before.has(r));
}

export interface FaultCase {
  readonly rate: number;
  readonly seed: number;
  readonly maxSweeps: number;
  /** The first run writes its run-start, then loses the audit bucket for good: it must stop, and a later run close it. */
  readonly auditOutage: boolean;
}

/**
 * Seeds the account, sweeps through a fault proxy until it converges, and checks: no
 * wrong action, every deletion audited before, audit verify exits 0 (stopped runs closed).
 * Calls `started(proxy)` so the test file can stop the proxy whatever happens.
 */
export async function convergesUnderFaults(e: Emulator, { rate, seed, maxSweeps, auditOutage }: FaultCase, started: (proxy: FaultProxy) => void): Promise<void> {
  const account = await seedAccount(e);
  const initial = await state(account.e);
  const p = await startFaultProxy({ target: account.e.endpoint, seed, rates: faultRates(rate) });
  started(p);
  const recordAfterRunStart = new RegExp(`^/${AUDIT_BUCKET}/audit/.*/0*[1-9]\\d*\\.json$`);
  const outage = (n: number) =>
    p.failWhen(auditOutage && n === 1 ? (r) => (r.action === "PutObject" && recordAfterRunStart.test(r.path) ? "unavailable" : undefined) : undefined);
  const c = await sweepUntilConverged(account, p, maxSweeps, outage);

  const after = await state(account.e);
  const records = await auditRecords(account.e);
  const verify = await auditVerify(account, new Date(c.lastAt.getTime() + 30_000));
  const closed = (verify.out.match(/^closed/gm) ?? []).length;
  report(`${rate * 100} % faults`, c, `\n  audit verify: exit ${verify.code}, ${closed} run(s) closed by a later run`);

  expect(converged(after)).toBe(true);
  expect(c.sweeps).toBeLessThanOrEqual(maxSweeps);
  expect(wrongActions(after, initial)).toEqual([]);
  expect(deletesWithoutBefore(records)).toEqual([]);
  // Nothing was done to an environment it must keep, not even a tag or a warning.
  const touched = new Set(records.filter((r) => r.type === "action" && r.phase === "before").map((r) => r.env as string));
  expect([...touched].filter((env) => KEPT.includes(env))).toEqual([]);
  expect(verify.code).toBe(0);
  expect(verify.out).not.toMatch(/BROKEN|UNFINISHED|MISSING/);
  if (auditOutage) {
    expect(c.results[0]!.ok).toBe(false);
    expect(closed).toBeGreaterThanOrEqual(1);
  }
}
