/**
 * The reaper against an account of 1,000 managed environments (about 4,000 resources) and
 * 500 look-alikes it must leave alone, on the local emulator (moto). Every AWS request the
 * reaper makes goes through harness/fault-proxy.ts with no faults, which counts them by
 * service and action. Three operations run in turn, each in a fresh child process (so
 * each peak RSS is that operation's own): `ephemera ls`, `ephemera reap --dry-run` and an
 * acting `ephemera reap`. Beside them, in the same run: each kind's listing alone (for
 * the discovery cost per kind) and a naive baseline that reads every resource once.
 *
 *   npm run bench:reaper                 # 1,000 environments, 500 look-alikes
 *   npm run bench:reaper -- 100 50       # a quick run
 *
 * Exits 1 when the acting sweep touched a look-alike, left an expired environment
 * (partly) standing, or an operation failed. A discovery bound that is exceeded is
 * reported, not fatal. The machines are noisy: compare ratios measured in one run.
 */
import { spawn } from "node:child_process";
import * as os from "node:os";
import { type Emulator, EMULATOR_CREDENTIALS, startEmulator } from "../harness/emulator";
import { type FaultProxy, startFaultProxy } from "../harness/fault-proxy";
import { seedAuditBucket, seedTopic } from "../harness/seed-environments";
import { runCli } from "../reaper/cli/run-cli";
import { ALL_KIND_ADAPTERS } from "../reaper/kinds";
import type { KindName } from "../reaper/contracts/kind-adapter";
import { ReaperRuntime } from "../reaper/runtime/reaper-runtime";
import { readSettings } from "../reaper/config/read-settings";
import { NAIVE_CALL, NAIVE_CONCURRENCY, naiveDiscovery } from "./naive-discovery";
import { checkAfterReap, countByKind, FLEET_AUDIT_BUCKET, FLEET_KINDS, type FleetKind, fleetPlan, fleetSettings, fleetTags, readAccount, resourcesOf, seedFleet } from "./reaper-fleet";

const SEED_CONCURRENCY = 12;
const MiB = 1024 * 1024;

/**
 * Requests a kind's discovery makes once per resource to read its tags, because the
 * service lists without them (or without a tag filter): counted apart from the listing.
 */
const TAG_READS: Partial<Record<KindName, readonly string[]>> = {
  budget: ["budgets:ListTagsForResource"],
  "scheduler-group": ["scheduler:ListTagsForResource"],
  "scheduler-schedule": ["scheduler:ListTagsForResource"],
  "db-subnet-group": ["rds:ListTagsForResource"],
  "iam-role": ["iam:ListRoleTags"],
  "eks-nodegroup": ["eks:DescribeNodegroup"],
};

type Operation = "ls" | "admit" | "dry-run" | "naive" | "reap";

const OPERATIONS: readonly { op: Operation; label: string; argv?: readonly string[] }[] = [
  { op: "ls", label: "`ephemera ls --json`", argv: ["ls", "--json"] },
  // The gate before a deploy: the same discovery as ls, then the admission register and one audited run.
  { op: "admit", label: "`ephemera admit --json` (a new environment)", argv: ["admit", "bench-new", "--owner", "bench@example.com", "--json"] },
  { op: "dry-run", label: "`ephemera reap --dry-run --json`", argv: ["reap", "--dry-run", "--json"] },
  { op: "naive", label: "naive: one read per resource" },
  { op: "reap", label: "`ephemera reap --json` (acting)", argv: ["reap", "--json"] },
];

/** What a child reports on its last line of stdout. */
interface ChildReport {
  readonly op: Operation;
  readonly exitCode: number;
  /** The operation itself, after start-up and module load. */
  readonly wallMs: number;
  /** Node's start-up and loading the modules. */
  readonly loadMs: number;
  /** process.resourceUsage().maxRSS, in MiB. */
  readonly peakRssMiB: number;
  readonly summary: string;
}

