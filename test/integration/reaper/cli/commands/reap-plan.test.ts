import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CreateBucketCommand, ListObjectsV2Command, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { runEphemera } from "../../../../../harness/cli";
import { startFaultProxy } from "../../../../../harness/fault-proxy";
import { type Emulator, useEmulator } from "../../../../../harness/emulator";
import { auditRun } from "../../../../../harness/audit-trail";
import { bucketExists as bucketIn, bucketTags as tagsOf, emulatorClients, envTags, seedAuditBucket, seedEnvironment, seedTopic } from "../../../../../harness/seed-environments";
import { canonicalJson } from "../../../../../reaper/audit/canonical-json";
import { TAG } from "../../../../../reaper/model";

// Reviewed plans, walked through in order: a plan is written, refused when tampered with or
// from another account, checked dry, executed exactly (drifted environments skipped, a new one
// left alone), refused a second time; then a plan that S3's clock says is old is refused.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-reap-plan";
const HOUR = 3_600_000;

let e: Emulator;
let settings: Record<string, string>;
let dir: string;
let planPath: string;
let hash: string;
let seededAt: Date;

type PlanFile = { format: string; hash: string; plan: Record<string, unknown> & { accountId: string; environments: { env: string; intent: string }[] } };
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function putBucketTags(bucket: string, tags: Record<string, string>): Promise<void> {
  const { s3, destroy } = emulatorClients(e);
  await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }));
  destroy();
}

/** Every key of the audit bucket: what a refused or dry command must leave as it was. */
async function auditBucketKeys(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

const bucketExists = (bucket: string) => bucketIn(e, bucket);
const bucketTags = (bucket: string) => tagsOf(e, bucket);

/** A plan file rewritten by hand, its hash recomputed so it reads as consistent. */
function forged(change: (file: PlanFile) => void): string {
  const file = JSON.parse(readFileSync(planPath, "utf8")) as PlanFile;
  change(file);
  file.hash = sha256(canonicalJson(file.plan));
  const out = path.join(dir, `forged-${file.hash.slice(0, 8)}.json`);
  writeFileSync(out, JSON.stringify(file));
  return out;
}

/** The emulator behind a proxy whose Date header runs `aheadMs` ahead: S3's clock, as the reaper reads it, says later. */
async function s3ClockAhead(aheadMs: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const target = new URL(e.endpoint);
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const date = Date.parse(String(answer.headers.date));
      const headers = { ...answer.headers, ...(Number.isFinite(date) ? { date: new Date(date + aheadMs).toUTCString() } : {}) };
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  e = emulator();
  dir = mkdtempSync(path.join(tmpdir(), "ephemera-plan-"));
  planPath = path.join(dir, "reviewed-plan.json");
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_NOTIFICATION_TOPIC_ARN: topic, EPHEMERA_PRICE_LIST: "off" };
  seededAt = new Date();
  const expired = { expiresInHours: -2, state: "expiring", database: false } as const;
  for (const env of ["pr-a", "pr-b", "pr-c", "pr-e"]) await seedEnvironment(e, env, seededAt, expired);
  await seedEnvironment(e, "pr-d", seededAt, { ...expired, secret: true });
  await seedEnvironment(e, "pr-soon", seededAt, { expiresInHours: 0.5, database: false });
  await seedEnvironment(e, "pr-lost", seededAt, { expiresInHours: 6, database: false });
}, 120_000);

describe("ephemera reap --plan-out", () => {
  test("writes the plan and its hash, stores it in the audit bucket under the hash, and changes nothing else", async () => {
    const before = await auditBucketKeys();
    const run = await runEphemera(["reap", "--plan-out", planPath, "--json"], settings);
    expect(run.code).toBe(0);
    const doc = run.json<{ planHash: string; planFile: string; environments: { env: string; intent: string }[] }>();
    hash = doc.planHash;
    expect(doc.planFile).toBe(planPath);
    expect(doc.environments.map((x) => `${x.env} ${x.intent}`).sort()).toEqual(["pr-a reap", "pr-b reap", "pr-c reap", "pr-d reap", "pr-e reap", "pr-soon warn"]);
    expect(doc.environments.some((x) => x.env === "pr-lost")).toBe(false);
    const file = JSON.parse(readFileSync(planPath, "utf8")) as PlanFile & { plan: { seen: Record<string, { kind: string; id: string; tags: Record<string, string> }[]>; decidedAt: string } };
    expect(file.format).toBe("ephemera-reap-plan/v1");
    expect(file.hash).toBe(hash);
    expect(sha256(canonicalJson(file.plan))).toBe(hash);
    expect(file.plan).toMatchObject({ accountId: e.accountId, region: "us-east-1", auditBucket: AUDIT_BUCKET, envs: null });
    expect(file.plan.seen["pr-d"]!.map((r) => `${r.kind} ${r.id}`)).toEqual(expect.arrayContaining(["s3-bucket pr-d-artifacts", "secret pr-d/db-password"]));
    expect(await auditBucketKeys()).toEqual([...before, `plans/${hash}.json`].sort());
    expect(await bucketExists("pr-a-artifacts")).toBe(true);
  });

  test("with --now it is a usage error: an executable plan is decided on the real clock", async () => {
    const run = await runEphemera(["reap", "--plan-out", path.join(dir, "x.json"), "--now", new Date().toISOString()], settings);
    expect(run.code).toBe(2);
    expect(run.err).toContain("decided on the real clock");
  });
});

