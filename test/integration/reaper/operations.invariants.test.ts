import fc from "fast-check";
import { CreateDBSnapshotCommand, type DBInstance, type DBSnapshot, paginateDescribeDBInstances, paginateDescribeDBSnapshots } from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { admitEnvironment } from "../../../reaper/admission/admit-environment";
import { heldAt, reservationRegister } from "../../../reaper/admission/reservations";
import { verifyAuditIn } from "../../../reaper/audit/verify-audit";
import { runCli } from "../../../reaper/cli/run-cli";
import { groupEnvironments, ownersOf } from "../../../reaper/decision/group-environments";
import { expiryOf, ownerKey, parseDuration, TAG, tryParseUsd } from "../../../reaper/model";
import { extendEnvironment } from "../../../reaper/operations/extend-environment";
import { runSweep, type SweepRunResult } from "../../../reaper/operations/run-sweep";
import { claimPoolDatabase, type ClaimResult } from "../../../reaper/pool/claim-database";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../reaper/config/read-settings";
import type { ActionOutcome } from "../../../reaper/action/act";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../harness/emulator";
import { type FaultKind, type FaultProxy, startFaultProxy } from "../../../harness/fault-proxy";
import { emulatorClients, poolSettings, seedAuditBucket, seedPoolBaseline, seedWarmDatabase } from "../../../harness/seed-environments";

/**
 * Issue 19, "An invariant test": a model-based test (fast-check's model runner) of the
 * whole control plane against the emulator, through the real engine. Each run starts from
 * a fresh account (a reset emulator: the audit bucket, a baseline snapshot and a warm pool
 * of two) and interleaves admits (followed by the pipeline's deploy when admitted), pool
 * claims, sweeps (reap, pause, refill), releases (`ephemera release`, in-process), extends,
 * a new baseline, simulated time passing (sweeps decide at a later instant), steps started
 * together (claim + sweep, two claims, two admits, claims racing a refill), steps on a host
 * whose clock is six minutes fast (each must be refused for the skew, nothing done) and
 * steps through a fault proxy (lost answers, 503s, 500s, resets, throttling on a chosen
 * request of the step). Caps are small (3 environments, 2 per owner) so they are reached.
 *
 * After every step it reads the emulator and the audit bucket and checks:
 * 1. no database a claim returned (or tagged the environment's) is gone, or going, without
 *    a manual (final) snapshot of it;
 * 2. every live environment has a known expiry, no later than max(created-at, its last
 *    extension) + the max TTL, and a budget within the max budget;
 * 3. live environments and held reservations never exceed the caps, in total and per owner
 *    (owners trimmed and lower-cased);
 * 4. every audited run verifies.
 *
 * Reproduce a failure with the seed and path fast-check prints:
 * INVARIANTS_SEED=<seed> INVARIANTS_PATH=<path> INVARIANTS_REPLAY_PATH=<replayPath> npx jest test/integration/reaper/operations.invariants.test.ts
 * INVARIANTS_RUNS / INVARIANTS_MAX_COMMANDS change the budget (CI uses the defaults below).
 */
const emulator = useEmulator({ resetBetweenTests: false });

const SEED = Number(process.env.INVARIANTS_SEED ?? 1919);
/** Runs (the example runs below included) and steps per run: about three minutes on two cores. */
const NUM_RUNS = Number(process.env.INVARIANTS_RUNS ?? 12);
const MAX_COMMANDS = Number(process.env.INVARIANTS_MAX_COMMANDS ?? 28);
/** fast-check's `path` and the commands' `replayPath` of a failure, to replay exactly that case. */
const PATH = process.env.INVARIANTS_PATH;
const REPLAY_PATH = process.env.INVARIANTS_REPLAY_PATH;

const AUDIT_BUCKET = "ephemera-audit-invariants";
const HOUR = 3_600_000;
const SKEW_MS = 6 * 60_000;
const MAX_TTL = "1d";
const MAX_TTL_MS = parseDuration(MAX_TTL);
const CAPS = { total: 3, perOwner: 2, budgetUsd: 50 } as const;

const ENVS = ["pr-1", "pr-2", "pr-3", "pr-4", "pr-5"] as const;
/** Alice twice, spelled differently: one owner for the per-owner cap. */
const OWNERS = ["alice@example.com", "Alice@Example.com", "bob@example.com", "carol@example.com"] as const;
/** TTLs asked for; 3d, over the max TTL (1d), one time in six: admission must refuse it. */
const TTLS = ["1h", "6h", "6h", "20h", "20h", "3d"] as const;
/** Budgets asked for; $80, over the max budget ($50), one time in five: admission must refuse it. $0.05 is spent by a database within hours. */
const BUDGETS = [0.05, 0.05, 20, 20, 80] as const;

