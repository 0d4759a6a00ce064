/**
 * The spend meter, two ways:
 *
 * 1. **Delay to pause**, on a simulated clock, with the engine's own `meter` and `decide`:
 *    environments that burn money at random rates cross their budget at random times. A
 *    reaper that meters (the default 5-minute sweep) pauses each at its first sweep after the
 *    estimate crosses; a Budgets-only reaper pauses it at its first sweep after Budgets'
 *    next refresh (every 8 hours) reports the crossing. Budgets is taken at its best here:
 *    its figure is exact at each refresh, with no processing lag.
 * 2. **Extra AWS calls per sweep** at 1,000 environments on the local emulator (moto), each
 *    with a budget, an on-demand instance and a Spot node group instance: every request goes through
 *    harness/fault-proxy.ts (no faults), which counts them by action, and the Price List API
 *    is harness/pricing-double.ts, which counts its own. Discovery alone, then the meter's
 *    estimate and reading, on a cold start and on the next (warm) sweep.
 *
 *   npm run bench:spend               # 1,000 environments
 *   npm run bench:spend -- 100        # a quick run
 *
 * Exits 1 when the meter paused an environment before its estimate crossed the budget, or
 * missed one. The machines are noisy: the figures that matter are ratios from one run.
 */
import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { decide } from "../reaper/decision/decide";
import type { DiscoveredResource } from "../reaper/contracts/kind-adapter";
import { budgetName, TAG } from "../reaper/model";
import { CreateBudgetCommand } from "@aws-sdk/client-budgets";
import { reaperConfig } from "../reaper/config/reaper-config";
import { meter, type PriceSheet, type SpendReadings } from "../reaper/spend/price-usage";
import { productKey } from "../reaper/contracts/product";
import type { MeteredUsage } from "../reaper/contracts/metered-usage";
import { type Emulator, EMULATOR_CREDENTIALS, startEmulator } from "../harness/emulator";
import { type FaultProxy, mulberry32, startFaultProxy } from "../harness/fault-proxy";
import { PricingDouble } from "../harness/pricing-double";
import { emulatorClients, seedAuditBucket } from "../harness/seed-environments";
import { ReaperRuntime } from "../reaper/runtime/reaper-runtime";
import { readSettings } from "../reaper/config/read-settings";
import { mapWithLimit } from "../reaper/support/map-with-limit";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SWEEP_MS = 5 * MINUTE;
const BUDGETS_REFRESH_MS = 8 * HOUR;
const T0 = Date.parse("2026-05-01T00:00:00Z");
const AUDIT_BUCKET = "ephemera-audit-bench-spend";

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mins = (ms: number) => `${fmt(ms / MINUTE, 1)} min`;

// ------------------------------------------------------------ 1. delay to pause

interface SimEnv {
  readonly env: string;
  readonly burn: number;
  readonly limit: number;
  /** When the spend reaches the limit, in ms after T0. */
  readonly crossesAt: number;
  readonly sweepPhase: number;
  readonly refreshPhase: number;
}

const CONFIG = reaperConfig({ auditBucket: "ephemera-audit-bench" });
const M5 = { kind: "ec2" as const, region: "us-east-1", instanceType: "m5.large" };

function simulatedFleet(count: number): SimEnv[] {
  const next = mulberry32(7); // seeded: two runs simulate the same fleet
  return Array.from({ length: count }, (_, i) => {
    const burn = 0.05 + next() * 1.95; // $/h: one small instance to a scaled-up node group
    const hours = 1 + next() * 47; // crosses 1 to 48 hours after launch
    return { env: `sim-${i + 1}`, burn, limit: burn * hours, crossesAt: hours * HOUR, sweepPhase: next() * SWEEP_MS, refreshPhase: next() * BUDGETS_REFRESH_MS };
  });
}

function resourcesOf(sim: SimEnv, actualUsd: number): DiscoveredResource[] {
  const tags = {
    [TAG.managedBy]: "ephemera",
    [TAG.env]: sim.env,
    [TAG.owner]: "team@example.com",
    [TAG.ttl]: "14d",
    [TAG.createdAt]: new Date(T0).toISOString(),
  };
  return [
    { kind: "ec2-instance", id: `i-${sim.env}`, region: "us-east-1", tags, status: "running", facts: { instanceType: "m5.large", spot: false, lifecycle: "on-demand" } },
    { kind: "budget", id: `ephemera-${sim.env}`, region: "us-east-1", tags, facts: { limitUsd: sim.limit, actualUsd } },
  ];
}

