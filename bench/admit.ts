/**
 * `ephemera admit` at 1,000 managed environments and 500 look-alikes (bench:reaper's account,
 * bench/reaper-fleet.ts) on the local emulator (moto), counted from
 * the live-environment index (the default) against a full discovery
 * (EPHEMERA_ADMISSION_INDEX_MAX_AGE=0), interleaved so the machine's noise hits both alike;
 * then a burst of concurrent admits against a cap with exactly 50 places free. Every AWS
 * request goes through harness/fault-proxy.ts with no faults, which counts them, as in
 * bench/reaper-at-scale.ts. The admits run in this process (`admitEnvironment`), each with
 * a runtime of its own, as each `ephemera admit` process has (its own STS lookup).
 *
 *   npm run bench:admit                  # 1,000 environments, 500 look-alikes, 20 admits each way, a burst of 100
 *   npm run bench:admit -- 100 50 5      # a quick run: environments, look-alikes, admits each way (, burst size)
 *
 * Exits 1 when a target is missed (≤ 10 requests per indexed admit, latency ≥ 20× lower),
 * an admit was not counted the way asked, or the burst did not admit exactly its free places.
 */
import * as os from "node:os";
import { type Emulator, EMULATOR_CREDENTIALS, startEmulator } from "../harness/emulator";
import { type FaultProxy, startFaultProxy } from "../harness/fault-proxy";
import { seedAuditBucket, seedTopic } from "../harness/seed-environments";
import { admitEnvironment, type AdmitResult } from "../reaper/admission/admit-environment";
import { heldAt, reservationRegister } from "../reaper/admission/reservations";
import { runCli } from "../reaper/cli/run-cli";
import { readSettings } from "../reaper/config/read-settings";
import { ReaperRuntime } from "../reaper/runtime/reaper-runtime";
import { percentile } from "./percentile";
import { FLEET_AUDIT_BUCKET, fleetPlan, fleetSettings, seedFleet } from "./reaper-fleet";

const SEED_CONCURRENCY = 12;
const BY = "arn:aws:iam::123456789012:user/bench-admit";
const TTL_MS = 4 * 3_600_000;
const TARGET_REQUESTS = 10;
const TARGET_SPEEDUP = 20;

type Env = Record<string, string>;

const benchStart = performance.now();
const say = (text: string) => console.log(`[${((performance.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${text}`);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => `${fmt(n, n < 100 ? 1 : 0)} ms`;

function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map((_, i) => (right[i] ? "---:" : "---")).join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** One admit, measured: its result, its wall time, and the requests it sent through the proxy (exact only when nothing else runs). */
interface Admitted {
  readonly result: AdmitResult;
  readonly wallMs: number;
  readonly requests: number;
}

/** One admit with a runtime of its own, as an `ephemera admit` process has. */
async function admitOnce(env: Env, proxy: FaultProxy, envId: string, owner: string): Promise<Admitted> {
  const since = proxy.requests.length;
  const started = performance.now();
  const runtime = new ReaperRuntime(readSettings(env), { credentials: EMULATOR_CREDENTIALS });
  try {
    const result = await admitEnvironment(runtime, { env: envId, owner, ttlMs: TTL_MS, by: BY });
    return { result, wallMs: performance.now() - started, requests: proxy.requests.length - since };
  } finally {
    await runtime.destroy();
  }
}

/** One full acting sweep (`ephemera reap --json`), through the proxy, so the live-environment index is written. */
async function sweep(env: Env): Promise<void> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["reap", "--json"], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false }, { env, runtime: { credentials: EMULATOR_CREDENTIALS } });
  if (code !== 0) throw new Error(`the sweep exited ${code}: ${err.join(" ").slice(0, 500)} ${out.join("\n").slice(0, 500)}`);
}


interface Side {
  readonly label: string;
  readonly expect: "index" | "discovery";
  readonly env: Env;
  readonly runs: Admitted[];
}