// ---------------------------------------------------------------------------------------
// The system under test: one account per run, reached directly or through the fault proxy.

interface World {
  readonly e: Emulator;
  readonly settings: Record<string, string>;
  readonly direct: ReaperRuntime;
  readonly proxied: ReaperRuntime;
  readonly proxy: FaultProxy;
  bucketSeq: number;
  baselineSeq: number;
  lastBakeAt: number;
}

interface Life {
  /** The `ephemera:created-at` every resource of this life of the environment is deployed with. */
  readonly createdAt: string;
}

interface Model {
  /** How far the simulated decision time (`decideAt`) is ahead of the real clock. */
  offsetMs: number;
  /** Environments made live (or being made live) by this run, by id: a life ends when its last resource is gone. */
  readonly lives: Map<string, Life>;
  /** When each live environment was last extended (real clock, rounded up to the second as the engine rounds). */
  readonly lastExtendAt: Map<string, number>;
  /** Every database a claim returned as the environment's (or tagged the environment's before failing), and for which environment. */
  readonly claimed: Map<string, string>;
  /** The steps run so far with their outcomes, for the failure report. */
  readonly trace: string[];
}

const stats = { runs: 0, steps: 0, ops: new Map<string, number>(), faultySteps: 0, faultyStepsHit: 0, faultsInjected: 0, skewRefusals: 0, byCommand: new Map<string, number>(), outcomes: new Map<string, number>(), claimedDatabases: 0, maxLive: 0, capRefusals: 0 };
const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

const realClock = () => new Date();
const skewedClock = () => new Date(Date.now() + SKEW_MS);
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

let proxy: FaultProxy | undefined;
let lastRuntimes: ReaperRuntime[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy({ target: emulator().endpoint, seed: SEED });
}, 60_000);

afterAll(async () => {
  for (const r of lastRuntimes) await r.destroy();
  await proxy?.stop();
});

/** A fresh account: the audit bucket, the pool's network and baseline snapshot, and two warm databases. */
async function seedWorld(): Promise<World> {
  for (const r of lastRuntimes) await r.destroy();
  lastRuntimes = [];
  const e = emulator();
  await e.reset();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const poolGroups = await seedPoolBaseline(e);
  const { rds, destroy } = emulatorClients(e);
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: "app-baseline-1" })).finally(destroy);
  for (const suffix of ["0000aaa1", "0000aaa2"]) await seedWarmDatabase(e, suffix, "app-baseline-1");
  const settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_DATABASE_POOL: JSON.stringify(poolSettings(2, poolGroups, { sourceDbInstance: "app-baseline" })),
    EPHEMERA_PRICE_LIST: "off",
    EPHEMERA_MAX_TTL: MAX_TTL,
    EPHEMERA_MAX_ENVIRONMENTS: String(CAPS.total),
    EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: String(CAPS.perOwner),
    EPHEMERA_MAX_BUDGET_USD: String(CAPS.budgetUsd),
    // Short enough that an admitted environment that never deploys stops counting within a run.
    EPHEMERA_ADMISSION_HOLD: "1m",
  };
  const direct = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  const proxied = new ReaperRuntime(readSettings({ ...settings, AWS_ENDPOINT_URL: proxy!.url }), { credentials: EMULATOR_CREDENTIALS });
  lastRuntimes = [direct, proxied];
  return { e, settings, direct, proxied, proxy: proxy!, bucketSeq: 0, baselineSeq: 1, lastBakeAt: Date.now() };
}

// ---------------------------------------------------------------------------------------
// Operations: each is one call into the engine (or the CLI), run directly, skewed or faulty.

type Op =
  | { readonly t: "admit"; readonly env: string; readonly owner: string; readonly ttl: string; readonly budget: number }
  | { readonly t: "claim"; readonly env: string; readonly owner: string; readonly ttl: string; readonly budget: number }
  | { readonly t: "sweep" }
  | { readonly t: "advance"; readonly hours: number }
  | { readonly t: "release"; readonly pick: number }
  | { readonly t: "extend"; readonly pick: number; readonly hours: number }
  | { readonly t: "bake" };

/**
 * Release and extend name their environment by a number: mostly one of the environments
 * live when the step starts (the pick-th, in id order), so they act on something; else an
 * environment id, live or not.
 */