describe("ephemera reap --plan, refused before anything is written", () => {
  test("a tampered file (an intent changed, the hash left) exits 2 naming the hash mismatch; no claim, no audit record", async () => {
    const before = await auditBucketKeys();
    const file = JSON.parse(readFileSync(planPath, "utf8")) as PlanFile;
    file.plan.environments[0]!.intent = "pause";
    const tampered = path.join(dir, "tampered.json");
    writeFileSync(tampered, JSON.stringify(file));
    const run = await runEphemera(["reap", "--plan", tampered, "--json"], settings);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`its hash ${hash} is not its plan's`);
    for (const [text, problem] of [["not json", "is not JSON"], [JSON.stringify({ format: "other/v9" }), 'format is "other/v9"']] as const) {
      writeFileSync(tampered, text);
      const bad = await runEphemera(["reap", "--plan", tampered], settings);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain(problem);
    }
    expect(await auditBucketKeys()).toEqual(before);
    expect(await bucketExists("pr-a-artifacts")).toBe(true);
  });

  test("a hand-made plan whose hash was recomputed is refused: it is not the one --plan-out stored", async () => {
    const before = await auditBucketKeys();
    const handMade = forged((f) => (f.plan.environments = f.plan.environments.filter((x) => x.env === "pr-a")));
    const run = await runEphemera(["reap", "--plan", handMade, "--json"], settings);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ status: "refused", code: "not-stored" });
    expect(run.err).toContain("is not a plan ephemera reap --plan-out made in this account's audit bucket");
    expect(await auditBucketKeys()).toEqual(before);
  });

  test("a plan from another account is refused, naming both accounts", async () => {
    const before = await auditBucketKeys();
    const elsewhere = forged((f) => (f.plan.accountId = "210987654321"));
    const run = await runEphemera(["reap", "--plan", elsewhere, "--json"], settings);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ status: "refused", code: "account" });
    expect(run.err).toContain(`was made in account 210987654321, and this is account ${e.accountId}`);
    expect(await auditBucketKeys()).toEqual(before);
  });
});

describe("ephemera reap --plan, after the account changed", () => {
  beforeAll(async () => {
    // pr-b extended by an operator; pr-c protected; pr-d's secret deleted; a bucket added to pr-e; pr-new expired since.
    expect((await runEphemera(["extend", "pr-b", "4h"], settings)).code).toBe(0);
    await putBucketTags("pr-c-artifacts", { ...(await bucketTags("pr-c-artifacts")), [TAG.protect]: "true" });
    const { s3, secrets, destroy } = emulatorClients(e);
    await secrets.send(new DeleteSecretCommand({ SecretId: "pr-d/db-password", ForceDeleteWithoutRecovery: true }));
    await s3.send(new CreateBucketCommand({ Bucket: "pr-e-extra" }));
    destroy();
    await putBucketTags("pr-e-extra", envTags("pr-e", seededAt, { expiresInHours: -2, state: "expiring" }));
    await seedEnvironment(e, "pr-new", seededAt, { expiresInHours: -2, state: "expiring", database: false });
  }, 60_000);

  const drifted = (doc: { skipped: { env: string; changes: string[] }[] }) => Object.fromEntries(doc.skipped.map((s) => [s.env, s.changes]));

  test("--dry-run reports what would run and each drifted environment with what changed, and writes nothing (exit 1)", async () => {
    const before = await auditBucketKeys();
    const run = await runEphemera(["reap", "--plan", planPath, "--dry-run", "--json"], settings);
    expect(run.code).toBe(1);
    const doc = run.json<{ status: string; planHash: string; plan: { environments: { env: string }[] }; skipped: { env: string; changes: string[] }[] }>();
    expect(doc).toMatchObject({ status: "dry-run", planHash: hash });
    expect(doc.plan.environments.map((x) => x.env).sort()).toEqual(["pr-a", "pr-soon"]);
    const changes = drifted(doc);
    expect(Object.keys(changes).sort()).toEqual(["pr-b", "pr-c", "pr-d", "pr-e"]);
    expect(changes["pr-b"]).toContainEqual(expect.stringMatching(/^s3-bucket pr-b-artifacts: tag ephemera:extended-until was \(none\), now "/));
    expect(changes["pr-c"]).toEqual([
      "s3-bucket pr-c-artifacts: carries ephemera:protect, which protects the whole environment whatever a plan says",
      's3-bucket pr-c-artifacts: tag ephemera:protect was (none), now "true"',
    ]);
    expect(changes["pr-d"]).toEqual(["secret pr-d/db-password: gone since the plan was made"]);
    expect(changes["pr-e"]).toEqual(["s3-bucket pr-e-extra: appeared since the plan was made"]);
    expect(await auditBucketKeys()).toEqual(before);
    expect(await bucketExists("pr-a-artifacts")).toBe(true);
  });

  test("executes exactly the plan's undrifted environments; the drifted and the new one are left alone; the run-start names the plan", async () => {
    const run = await runEphemera(["reap", "--plan", planPath, "--json"], settings);
    expect(run.code).toBe(1);
    const doc = run.json<{ runId: string; status: string; environments: { env: string; intent: string; status: string }[]; skipped: { env: string }[] }>();
    expect(doc.status).toBe("executed");
    expect(doc.environments.map((x) => `${x.env} ${x.intent} ${x.status}`).sort()).toEqual(["pr-a reap done", "pr-soon warn done"]);
    expect(await bucketExists("pr-a-artifacts")).toBe(false);
    expect((await bucketTags("pr-soon-artifacts"))[TAG.state]).toBe("expiring");
    for (const kept of ["pr-b-artifacts", "pr-c-artifacts", "pr-d-artifacts", "pr-e-artifacts", "pr-e-extra", "pr-new-artifacts"]) expect(await bucketExists(kept)).toBe(true);
    const run2 = await auditRun(settings, doc.runId);
    expect(run2.verified).toMatchObject({ ok: true, status: "complete" });
    const start = run2.records.find((r) => r.type === "run-start");
    expect(start?.details).toMatchObject({ reviewedPlan: { hash, skipped: expect.arrayContaining([expect.objectContaining({ env: "pr-c" })]) } });
    expect(await auditBucketKeys()).toContain(`plans/${hash}.run.json`);
  });

  test("a second execution of the same plan is refused, naming the run that executed it", async () => {
    const first = JSON.parse(readFileSync(planPath, "utf8")) as PlanFile;
    const run = await runEphemera(["reap", "--plan-hash", first.hash, "--json"], settings);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ status: "refused", code: "executed" });
    expect(run.err).toMatch(/was executed already, by run \d{8}T\d{6}Z-[0-9a-f]{8}/);
  });
});