/** `rounds` admits each way, alternating which goes first, each a new environment of a new owner. */
async function latencyRounds(proxy: FaultProxy, sides: readonly Side[], rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const id = `lat-${side.expect.slice(0, 3)}-${String(i + 1).padStart(3, "0")}`;
      side.runs.push(await admitOnce(side.env, proxy, id, `${id}@example.com`));
    }
    if ((i + 1) % 5 === 0) say(`  ${i + 1} / ${rounds} rounds`);
  }
}

/** Problems with a side's admits: not admitted, or not counted from where it was asked to count. */
function sideProblems(side: Side): string[] {
  return side.runs.flatMap((r) => {
    const out: string[] = [];
    if (r.result.status !== "admitted") out.push(`${side.label}: ${r.result.env} ${r.result.status} (${r.result.limit}): ${r.result.reason}`);
    if (r.result.countedFrom?.source !== side.expect) out.push(`${side.label}: ${r.result.env} counted from ${r.result.countedFrom?.source ?? "nothing"}, not ${side.expect}`);
    return out;
  });
}

interface Burst {
  readonly size: number;
  readonly free: number;
  readonly cap: number;
  readonly results: readonly AdmitResult[];
  readonly wallMs: number;
  readonly requests: number;
  /** The burst's environments the reservations register holds afterwards. */
  readonly registered: readonly string[];
  readonly heldBefore: number;
  readonly heldAfter: number;
}

/** `size` admits at once, each a new environment of a new owner, with the cap set so exactly `free` places are free. */
async function burst(env: Env, proxy: FaultProxy, size: number, free: number, counted: number): Promise<Burst> {
  const cap = counted + free;
  const burstEnv = { ...env, EPHEMERA_MAX_ENVIRONMENTS: String(cap) };
  const heldBefore = (await readHeld(burstEnv)).length;
  const since = proxy.requests.length;
  const started = performance.now();
  const ids = Array.from({ length: size }, (_, i) => `burst-${String(i + 1).padStart(3, "0")}`);
  const settled = await Promise.allSettled(ids.map((id) => admitOnce(burstEnv, proxy, id, `${id}@example.com`)));
  const wallMs = performance.now() - started;
  const requests = proxy.requests.length - since;
  const results = settled.map((s, i): AdmitResult => (s.status === "fulfilled" ? s.value.result : { env: ids[i]!, owner: "", status: "refused", ok: false, reason: `threw: ${String(s.reason)}` }));
  const held = await readHeld(burstEnv);
  const registered = held.filter((r) => r.env.startsWith("burst-")).map((r) => r.env);
  return { size, free, cap, results, wallMs, requests, registered, heldBefore, heldAfter: held.length };
}

/** The reservations still holding, read back from `admissions/`. */
async function readHeld(env: Env) {
  const runtime = new ReaperRuntime(readSettings(env), { credentials: EMULATOR_CREDENTIALS });
  try {
    const read = await reservationRegister(runtime.auditStore()).read();
    return heldAt(read.entry?.value, read.serverTime ?? new Date());
  } finally {
    await runtime.destroy();
  }
}

interface Results {
  readonly envs: number;
  readonly lookAlikes: number;
  readonly live: number;
  readonly seedMs: number;
  readonly sweepMs: number;
  readonly sides: readonly Side[];
  readonly burst: Burst;
}