const PICK_LIVE = 6;
const showPick = (pick: number) => (pick < PICK_LIVE ? `live #${pick}` : ENVS[pick % ENVS.length]!);
function envOfPick(m: Model, pick: number): string {
  const live = [...m.lives.keys()].sort();
  return pick < PICK_LIVE && live.length > 0 ? live[pick % live.length]! : ENVS[pick % ENVS.length]!;
}

const showOp = (op: Op): string => {
  switch (op.t) {
    case "admit":
    case "claim":
      return `${op.t}(${op.env}, ${op.owner}, ttl ${op.ttl}, $${op.budget})`;
    case "sweep":
      return "sweep";
    case "advance":
      return `advance(+${op.hours}h, then sweep)`;
    case "release":
      return `release(${showPick(op.pick)})`;
    case "extend":
      return `extend(${showPick(op.pick)}, +${op.hours}h)`;
    case "bake":
      return "bake(new baseline snapshot)";
  }
};

interface How {
  readonly via: "direct" | "proxy";
  readonly skewed: boolean;
}

const DIRECT: How = { via: "direct", skewed: false };

class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

/** The environment's current life, started now if it has none (its created-at is this instant). */
function lifeOf(m: Model, env: string): Life {
  let life = m.lives.get(env);
  if (life === undefined) {
    life = { createdAt: isoSeconds(Date.now()) };
    m.lives.set(env, life);
  }
  return life;
}

/** What the pipeline deploys once admitted: an artifacts bucket with the environment's tags. */
async function deploy(w: World, env: string, owner: string, ttl: string, budget: number, life: Life): Promise<string> {
  const name = `${env}-app-${++w.bucketSeq}`;
  const { s3, destroy } = emulatorClients(w.e);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: tagList({ [TAG.managedBy]: "ephemera", [TAG.env]: env, [TAG.owner]: owner, [TAG.ttl]: ttl, [TAG.createdAt]: life.createdAt, [TAG.budgetUsd]: String(budget) }) },
      }),
    );
  } finally {
    destroy();
  }
  return name;
}

function skewViolation(op: Op, what: string): InvariantViolation {
  return new InvariantViolation(`clock skew: ${showOp(op)} on a host ${SKEW_MS / 60_000} min fast was not refused for the skew: ${what}`);
}

/** Every action outcome of a run on a skewed host must be "skipped" for ClockSkew: nothing was done. */
function actedDespiteSkew(actions: readonly ActionOutcome[] | undefined): ActionOutcome[] {
  return (actions ?? []).filter((a) => !(a.outcome === "skipped" && a.code === "ClockSkew"));
}

function summarizeActions(actions: readonly ActionOutcome[] | undefined): string {
  const counts = new Map<string, number>();
  for (const a of actions ?? []) count(counts, `${a.action} ${a.outcome}${a.code ? `:${a.code}` : ""}`);
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(", ") || "no actions";
}