interface Measured extends ChildReport {
  readonly label: string;
  readonly counts: Map<string, number>;
  readonly requests: number;
}

// ---------------------------------------------------------------- child mode

/** Runs one operation in this (fresh) process and prints one JSON line. */
async function child(op: Operation, envs: number, lookAlikes: number): Promise<void> {
  const loadMs = performance.now();
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTTY: false };
  const started = performance.now();
  let exitCode: number;
  let summary: string;
  if (op === "naive") {
    const resources = fleetPlan(envs, lookAlikes).flatMap(resourcesOf);
    const { read, failed } = await naiveDiscovery(
      { endpoint: process.env.AWS_ENDPOINT_URL!, region: process.env.AWS_REGION!, accountId: process.env.EPHEMERA_ALLOWED_ACCOUNTS!, credentials: EMULATOR_CREDENTIALS },
      resources,
    );
    exitCode = failed === 0 ? 0 : 1;
    summary = `${read} resources read, ${failed} failed`;
  } else {
    const argv = OPERATIONS.find((o) => o.op === op)!.argv!;
    exitCode = await runCli(argv, io, { runtime: { credentials: EMULATOR_CREDENTIALS } });
    summary = summarize(op, out.join("\n"), err);
  }
  const wallMs = performance.now() - started;
  const report: ChildReport = { op, exitCode, wallMs, loadMs, peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB, summary };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

interface ReapJson {
  ok?: boolean;
  error?: string;
  plan?: { environments?: { intent: string }[]; deferred?: unknown[] } | null;
  actions?: { outcome: string }[];
}

function summarize(op: Operation, stdout: string, stderr: string[]): string {
  const tally = (items: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "none";
  };
  try {
    if (op === "admit") {
      const admission = JSON.parse(stdout) as { status?: string; basis?: string; reason?: string };
      return `${admission.status ?? "?"}${admission.basis === undefined ? "" : ` (${admission.basis})`}: ${(admission.reason ?? "").slice(0, 120)}`;
    }
    if (op === "ls") {
      const listing = JSON.parse(stdout) as { environments?: unknown[] };
      return `${listing.environments?.length ?? 0} environments listed${stderr.length > 0 ? `; ${stderr.join(" ").slice(0, 200)}` : ""}`;
    }
    const reap = JSON.parse(stdout) as ReapJson;
    const plan = reap.plan ?? undefined;
    const planned = `planned: ${tally((plan?.environments ?? []).map((e) => e.intent))} (${plan?.deferred?.length ?? 0} deferred)`;
    const acted = op === "reap" ? `; actions: ${tally((reap.actions ?? []).map((a) => a.outcome))}` : "";
    return `${planned}${acted}${reap.error === undefined ? "" : `; error: ${reap.error.slice(0, 200)}`}`;
  } catch {
    return `no JSON on stdout; stderr: ${stderr.join(" ").slice(0, 300)}`;
  }
}

// ---------------------------------------------------------------- parent mode

const benchStart = performance.now();
const say = (text: string) => console.log(`[${((performance.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${text}`);

function runChild(op: Operation, env: Record<string, string>, envs: number, lookAlikes: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    // Not spawnSync: the proxy in this process must keep answering while the child runs.
    const proc = spawn(process.execPath, [__filename, "--child", op, String(envs), String(lookAlikes)], { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    proc.stdout.on("data", (c: Buffer) => stdout.push(c));
    proc.stderr.on("data", (c: Buffer) => stderr.push(c));
    proc.once("error", reject);
    proc.once("close", (code) => {
      const last = Buffer.concat(stdout).toString("utf8").trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last) as ChildReport);
      } catch {
        reject(new Error(`the ${op} child exited ${code} without a report:\n${Buffer.concat(stderr).toString("utf8").slice(-4000)}`));
      }
    });
  });
}