/** When a sweep first pauses the environment, in ms after T0, or undefined within `horizon`. */
function pausedAt(sim: SimEnv, metered: boolean, horizon: number): { at?: number; early: boolean } {
  const usage: MeteredUsage = {
    kind: "ec2-instance",
    id: `i-${sim.env}`,
    region: "us-east-1",
    tags: { [TAG.managedBy]: "ephemera", [TAG.env]: sim.env },
    status: "running",
    charging: true,
    runStart: new Date(T0).toISOString(),
    compute: M5,
  };
  const prices: PriceSheet = { onDemand: { [productKey(M5)]: { usd: sim.burn, source: "table" } }, spot: {} };
  // Sweeps from an hour before the crossing (none pauses earlier: the early flag checks).
  const firstSweep = Math.max(0, Math.floor((sim.crossesAt - HOUR - sim.sweepPhase) / SWEEP_MS)) * SWEEP_MS + sim.sweepPhase;
  let previous: SpendReadings | undefined;
  for (let t = firstSweep; t <= horizon; t += SWEEP_MS) {
    const lastRefresh = Math.floor((t - sim.refreshPhase) / BUDGETS_REFRESH_MS) * BUDGETS_REFRESH_MS + sim.refreshPhase;
    const budgetsSay = lastRefresh < 0 ? 0 : (sim.burn * lastRefresh) / HOUR;
    const now = new Date(T0 + t);
    const inventory = { resources: resourcesOf(sim, budgetsSay), failures: [] };
    let spend;
    if (metered) {
      const result = meter({ usage: [usage], prices, ...(previous === undefined ? {} : { previous }), at: now, incomplete: new Set(), present: new Set([sim.env]) });
      previous = result.readings;
      spend = result.spend;
    }
    const plan = decide({ inventory, now, config: CONFIG, ...(spend === undefined ? {} : { spend }) });
    if (plan.environments.some((e) => e.env === sim.env && e.intent === "pause")) return { at: t, early: t < sim.crossesAt - 1 };
  }
  return { early: false };
}

function stats(values: readonly number[]): { mean: number; p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}

function delayToPause(count: number): { ok: boolean; lines: string[] } {
  const fleet = simulatedFleet(count);
  const meterDelays: number[] = [];
  const budgetsDelays: number[] = [];
  let early = 0;
  let missed = 0;
  const started = performance.now();
  for (const sim of fleet) {
    const horizon = sim.crossesAt + BUDGETS_REFRESH_MS + 2 * SWEEP_MS;
    const m = pausedAt(sim, true, horizon);
    const b = pausedAt(sim, false, horizon);
    if (m.early) early += 1;
    if (m.at === undefined || b.at === undefined) missed += 1;
    else {
      meterDelays.push(m.at - sim.crossesAt);
      budgetsDelays.push(b.at - sim.crossesAt);
    }
  }
  const ms = stats(meterDelays);
  const bs = stats(budgetsDelays);
  const lines = [
    `Delay from "the spend crosses the budget" to "paused", ${fmt(count)} environments burning $0.05-$2.00/h, crossing 1-48 h after launch (simulated, ${fmt((performance.now() - started) / 1000, 1)} s of real time):`,
    "",
    "| reaper | mean | median | p95 | max |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| spend meter, 5-minute sweep | ${mins(ms.mean)} | ${mins(ms.p50)} | ${mins(ms.p95)} | ${mins(ms.max)} |`,
    `| Budgets only, 8-hour refresh, 5-minute sweep | ${mins(bs.mean)} | ${mins(bs.p50)} | ${mins(bs.p95)} | ${mins(bs.max)} |`,
    "",
    `Budgets-only : meter = ${fmt(bs.mean / ms.mean, 0)} on the mean delay, ${fmt(bs.p95 / ms.p95, 0)} at p95. Paused before crossing: ${early}. Never paused: ${missed}.`,
  ];
  return { ok: early === 0 && missed === 0, lines };
}

// ------------------------------------------------------------ 2. extra calls per sweep