async function runOp(op: Op, how: How, m: Model, w: World): Promise<string> {
  count(stats.ops, op.t);
  const runtime = how.via === "proxy" ? w.proxied : w.direct;
  const clock = how.skewed ? skewedClock : realClock;
  switch (op.t) {
    case "admit": {
      const life = lifeOf(m, op.env);
      const r = await admitEnvironment(runtime, { env: op.env, owner: op.owner, ttlMs: parseDuration(op.ttl), budgetUsd: op.budget, by: "arn:aws:iam::123456789012:role/pipeline", clock });
      if (how.skewed) {
        if (r.limit !== "clock-skew") throw skewViolation(op, JSON.stringify(r));
        stats.skewRefusals++;
      }
      if (r.limit === "max-environments" || r.limit === "max-environments-per-owner") stats.capRefusals++;
      let deployed = "";
      if (r.ok && r.status === "admitted" && r.basis !== "live") deployed = `, deployed ${await deploy(w, op.env, op.owner, op.ttl, op.budget, life)}`;
      return `${r.status}${r.limit ? ` (${r.limit})` : ""}${r.basis ? ` (${r.basis})` : ""}${r.ok ? "" : " not ok"}${deployed}`;
    }
    case "claim": {
      const life = lifeOf(m, op.env);
      const r: ClaimResult = await claimPoolDatabase(runtime, {
        env: op.env,
        admission: { env: op.env, owner: op.owner, ttlMs: parseDuration(op.ttl), budgetUsd: op.budget },
        tags: { [TAG.owner]: op.owner, [TAG.ttl]: op.ttl, [TAG.createdAt]: life.createdAt, [TAG.onExpiry]: "snapshot-delete", [TAG.budgetUsd]: String(op.budget) },
        claimant: `arn:aws:iam::123456789012:role/agent-${op.env}`,
        clock,
      });
      if (how.skewed) {
        if (r.limit !== "clock-skew") throw skewViolation(op, JSON.stringify(r));
        stats.skewRefusals++;
      }
      if (r.limit === "max-environments" || r.limit === "max-environments-per-owner") stats.capRefusals++;
      const tagged = r.actions?.some((a) => a.action === "tag" && (a.outcome === "done" || a.outcome === "already-done")) ?? false;
      if (r.database !== undefined && (r.status === "claimed" || tagged)) {
        if (!m.claimed.has(r.database)) stats.claimedDatabases++;
        m.claimed.set(r.database, op.env);
      }
      return `${r.status}${r.existing ? " (existing)" : ""}${r.database ? ` ${r.database}` : ""}${r.limit ? ` (${r.limit})` : ""}${r.status === "failed" ? `: ${summarizeActions(r.actions)}` : ""}`;
    }
    case "sweep":
    case "advance": {
      if (op.t === "advance") m.offsetMs += op.hours * HOUR;
      const decideAt = m.offsetMs > 0 ? { decideAt: new Date(Date.now() + m.offsetMs) } : {};
      const r: SweepRunResult = await runSweep(runtime, { clock, ...decideAt });
      if (how.skewed) {
        const acted = actedDespiteSkew(r.result?.actions);
        if (acted.length > 0) throw skewViolation(op, `it ran ${summarizeActions(acted)}`);
        stats.skewRefusals++;
      }
      const intents = (r.plan?.environments ?? []).map((p) => `${p.env}:${p.intent}`).join(" ");
      return `${r.ok ? "ok" : `not ok${r.error ? ` (${r.error.slice(0, 120)})` : ""}`}${intents ? ` [${intents}]` : ""}: ${summarizeActions(r.result?.actions)}`;
    }
    case "release": {
      const target = envOfPick(m, op.pick);
      const env = how.via === "proxy" ? { ...w.settings, AWS_ENDPOINT_URL: w.proxy.url } : w.settings;
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(["release", target, "--json"], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false }, { env, runtime: { credentials: EMULATOR_CREDENTIALS }, clock });
      let result: { status?: string; actions?: ActionOutcome[]; code?: string; message?: string } = {};
      try {
        result = JSON.parse(out.join("\n")) as typeof result;
      } catch {
        result = { status: `exit ${code}`, message: err.join(" ").slice(0, 200) };
      }
      if (how.skewed) {
        const acted = actedDespiteSkew(result.actions);
        if (result.status === "done" || acted.length > 0) throw skewViolation(op, `${result.status}: ${summarizeActions(acted)}`);
        stats.skewRefusals++;
      }
      return `${target}: exit ${code} ${result.status ?? ""}${result.code ? ` (${result.code})` : ""}: ${summarizeActions(result.actions)}`;
    }
    case "extend": {
      const target = envOfPick(m, op.pick);
      const r = await extendEnvironment(runtime, { env: target, by: op.hours * HOUR, clock, reason: "extended by the invariant test" });
      if (how.skewed) {
        const acted = actedDespiteSkew(r.actions);
        if (r.status === "extended" || r.status === "partly-extended" || acted.length > 0) throw skewViolation(op, `${r.status}: ${summarizeActions(acted)}`);
        stats.skewRefusals++;
      } else {
        // Every attempt counts as an extension at this (real) instant, rounded up to the second as the engine rounds the tag.
        m.lastExtendAt.set(target, Math.ceil(Date.now() / 1000) * 1000);
      }
      return `${target}: ${r.status}${r.code ? ` (${r.code})` : ""}${r.expiresAt ? ` until ${r.expiresAt}` : ""}${r.capped ? " (capped)" : ""}`;
    }
    case "bake": {
      // The platform bakes a newer baseline: warm databases of the older one become stale, and refills replace them.
      const wait = w.lastBakeAt + 1_100 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait)); // a later SnapshotCreateTime (seconds) than the last
      const { rds, destroy } = emulatorClients(w.e);
      const id = `app-baseline-${++w.baselineSeq}`;
      await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "app-baseline", DBSnapshotIdentifier: id })).finally(destroy);
      w.lastBakeAt = Date.now();
      return id;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Faults: the nth..(nth+times-1)th request a target picks gets the fault, during one step.

interface ProxiedRequestView {
  readonly service: string;
  readonly action: string;
  readonly path: string;
}