interface KindCost {
  readonly kind: KindName;
  readonly found: number;
  readonly failures: number;
  readonly counts: Map<string, number>;
  readonly ms: number;
}

/**
 * Kinds whose listing shares a read with another kind's in a discovery pass
 * (KindContext.oncePerDiscovery): each is measured in a pass where that kind listed first,
 * so the shared read is counted once, under the kind it belongs to.
 */
const SHARES_READ_OF: Partial<Record<KindName, KindName>> = { "scheduler-schedule": "scheduler-group" };

/** Each kind's listing alone, through the proxy, with a runtime of its own (so each pays its own STS lookup). */
async function discoveryByKind(proxy: FaultProxy, env: Record<string, string>): Promise<KindCost[]> {
  const costs: KindCost[] = [];
  for (const adapter of ALL_KIND_ADAPTERS) {
    const runtime = new ReaperRuntime(readSettings(env), { credentials: EMULATOR_CREDENTIALS });
    const sharer = ALL_KIND_ADAPTERS.find((a) => a.kind === SHARES_READ_OF[adapter.kind]);
    try {
      const { inventory, since, started } = await runtime.ctx.discoveryPassOf(async () => {
        if (sharer !== undefined) await sharer.list(runtime.ctx);
        const at = { since: proxy.requests.length, started: performance.now() };
        return { ...at, inventory: await adapter.list(runtime.ctx) };
      });
      costs.push({ kind: adapter.kind, found: inventory.resources.length, failures: inventory.failures.length, counts: proxy.countByAction(since), ms: performance.now() - started });
    } finally {
      await runtime.destroy();
    }
  }
  return costs;
}

const sum = (counts: ReadonlyMap<string, number>, keep: (key: string) => boolean = () => true) => [...counts].reduce((n, [k, v]) => (keep(k) ? n + v : n), 0);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const secs = (ms: number) => `${fmt(ms / 1000, 1)} s`;