async function main(envs: number, lookAlikes: number, rounds: number, burstSize: number): Promise<number> {
  console.log(`Admission at scale: ${fmt(envs)} managed environments and ${fmt(lookAlikes)} look-alikes (bench:reaper's account), ${rounds} admits each way, a burst of ${burstSize}; node ${process.version}, ${os.cpus().length} CPUs\n`);
  let e: Emulator | undefined;
  let proxy: FaultProxy | undefined;
  try {
    say("starting the emulator");
    e = await startEmulator();
    await seedAuditBucket(e, FLEET_AUDIT_BUCKET);
    const topic = await seedTopic(e, "ephemera-owners");
    say(`seeding ${fmt(envs + lookAlikes)} environments, ${SEED_CONCURRENCY} at a time`);
    let started = performance.now();
    await seedFleet(e, fleetPlan(envs, lookAlikes), new Date(), SEED_CONCURRENCY, (done) => done % 250 === 0 && say(`  seeded ${fmt(done)} / ${fmt(envs + lookAlikes)}`));
    const seedMs = performance.now() - started;
    proxy = await startFaultProxy({ target: e.endpoint, seed: 1, rates: {} });
    // Room for every admit of the latency rounds: they measure admissions, not refusals.
    const env = fleetSettings(e, proxy.url, topic, envs, envs * 2 + 1000);
    say("one full acting sweep (`ephemera reap --json`), which writes the live-environment index");
    started = performance.now();
    await sweep(env);
    const sweepMs = performance.now() - started;
    const sides: Side[] = [
      { label: "indexed (default)", expect: "index", env, runs: [] },
      { label: "discovery (EPHEMERA_ADMISSION_INDEX_MAX_AGE=0)", expect: "discovery", env: { ...env, EPHEMERA_ADMISSION_INDEX_MAX_AGE: "0" }, runs: [] },
    ];
    say(`${rounds} admits each way, interleaved`);
    await latencyRounds(proxy, sides, rounds);
    const last = sides[0]!.runs.at(-1)!.result;
    say("a fresh sweep, so the burst counts from an index as fresh as the first rounds'");
    await sweep(env);
    // The index of a sweep holds what its discovery found, the environments it then reaped too; the next one's does not.
    // Admitting the last environment again (already reserved: nothing new is written) counts everything now, less itself.
    const probe = await admitOnce(env, proxy, last.env, last.owner);
    const counted = (probe.result.counts?.environments ?? 0) + 1;
    say(`a burst of ${burstSize} admits at once, the cap at ${fmt(counted)} counting + 50`);
    const b = await burst(env, proxy, burstSize, 50, counted);
    const live = counted - sides.reduce((n, s) => n + s.runs.length, 0);
    const { lines, problems } = report({ envs, lookAlikes, live, seedMs, sweepMs, sides, burst: b });
    console.log(lines.join("\n"));
    for (const p of problems) console.log(`  FAIL: ${p}`);
    console.log(`\nTotal bench time: ${fmt((performance.now() - benchStart) / 1000, 1)} s.`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    await proxy?.stop();
    await e?.stop();
  }
}

const tally = (items: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "none";
};

const stats = (side: Side) => {
  const reqs = side.runs.map((r) => r.requests);
  const walls = side.runs.map((r) => r.wallMs);
  return { p50: percentile(walls, 50), p95: percentile(walls, 95), reqMean: reqs.reduce((a, b) => a + b, 0) / reqs.length, reqMax: Math.max(...reqs) };
};

/** The report's lines and every missed target or failed check. */
function report(r: Results): { lines: string[]; problems: string[] } {
  const [indexed, discovery] = r.sides.map(stats) as [ReturnType<typeof stats>, ReturnType<typeof stats>];
  const reqRatio = discovery.reqMean / indexed.reqMean;
  const p50Ratio = discovery.p50 / indexed.p50;
  const p95Ratio = discovery.p95 / indexed.p95;
  const problems = r.sides.flatMap(sideProblems);
  if (indexed.reqMax > TARGET_REQUESTS) problems.push(`an indexed admit sent ${indexed.reqMax} requests, over the target of ${TARGET_REQUESTS}`);
  if (p50Ratio < TARGET_SPEEDUP) problems.push(`indexed p50 only ${fmt(p50Ratio, 1)}× lower than discovery's, under the target of ${TARGET_SPEEDUP}×`);
  problems.push(...burstProblems(r.burst));
  const lines = [
    "",
    `Account: ${fmt(r.envs)} managed environments and ${fmt(r.lookAlikes)} look-alikes seeded in ${fmt(r.seedMs / 1000, 1)} s (every tenth expired); one acting sweep took ${fmt(r.sweepMs / 1000, 1)} s; a second sweep's index, which the burst counts from, holds ${fmt(r.live)} live environments (the first's also held those it then reaped).`,
    "",
    `Admits, ${r.sides[0]!.runs.length} each way, interleaved (each a new environment of a new owner, a runtime of its own; wall time includes the STS lookup and the audit write):`,
    "",
    table(
      ["", ...r.sides.map((s) => s.label), "discovery : indexed"],
      [
        ["requests per admit (mean)", fmt(indexed.reqMean, 1), fmt(discovery.reqMean, 1), `${fmt(reqRatio, 1)}×`],
        ["requests per admit (max)", fmt(indexed.reqMax), fmt(discovery.reqMax), ""],
        ["latency p50", ms(indexed.p50), ms(discovery.p50), `${fmt(p50Ratio, 1)}×`],
        ["latency p95", ms(indexed.p95), ms(discovery.p95), `${fmt(p95Ratio, 1)}×`],
        ["counted from", tally(r.sides[0]!.runs.map((x) => x.result.countedFrom?.source ?? "-")), tally(r.sides[1]!.runs.map((x) => x.result.countedFrom?.source ?? "-")), ""],
      ],
      [false, true, true, true],
    ),
    "",
    `Targets: ≤ ${TARGET_REQUESTS} requests per indexed admit (${indexed.reqMax <= TARGET_REQUESTS ? "pass" : "**FAIL**"}); latency ≥ ${TARGET_SPEEDUP}× lower at p50 (${p50Ratio >= TARGET_SPEEDUP ? "pass" : "**FAIL**"}).`,
    "",
    ...burstLines(r.burst),
  ];
  return { lines, problems };
}

function burstLines(b: Burst): string[] {
  const admitted = b.results.filter((x) => x.status === "admitted");
  const refused = b.results.filter((x) => x.status !== "admitted");
  const answered = b.results.filter((x) => !x.reason.startsWith("threw:")).length;
  return [
    `Burst: ${b.size} admits at once (in-process \`admitEnvironment\` calls, each with a runtime of its own; distinct environments and owners), cap EPHEMERA_MAX_ENVIRONMENTS=${fmt(b.cap)} with exactly ${b.free} places free:`,
    "",
    table(
      ["", "value"],
      [
        ["admits answered", `${answered} of ${b.size}`],
        ["admitted", `${admitted.length} (expected ${b.free})`],
        ["refused", `${refused.length}: ${tally(refused.map((x) => x.limit ?? "threw"))}`],
        ["burst's reservations in `admissions/` afterwards", `${b.registered.length} (distinct: ${new Set(b.registered).size}; all reservations ${b.heldBefore} → ${b.heldAfter})`],
        ["wall time", ms(b.wallMs)],
        ["requests (all admits)", `${fmt(b.requests)} (${fmt(b.requests / b.size, 1)} per admit)`],
      ],
      [false, true],
    ),
  ];
}

function burstProblems(b: Burst): string[] {
  const problems: string[] = [];
  const admitted = b.results.filter((x) => x.status === "admitted").map((x) => x.env).sort();
  const answered = b.results.filter((x) => !x.reason.startsWith("threw:")).length;
  if (answered !== b.size) problems.push(`burst: ${b.size - answered} admits did not answer`);
  if (admitted.length !== b.free) problems.push(`burst: ${admitted.length} admitted, not exactly ${b.free}`);
  const registered = [...b.registered].sort();
  if (JSON.stringify(registered) !== JSON.stringify(admitted)) problems.push(`burst: the register holds ${registered.length} of the burst's reservations, not exactly the ${admitted.length} admitted`);
  if (b.heldAfter - b.heldBefore !== b.free) problems.push(`burst: the register grew by ${b.heldAfter - b.heldBefore}, not ${b.free}`);
  return problems;
}

// The AWS SDK's notice that its 2027 releases need Node.js 22: not a result.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (!String(warning).startsWith("NodeVersionSupportWarning:")) (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const [envs, lookAlikes, rounds, burstSize] = [1000, 500, 20, 100].map((d, i) => Number(process.argv[i + 2] ?? d)) as [number, number, number, number];
if (![envs, lookAlikes, rounds, burstSize].every(Number.isInteger) || envs < 10 || lookAlikes < 0 || rounds < 1 || burstSize < 51) {
  console.error("usage: bench:admit [environments >= 10] [look-alikes >= 0] [admits each way >= 1] [burst size >= 51]");
  process.exit(2);
}
main(envs, lookAlikes, rounds, burstSize).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