const inBucket = (r: ProxiedRequestView, prefix: string) => r.service === "s3" && r.action === "PutObject" && r.path.startsWith(`/${AUDIT_BUCKET}/${prefix}`);
const TARGETS = {
  "claim record write": (r: ProxiedRequestView) => inBucket(r, "claims/"),
  "reservation write": (r: ProxiedRequestView) => inBucket(r, "admissions/"),
  "lease write": (r: ProxiedRequestView) => inBucket(r, "leases/"),
  "audit record write": (r: ProxiedRequestView) => inBucket(r, "audit/"),
  "S3 listing": (r: ProxiedRequestView) => r.service === "s3" && r.action === "ListObjectsV2",
  "S3 read": (r: ProxiedRequestView) => r.service === "s3" && r.action === "GetObject",
  "RDS tag": (r: ProxiedRequestView) => r.service === "rds" && r.action === "AddTagsToResource",
  "RDS modify": (r: ProxiedRequestView) => r.service === "rds" && r.action === "ModifyDBInstance",
  "RDS delete": (r: ProxiedRequestView) => r.service === "rds" && r.action === "DeleteDBInstance",
  "RDS restore": (r: ProxiedRequestView) => r.service === "rds" && r.action === "RestoreDBInstanceFromDBSnapshot",
  "RDS describe": (r: ProxiedRequestView) => r.service === "rds" && r.action === "DescribeDBInstances",
  "any request": () => true,
} as const;
type Target = keyof typeof TARGETS;

interface Fault {
  readonly kind: FaultKind;
  readonly target: Target;
  /** The first matching request of the step that gets it (1-based). */
  readonly nth: number;
  readonly times: number;
}

const showFault = (f: Fault) => `${f.kind} on ${f.target} #${f.nth}${f.times > 1 ? `..#${f.nth + f.times - 1}` : ""}`;

async function withFault<T>(w: World, fault: Fault, body: () => Promise<T>): Promise<{ result: T; injected: number }> {
  let seen = 0;
  let injected = 0;
  const pick = TARGETS[fault.target];
  w.proxy.failWhen((r) => {
    if (!pick(r)) return undefined;
    seen += 1;
    if (seen < fault.nth || seen >= fault.nth + fault.times) return undefined;
    injected += 1;
    return fault.kind;
  });
  try {
    return { result: await body(), injected };
  } finally {
    w.proxy.failWhen(undefined);
    stats.faultySteps++;
    if (injected > 0) stats.faultyStepsHit++;
    stats.faultsInjected += injected;
  }
}

// ---------------------------------------------------------------------------------------
// The invariants, read from the emulator and the audit bucket after every step.

async function allPages<T, P>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