describe("a plan S3's clock says is old", () => {
  test("is refused past EPHEMERA_MAX_PLAN_AGE, naming the setting, though this host's clock says it is new; within a longer limit it is accepted", async () => {
    const fresh = path.join(dir, "fresh.json");
    const made = await runEphemera(["reap", "--plan-out", fresh, "--env", "pr-new", "--json"], settings);
    expect(made.code).toBe(0);
    const freshHash = made.json<{ planHash: string }>().planHash;
    const proxy = await s3ClockAhead(2 * HOUR);
    try {
      const later = { ...settings, AWS_ENDPOINT_URL: proxy.url };
      const before = await auditBucketKeys();
      const run = await runEphemera(["reap", "--plan", fresh, "--json"], later);
      expect(run.code).toBe(1);
      expect(run.json()).toMatchObject({ status: "refused", code: "stale", planHash: freshHash });
      expect(run.err).toContain("old by S3's clock, older than EPHEMERA_MAX_PLAN_AGE=1h");
      expect(run.err).toContain("make a new plan");
      expect(await auditBucketKeys()).toEqual(before);
      const dry = await runEphemera(["reap", "--plan", fresh, "--dry-run", "--max-plan-age", "3h", "--json"], later);
      expect(dry.code).toBe(0);
      expect(dry.json()).toMatchObject({ status: "dry-run", planHash: freshHash, plan: { environments: [{ env: "pr-new", intent: "reap" }] } });
      expect(dry.json<{ planAgeSeconds: number }>().planAgeSeconds).toBeGreaterThanOrEqual(2 * 3600 - 5);
    } finally {
      await proxy.stop();
    }
    expect(await bucketExists("pr-new-artifacts")).toBe(true);
  });
});

describe("a claim whose answer was lost", () => {
  test("is this run's own on the SDK's retry: the plan runs, once", async () => {
    // pr-lost is extended into the warning window's reach: a plan that warns it.
    const made = await runEphemera(["reap", "--plan-out", path.join(dir, "lost.json"), "--env", "pr-lost", "--warning-window", "7h", "--json"], settings);
    expect(made.code).toBe(0);
    const lostHash = made.json<{ planHash: string }>().planHash;
    const proxy = await startFaultProxy({ target: e.endpoint });
    let lost = 0;
    // The claim is written, and its answer never arrives: the SDK sends it again and meets the claim.
    proxy.failWhen((r) => (r.service === "s3" && r.path.endsWith(`/plans/${lostHash}.run.json`) && r.action.startsWith("Put") && lost++ === 0 ? "lost-answer" : undefined));
    try {
      const run = await runEphemera(["reap", "--plan", path.join(dir, "lost.json"), "--json"], { ...settings, AWS_ENDPOINT_URL: proxy.url });
      expect(run.code).toBe(0);
      expect(run.json()).toMatchObject({ status: "executed", ok: true, environments: [{ env: "pr-lost", intent: "warn", status: "done" }] });
      expect(lost).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.stop();
    }
    expect((await bucketTags("pr-lost-artifacts"))[TAG.state]).toBe("expiring");
    const again = await runEphemera(["reap", "--plan", path.join(dir, "lost.json")], settings);
    expect(again.code).toBe(1);
    expect(again.err).toContain("was executed already");
  });
});