async function seedInstances(e: Emulator, envs: number): Promise<void> {
  const { ec2, budgets, destroy } = emulatorClients(e);
  try {
    await mapWithLimit(
      Array.from({ length: envs }, (_, i) => `pr-${String(i + 1).padStart(4, "0")}`),
      12,
      async (env) => {
        const tags = [
          { Key: TAG.managedBy, Value: "ephemera" },
          { Key: TAG.env, Value: env },
        ];
        await budgets.send(
          new CreateBudgetCommand({
            AccountId: e.accountId,
            Budget: { BudgetName: budgetName(env), BudgetType: "COST", TimeUnit: "MONTHLY", BudgetLimit: { Amount: "25", Unit: "USD" } },
            ResourceTags: tags,
          }),
        );
        await ec2.send(new RunInstancesCommand({ ImageId: "ami-12c6146b", InstanceType: "t3.medium", MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: "instance", Tags: tags }] }));
        const group = [
          { Key: "eks:nodegroup-name", Value: `${env}-nodes` },
          { Key: "aws:autoscaling:groupName", Value: `eks-${env}-nodes` },
        ];
        await ec2.send(
          new RunInstancesCommand({
            ImageId: "ami-12c6146b",
            InstanceType: "m5.large",
            MinCount: 1,
            MaxCount: 1,
            InstanceMarketOptions: { MarketType: "spot" },
            TagSpecifications: [{ ResourceType: "instance", Tags: [...tags, ...group] }],
          }),
        );
      },
    );
  } finally {
    destroy();
  }
}

async function extraCalls(envs: number): Promise<{ ok: boolean; lines: string[] }> {
  let e: Emulator | undefined;
  let proxy: FaultProxy | undefined;
  const double = new PricingDouble({ "ec2 us-east-1 t3.medium": 0.0416, "ec2 us-east-1 m5.large": 0.096 });
  try {
    e = await startEmulator();
    await seedAuditBucket(e, AUDIT_BUCKET);
    const seeded = performance.now();
    await seedInstances(e, envs);
    console.log(`  seeded ${fmt(envs)} environments (${fmt(2 * envs)} instances) in ${fmt((performance.now() - seeded) / 1000, 1)} s`);
    proxy = await startFaultProxy({ target: e.endpoint, seed: 1, rates: {} });
    const { endpoint: pricing } = await double.start();
    const settings = readSettings({ ...e.env(), AWS_ENDPOINT_URL: proxy.url, EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: pricing });
    const runtime = new ReaperRuntime(settings, { credentials: EMULATOR_CREDENTIALS });
    const rows: string[][] = [];
    let ok = true;
    try {
      for (const sweep of ["sweep 1 (cold start)", "sweep 2 (warm)"]) {
        const before = proxy.requests.length;
        const inventory = await runtime.discover();
        const discovered = proxy.requests.length - before;
        const pricingBefore = double.requestCount;
        const since = proxy.requests.length;
        const started = performance.now();
        const spendMeter = runtime.spendMeter();
        const report = await spendMeter.estimate(inventory, new Date());
        const problem = await spendMeter.record(report, `bench-${rows.length + 1}`);
        const meterMs = performance.now() - started;
        const counts = proxy.countByAction(since);
        const metered = Object.values(report.spend).filter((s) => s.metered > 0).length;
        if (metered !== envs || report.totals.unknown > 0 || problem !== undefined) ok = false;
        const calls = [...counts].map(([action, n]) => `${action} ${n}`).sort();
        const extra = [...counts.values()].reduce((a, b) => a + b, 0) + (double.requestCount - pricingBefore);
        rows.push([sweep, fmt(discovered), `${calls.join(", ")}, pricing:GetProducts ${double.requestCount - pricingBefore}`, fmt(extra), `${fmt((extra / discovered) * 100, 1)} %`, `${fmt(meterMs)} ms`, `${fmt(metered)} metered, ${report.totals.unknown} unknown`]);
      }
    } finally {
      await runtime.destroy();
    }
    return {
      ok,
      lines: [
        `Extra AWS calls per sweep, ${fmt(envs)} environments, each with a budget, an on-demand instance and a Spot node group instance (emulator):`,
        "",
        "| sweep | discovery requests | the meter's requests, by action | extra | extra : discovery | meter time | environments |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- |",
        ...rows.map((r) => `| ${r.join(" | ")} |`),
      ],
    };
  } finally {
    await double.stop();
    await proxy?.stop();
    await e?.stop();
  }
}

async function main(envs: number): Promise<number> {
  console.log(`Spend meter bench: ${fmt(envs)} environments; node ${process.version}\n`);
  const delay = delayToPause(envs);
  console.log(delay.lines.join("\n"));
  console.log("");
  const calls = await extraCalls(envs);
  console.log(calls.lines.join("\n"));
  return delay.ok && calls.ok ? 0 : 1;
}

const count = Number(process.argv[2] ?? 1000);
main(Number.isSafeInteger(count) && count > 0 ? count : 1000).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