function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (right[i] ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

async function main(envs: number, lookAlikes: number): Promise<number> {
  const fleet = planFleet(envs, lookAlikes);
  console.log(
    `Reaper at scale: ${fmt(envs)} managed environments (${fmt(fleet.managedTotal)} resources) and ${fmt(lookAlikes)} look-alikes (${fmt(fleet.othersTotal)} resources); node ${process.version}, ${os.cpus().length} CPUs\n`,
  );

  let e: Emulator | undefined;
  let proxy: FaultProxy | undefined;
  try {
    say("starting the emulator");
    e = await startEmulator();
    await seedAuditBucket(e, FLEET_AUDIT_BUCKET);
    const topic = await seedTopic(e, "ephemera-owners");
    const seeding = await seedAccount(e, fleet);

    proxy = await startFaultProxy({ target: e.endpoint, seed: 1, rates: {} });
    // Room for one more: admit's cost is measured on an admission, not a refusal.
    const env = fleetSettings(e, proxy.url, topic, envs, envs + 10);

    say("each kind's listing alone, for the discovery cost per kind");
    const kindCosts = await discoveryByKind(proxy, env);
    const measured = await measureOperations(proxy, env, envs, lookAlikes);

    say("reading the account back from the emulator");
    const after = checkAfterReap(fleet.plan, seeding.seededTags, await readAccount(e));
    const totalMs = performance.now() - benchStart;

    const failedOps = measured.filter((m) => m.exitCode !== 0);
    console.log(reportLines({ fleet, seeding, kindCosts, measured, after, failedOps, totalMs }).join("\n"));
    return after.problems.length > 0 || failedOps.length > 0 ? 1 : 0;
  } finally {
    await proxy?.stop();
    await e?.stop();
  }
}

type FleetPlan = ReturnType<typeof fleetPlan>;
type KindCounts = ReturnType<typeof countByKind>;

/** The environments to seed, managed and look-alike, and their resources by kind. */
interface Fleet {
  readonly plan: FleetPlan;
  readonly managed: FleetPlan;
  readonly others: FleetPlan;
  readonly managedByKind: KindCounts;
  readonly othersByKind: KindCounts;
  readonly managedTotal: number;
  readonly othersTotal: number;
}

function planFleet(envs: number, lookAlikes: number): Fleet {
  const plan = fleetPlan(envs, lookAlikes);
  const managed = plan.filter((e) => !e.lookAlike);
  const others = plan.filter((e) => e.lookAlike);
  const managedByKind = countByKind(managed);
  const othersByKind = countByKind(others);
  const managedTotal = sum(new Map(Object.entries(managedByKind)));
  const othersTotal = sum(new Map(Object.entries(othersByKind)));
  return { plan, managed, others, managedByKind, othersByKind, managedTotal, othersTotal };
}

interface Seeding {
  readonly requests: number;
  readonly ms: number;
  /** Each environment's tags as seeded, to check the account against after the sweep. */
  readonly seededTags: Map<string, Record<string, string>>;
}

/** Seeds the whole fleet into the emulator, SEED_CONCURRENCY environments at a time, reporting progress. */
async function seedAccount(e: Emulator, fleet: Fleet): Promise<Seeding> {
  const { plan } = fleet;
  const now = new Date();
  say(`seeding ${fmt(plan.length)} environments, ${SEED_CONCURRENCY} at a time`);
  const seedStart = performance.now();
  const seedRequests = await seedFleet(e, plan, now, SEED_CONCURRENCY, (done) => {
    if (done % 250 === 0) say(`  seeded ${fmt(done)} / ${fmt(plan.length)}`);
  });
  const seedMs = performance.now() - seedStart;
  say(`seeded ${fmt(fleet.managedTotal + fleet.othersTotal)} resources in ${secs(seedMs)} (${fmt(seedRequests)} requests, ${fmt(seedRequests / (seedMs / 1000))} per second)`);
  return { requests: seedRequests, ms: seedMs, seededTags: new Map(plan.map((fe) => [fe.env, fleetTags(fe, now)])) };
}


/** Each operation in turn, in a fresh process, with the requests it made through the proxy. */
async function measureOperations(proxy: FaultProxy, env: Record<string, string>, envs: number, lookAlikes: number): Promise<Measured[]> {
  const measured: Measured[] = [];
  for (const { op, label } of OPERATIONS) {
    say(`running ${label} in a fresh process`);
    const since = proxy.requests.length;
    const report = await runChild(op, env, envs, lookAlikes);
    const counts = proxy.countByAction(since);
    measured.push({ ...report, label, counts, requests: sum(counts) });
    say(`  exit ${report.exitCode}, ${secs(report.wallMs)}, ${fmt(report.peakRssMiB)} MiB, ${fmt(sum(counts))} requests: ${report.summary}`);
  }
  return measured;
}

/** Everything the report is made from. */
interface Results {
  readonly fleet: Fleet;
  readonly seeding: Seeding;
  readonly kindCosts: readonly KindCost[];
  readonly measured: readonly Measured[];
  readonly after: ReturnType<typeof checkAfterReap>;
  readonly failedOps: readonly Measured[];
  readonly totalMs: number;
}

// ---------------------------------------------------------------- report

/** The report's lines, section by section. */
function reportLines(results: Results): string[] {
  const discovery = discoveryCostSection(results.fleet, results.kindCosts);
  return [
    "",
    ...fleetSection(results.fleet, results.seeding),
    ...operationsSection(results.measured),
    ...requestsSection(results.measured),
    ...discovery.lines,
    ...naiveComparisonSection(results.kindCosts, results.measured),
    ...outcomeSection(results, discovery.overBound),
  ];
}

/** How long seeding took, and the fleet by kind. */
function fleetSection({ plan, managed, managedByKind, othersByKind, managedTotal, othersTotal }: Fleet, seeding: Seeding): string[] {
  return [
    `Seeding: ${fmt(plan.length)} environments, ${fmt(managedTotal + othersTotal)} resources, ${fmt(seeding.requests)} requests in ${secs(seeding.ms)} (${SEED_CONCURRENCY} environments at a time).`,
    "",
    table(
      ["kind", "managed", "of which expired", "look-alike"],
      FLEET_KINDS.map((k) => [k, fmt(managedByKind[k]), fmt(countByKind(managed.filter((m) => m.fate === "expired"))[k]), fmt(othersByKind[k])]),
      [false, true, true, true],
    ),
    "",
  ];
}

function operationsSection(measured: readonly Measured[]): string[] {
  return [
    "Operations, each in a fresh process (wall time of the operation after module load; peak RSS of the process):",
    "",
    table(
      ["operation", "wall time", "start-up + load", "peak RSS", "requests", "exit", "outcome"],
      measured.map((m) => [m.label, secs(m.wallMs), secs(m.loadMs), `${fmt(m.peakRssMiB)} MiB`, fmt(m.requests), String(m.exitCode), m.summary]),
      [false, true, true, true, true, true, false],
    ),
    "",
  ];
}

function requestsSection(measured: readonly Measured[]): string[] {
  const keys = [...new Set(measured.flatMap((m) => [...m.counts.keys()]))].sort();
  return [
    "Requests by service and action:",
    "",
    table(
      ["service:action", ...measured.map((m) => m.op)],
      [...keys.map((k) => [k, ...measured.map((m) => fmt(m.counts.get(k) ?? 0))]), ["**total**", ...measured.map((m) => `**${fmt(m.requests)}**`)]],
      [false, ...measured.map(() => true)],
    ),
    "",
  ];
}

/** Each kind's listing against its bound; `overBound` names the kinds over it. */
function discoveryCostSection(fleet: Fleet, kindCosts: readonly KindCost[]): { lines: string[]; overBound: string[] } {
  const overBound: string[] = [];
  const rows = kindCosts.map((c) => discoveryCostRow(fleet, c, overBound));
  const lines = [
    `Discovery cost per kind (each kind's listing alone; bound = ceil(resources of the kind in the account / 100) + 2; ${Object.entries(SHARES_READ_OF)
      .map(([kind, of]) => `${kind} after ${of} in one discovery pass, whose managed-group read it shares`)
      .join("; ")}):`,
    "",
    table(
      ["kind", "in account", "found (managed)", "listing requests", "bound", "listing", "per-resource tag reads", "time"],
      rows,
      [false, true, true, true, true, false, true, true],
    ),
    "",
  ];
  return { lines, overBound };
}

/** One kind's row of the discovery table; a kind over its bound is also added to `overBound`. */
function discoveryCostRow({ managedByKind, othersByKind }: Fleet, c: KindCost, overBound: string[]): string[] {
  const inAccount = (kind: KindName) => (FLEET_KINDS as readonly string[]).includes(kind) ? managedByKind[kind as FleetKind] + othersByKind[kind as FleetKind] : 0;
  const expectedFound = (kind: KindName) => ((FLEET_KINDS as readonly string[]).includes(kind) ? managedByKind[kind as FleetKind] : 0);
  const tagReads = new Set(TAG_READS[c.kind] ?? []);
  const reads = sum(c.counts, (k) => tagReads.has(k));
  const listing = sum(c.counts) - reads;
  const bound = Math.ceil(inAccount(c.kind) / 100) + 2;
  const pass = listing <= bound;
  const listingCalls = [...c.counts].filter(([k]) => !tagReads.has(k)).map(([k, n]) => `${k} ${fmt(n)}`).join(", ");
  if (!pass) overBound.push(`${c.kind}: ${fmt(listing)} listing requests, bound ${bound} (${listingCalls})`);
  const found = c.found === expectedFound(c.kind) ? fmt(c.found) : `${fmt(c.found)} (expected ${fmt(expectedFound(c.kind))})`;
  return [
    c.kind,
    fmt(inAccount(c.kind)),
    `${found}${c.failures > 0 ? `, ${c.failures} failed` : ""}`,
    listingCalls === "" ? "0" : `${fmt(listing)} (${listingCalls})`,
    String(bound),
    pass ? "pass" : "**FAIL**",
    reads === 0 ? "" : `${fmt(reads)} (${[...tagReads].join(", ")})`,
    secs(c.ms),
  ];
}

/** The kinds' listings summed against `ephemera ls`, and `ephemera ls` against the naive baseline. */
function naiveComparisonSection(kindCosts: readonly KindCost[], measured: readonly Measured[]): string[] {
  const kindSum = sum(new Map(kindCosts.map((c) => [c.kind, sum(c.counts)])));
  const ls = measured.find((m) => m.op === "ls")!;
  const naive = measured.find((m) => m.op === "naive")!;
  const naiveCalls = [...new Set(Object.values(NAIVE_CALL))].join(", ");
  return [
    `The kinds alone: ${fmt(kindSum)} requests; \`ephemera ls\`: ${fmt(ls.requests)} (the same listings, 4 kinds at a time).`,
    "",
    `Reaper discovery vs a naive one read per resource (${naiveCalls}; ${NAIVE_CONCURRENCY} in flight; look-alikes included, names known, no listing):`,
    "",
    table(
      ["", "reaper (`ephemera ls`)", "naive", "reaper : naive"],
      [
        ["requests", fmt(ls.requests), fmt(naive.requests), fmt(ls.requests / naive.requests, 2)],
        ["wall time", secs(ls.wallMs), secs(naive.wallMs), fmt(ls.wallMs / naive.wallMs, 2)],
        ["peak RSS", `${fmt(ls.peakRssMiB)} MiB`, `${fmt(naive.peakRssMiB)} MiB`, fmt(ls.peakRssMiB / naive.peakRssMiB, 2)],
      ],
      [false, true, true, true],
    ),
    "",
  ];
}

/** What the acting sweep left, every problem, and the total time. */
function outcomeSection({ fleet, after, failedOps, totalMs }: Results, overBound: readonly string[]): string[] {
  const expired = fleet.managed.filter((m) => m.fate === "expired").length;
  const out = [
    `After the acting sweep: ${fmt(after.expiredGone)} of ${fmt(expired)} expired environments fully deleted; ${fmt(after.lookAlikesIntact)} of ${fmt(fleet.others.length)} look-alikes intact.`,
  ];
  for (const p of after.problems.slice(0, 20)) out.push(`  PROBLEM: ${p}`);
  if (after.problems.length > 20) out.push(`  … and ${after.problems.length - 20} more`);
  for (const o of overBound) out.push(`  OVER THE DISCOVERY BOUND: ${o}`);
  for (const m of failedOps) out.push(`  OPERATION FAILED: ${m.label} exited ${m.exitCode}: ${m.summary}`);
  out.push("", `Total bench time: ${secs(totalMs)}.`);
  return out;
}

// The AWS SDK's eight-line notice that its 2027 releases need Node.js 22 (reaper/cli/bin.ts says it in one): not a result.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (!String(warning).startsWith("NodeVersionSupportWarning:")) (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const args = process.argv.slice(2);
if (args[0] === "--child") {
  child(args[1] as Operation, Number(args[2]), Number(args[3])).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
} else {
  const envs = Number(args[0] ?? 1000);
  const lookAlikes = Number(args[1] ?? 500);
  if (!Number.isInteger(envs) || envs < 10 || !Number.isInteger(lookAlikes) || lookAlikes < 0) {
    console.error("usage: bench:reaper [environments >= 10] [look-alikes >= 0]");
    process.exit(2);
  }
  main(envs, lookAlikes).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