async function checkInvariants(m: Model, w: World): Promise<void> {
  const rt = w.direct;
  const problems: string[] = [];
  const inventory = await rt.discover();
  if (inventory.failures.length > 0) throw new Error(`the check's own discovery failed: ${JSON.stringify(inventory.failures)}`);
  const grouped = groupEnvironments(inventory, AUDIT_BUCKET);

  // 1. No claimed database deleted without a final snapshot.
  const instances: DBInstance[] = await allPages(paginateDescribeDBInstances({ client: rt.ctx.rds }, {}), (p) => p.DBInstances);
  const snapshots: DBSnapshot[] = await allPages(paginateDescribeDBSnapshots({ client: rt.ctx.rds }, {}), (p) => p.DBSnapshots);
  for (const [database, env] of m.claimed) {
    const instance = instances.find((i) => i.DBInstanceIdentifier === database);
    if (instance !== undefined && instance.DBInstanceStatus !== "deleting") continue;
    // A final snapshot is a manual one (automated backups go with the instance).
    const final = snapshots.find((s) => s.DBInstanceIdentifier === database && s.SnapshotType === "manual");
    if (final === undefined) {
      problems.push(`[1] ${database}, claimed by ${env}, is ${instance === undefined ? "gone" : "being deleted"} and no snapshot of it exists (snapshots: ${snapshots.map((s) => `${s.DBSnapshotIdentifier}<-${s.DBInstanceIdentifier}`).join(", ") || "none"})`);
    }
  }

  // 2. Every live environment has an enforced expiry (known, within the max TTL of its creation or last extension) and budget.
  for (const view of grouped.environments) {
    const life = m.lives.get(view.env);
    if (life === undefined) {
      problems.push(`[2] ${view.env} has resources (${view.resources.map((r) => r.id).join(", ")}) but no step made it live`);
      continue;
    }
    const expiry = expiryOf(
      view.resources.map((r) => r.tags),
      { maxTtl: MAX_TTL_MS },
    );
    const extendedAt = m.lastExtendAt.get(view.env);
    const bound = Math.max(Date.parse(life.createdAt) + MAX_TTL_MS, extendedAt === undefined ? -Infinity : extendedAt + MAX_TTL_MS);
    if (!expiry.known) problems.push(`[2] ${view.env}'s expiry is unknown: ${expiry.reason}`);
    else if (expiry.expiresAt.getTime() > bound) {
      problems.push(
        `[2] ${view.env} expires at ${expiry.expiresAt.toISOString()} (${expiry.source.basis}), after max(created-at ${life.createdAt}, last extension ${extendedAt === undefined ? "none" : new Date(extendedAt).toISOString()}) + max TTL ${MAX_TTL} = ${new Date(bound).toISOString()}`,
      );
    }
    const budgets = view.resources.flatMap((r) => (r.tags[TAG.budgetUsd] === undefined ? [] : [{ id: r.id, text: r.tags[TAG.budgetUsd]! }]));
    if (budgets.length === 0) problems.push(`[2] ${view.env} has no ${TAG.budgetUsd} on any resource`);
    for (const b of budgets) {
      const usd = tryParseUsd(b.text);
      if (!usd.ok || usd.value > CAPS.budgetUsd) problems.push(`[2] ${view.env}: ${b.id} has ${TAG.budgetUsd}=${b.text}, not a budget within the max $${CAPS.budgetUsd}`);
    }
  }

  // 3. Caps: live environments plus reservations still held, in total and per owner (owners trimmed, lower-cased).
  const read = await reservationRegister(rt.auditStore()).read();
  const held = heldAt(read.entry?.value, read.serverTime ?? new Date());
  const counting = new Map<string, Set<string>>();
  for (const view of grouped.environments) counting.set(view.env, new Set(ownersOf(view.resources).map(ownerKey)));
  for (const r of held) (counting.get(r.env) ?? counting.set(r.env, new Set()).get(r.env)!).add(ownerKey(r.owner));
  stats.maxLive = Math.max(stats.maxLive, counting.size);
  const describe = () => [...counting].map(([env, owners]) => `${env}{${[...owners].join(",")}}${grouped.environments.some((v) => v.env === env) ? "" : " (reserved)"}`).join(" ");
  if (counting.size > CAPS.total) problems.push(`[3] ${counting.size} environments count, over the cap of ${CAPS.total}: ${describe()}`);
  const perOwner = new Map<string, number>();
  for (const owners of counting.values()) for (const o of owners) count(perOwner, o);
  for (const [owner, n] of perOwner) if (n > CAPS.perOwner) problems.push(`[3] owner ${owner} has ${n} environments, over the per-owner cap of ${CAPS.perOwner}: ${describe()}`);

  // 4. Every audited run verifies.
  const runs = await verifyAuditIn(rt.auditStore());
  for (const run of runs.filter((r) => !r.ok)) problems.push(`[4] audit run ${run.runId} does not verify: ${run.status}${run.firstBroken ? ` at record ${run.firstBroken.seq}: ${run.firstBroken.problem}` : ""}`);

  // A life ends when its environment has no resources left (a refused claim or admit never started one).
  const live = new Set(grouped.environments.map((v) => v.env));
  for (const env of [...m.lives.keys()]) if (!live.has(env)) m.lives.delete(env);
  for (const env of [...m.lastExtendAt.keys()]) if (!live.has(env)) m.lastExtendAt.delete(env);
  if (problems.length > 0) throw new InvariantViolation(`${problems.join("\n")}\nafter the steps:\n  ${m.trace.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------
// Commands for fast-check's model runner.

type Cmd = fc.AsyncCommand<Model, World>;

abstract class Step implements Cmd {
  abstract readonly label: string;
  abstract readonly kind: string;
  check(): boolean {
    return true;
  }
  protected abstract act(m: Model, w: World): Promise<string>;
  async run(m: Model, w: World): Promise<void> {
    stats.steps++;
    count(stats.byCommand, this.kind);
    let outcome: string;
    try {
      outcome = await this.act(m, w);
    } catch (err) {
      // A skew that was not refused, or an engine call that threw instead of answering: with the steps that led there.
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new InvariantViolation(`${this.label} failed: ${message}\nafter the steps:\n  ${[...m.trace, `${this.label} → (threw)`].join("\n  ")}`);
    }
    count(stats.outcomes, `${this.kind}: ${outcome.replace(/ ephemera-pool-default-\w+| deployed [\w-]+|pr-\d|until \S+|app-baseline-\d+/g, "").slice(0, 100)}`);
    m.trace.push(`${this.label} → ${outcome}`);
    await checkInvariants(m, w);
  }
  toString(): string {
    return this.label;
  }
}

class Plain extends Step {
  readonly kind: string;
  constructor(readonly op: Op) {
    super();
    this.kind = op.t;
  }
  get label() {
    return showOp(this.op);
  }
  protected act(m: Model, w: World) {
    return runOp(this.op, DIRECT, m, w);
  }
}

class Together extends Step {
  readonly kind: string;
  constructor(readonly ops: readonly Op[]) {
    super();
    this.kind = `concurrent ${ops.map((o) => o.t).join("+")}`;
  }
  get label() {
    return `together(${this.ops.map(showOp).join(" ‖ ")})`;
  }
  protected async act(m: Model, w: World) {
    return (await Promise.all(this.ops.map((op) => runOp(op, DIRECT, m, w)))).join(" ‖ ");
  }
}

class Skewed extends Step {
  readonly kind: string;
  constructor(readonly op: Op) {
    super();
    this.kind = `skewed ${op.t}`;
  }
  get label() {
    return `skewed(+${SKEW_MS / 60_000} min: ${showOp(this.op)})`;
  }
  protected act(m: Model, w: World) {
    return runOp(this.op, { via: "direct", skewed: true }, m, w);
  }
}

class Faulty extends Step {
  readonly kind: string;
  constructor(
    readonly ops: readonly Op[],
    readonly fault: Fault,
  ) {
    super();
    this.kind = `faulty ${ops.map((o) => o.t).join("+")}`;
  }
  get label() {
    return `faulty(${showFault(this.fault)}: ${this.ops.map(showOp).join(" ‖ ")})`;
  }
  protected async act(m: Model, w: World) {
    const { result, injected } = await withFault(w, this.fault, () => Promise.all(this.ops.map((op) => runOp(op, { via: "proxy", skewed: false }, m, w))));
    return `${injected} fault(s) injected; ${result.join(" ‖ ")}`;
  }
}

const envArb = fc.constantFrom(...ENVS);
const ownerArb = fc.constantFrom(...OWNERS);
const admitArb = fc.record({ t: fc.constant("admit" as const), env: envArb, owner: ownerArb, ttl: fc.constantFrom(...TTLS), budget: fc.constantFrom(...BUDGETS) });
const claimArb = fc.record({ t: fc.constant("claim" as const), env: envArb, owner: ownerArb, ttl: fc.constantFrom(...TTLS), budget: fc.constantFrom(...BUDGETS) });
const sweepArb = fc.constant({ t: "sweep" as const });
const advanceArb = fc.record({ t: fc.constant("advance" as const), hours: fc.constantFrom(2, 7, 13, 25) });
const pickArb = fc.integer({ min: 0, max: PICK_LIVE + ENVS.length - 1 });
const releaseArb = fc.record({ t: fc.constant("release" as const), pick: pickArb });
const extendArb = fc.record({ t: fc.constant("extend" as const), pick: pickArb, hours: fc.constantFrom(4, 30) });
const bakeArb = fc.constant({ t: "bake" as const });
const singleOpArb: fc.Arbitrary<Op> = fc.oneof(admitArb, claimArb, sweepArb, advanceArb, releaseArb, extendArb);
const faultArb: fc.Arbitrary<Fault> = fc
  .record({
    kind: fc.constantFrom<FaultKind>("lost-answer", "unavailable", "reset", "throttle", "server-error"),
    target: fc.constantFrom(...(Object.keys(TARGETS) as Target[])),
    nth: fc.integer({ min: 1, max: 3 }),
    times: fc.integer({ min: 1, max: 2 }),
    anyNth: fc.integer({ min: 1, max: 80 }),
  })
  // A fault on "any request" lands anywhere in the step: the 1st to the 80th request.
  .map(({ anyNth, ...f }) => (f.target === "any request" ? { ...f, nth: anyNth } : f));

const commandArbs: fc.Arbitrary<Cmd>[] = [
  admitArb.map((op) => new Plain(op)),
  claimArb.map((op) => new Plain(op)),
  sweepArb.map((op) => new Plain(op)),
  advanceArb.map((op) => new Plain(op)),
  releaseArb.map((op) => new Plain(op)),
  extendArb.map((op) => new Plain(op)),
  bakeArb.map((op) => new Plain(op)),
  fc.tuple(claimArb, fc.oneof(sweepArb, advanceArb)).map((ops) => new Together(ops)),
  fc.tuple(claimArb, claimArb).map((ops) => new Together(ops)),
  fc.tuple(admitArb, admitArb).map((ops) => new Together(ops)),
  // Claims racing a refill: a later one may fall through to a database the refill is replacing.
  fc.tuple(claimArb, claimArb, fc.oneof(sweepArb, advanceArb)).map((ops) => new Together(ops)),
  fc.tuple(claimArb, claimArb, claimArb, sweepArb).map((ops) => new Together(ops)),
  singleOpArb.map((op) => new Skewed(op)),
  fc.tuple(singleOpArb, faultArb).map(([op, fault]) => new Faulty([op], fault)),
  fc.tuple(claimArb, sweepArb, faultArb).map(([a, b, fault]) => new Faulty([a, b], fault)),
  fc.tuple(claimArb, claimArb, sweepArb, faultArb).map(([a, b, c, fault]) => new Faulty([a, b, c], fault)),
];

/**
 * Runs tried before the random ones (fast-check's `examples`): prefixes the random walk
 * reaches too rarely to rely on. Claims take the freshest warm database and a refill
 * replaces the oldest, so a claim only meets a database being replaced when more claims
 * than fresh databases race the refill: here three claims race the sweep that replaces
 * the warm databases of the old baseline, once as they come and once with the sweep's
 * first delete throttled (so the claims get further before it).
 */
function exampleRuns(): Cmd[][] {
  const claim = (env: string, owner: string): Op => ({ t: "claim", env, owner, ttl: "6h", budget: 20 });
  const race: Op[] = [claim("pr-1", "alice@example.com"), claim("pr-2", "bob@example.com"), claim("pr-3", "carol@example.com"), { t: "sweep" }];
  const prefix = () => [new Plain({ t: "bake" }), new Plain({ t: "sweep" })];
  return [
    [...prefix(), new Together(race)],
    [...prefix(), new Faulty(race, { kind: "throttle", target: "RDS delete", nth: 1, times: 3 })],
  ];
}
const EXAMPLES = process.env.INVARIANTS_EXAMPLES === "off" ? [] : exampleRuns();

describe("issue 19: the control plane keeps its promises on every path (model-based, against the emulator)", () => {
  test(
    "admits, claims, sweeps, releases, extends, refills, time passing, concurrency, clock skew and faults: after every step no claimed database is lost, every live environment has an enforced expiry and budget, the caps hold, and the audit verifies",
    async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: "max", ...(REPLAY_PATH === undefined ? {} : { replayPath: REPLAY_PATH }) }), async (cmds) => {
          stats.runs++;
          const world = await seedWorld();
          await fc.asyncModelRun(() => ({ model: { offsetMs: 0, lives: new Map(), lastExtendAt: new Map(), claimed: new Map(), trace: [] } satisfies Model, real: world }), cmds);
        }),
        { seed: SEED, numRuns: NUM_RUNS, examples: EXAMPLES.map((cmds) => [cmds] as [Iterable<Cmd>]), ...(PATH === undefined ? {} : { path: PATH }), interruptAfterTimeLimit: 25 * 60_000, markInterruptAsFailure: true },
      );
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(
        [
          `invariants: seed ${SEED}, ${stats.runs} runs, ${stats.steps} steps (max ${MAX_COMMANDS} commands a run) in ${seconds} s; ` +
            `${stats.faultsInjected} faults injected in ${stats.faultyStepsHit} of ${stats.faultySteps} faulty steps, ${stats.skewRefusals} skewed steps refused, ${stats.capRefusals} cap refusals, ${stats.claimedDatabases} databases claimed, at most ${stats.maxLive} environments counting at once`,
          `steps by command: ${[...stats.byCommand].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`,
          `engine calls by operation: ${[...stats.ops].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`,
          `outcomes:\n  ${[...stats.outcomes].sort().map(([k, n]) => `${n}× ${k}`).join("\n  ")}`,
        ].join("\n"),
      );
    },
    30 * 60_000,
  );

  test("it explored what CI is told it explores: every run, and steps of every kind", () => {
    expect(stats.runs).toBe(NUM_RUNS);
    expect(stats.steps).toBeGreaterThanOrEqual(NUM_RUNS * 3);
    for (const op of ["admit", "claim", "sweep", "advance", "release", "extend"]) expect(stats.ops.get(op) ?? 0).toBeGreaterThan(0);
    for (const kind of ["concurrent claim+sweep", "concurrent claim+claim", "concurrent admit+admit"]) expect(stats.byCommand.get(kind) ?? 0).toBeGreaterThan(0);
    expect(stats.skewRefusals).toBeGreaterThan(0);
    expect(stats.faultsInjected).toBeGreaterThan(0);
  });
});
