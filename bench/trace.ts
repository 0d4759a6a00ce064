/**
 * Decision traces on the local emulator: 1,000 records appended as one batched append (what
 * `ephemera trace append` does with 1,000 JSON lines on stdin) and, side by side in the same
 * round, as 1,000 one-record appends (an agent that calls `trace append --message` per
 * decision). Reports records per second and S3 requests per 1,000 records, counted by an SDK
 * middleware on the S3 client (retries included), and their ratios. Every round ends with
 * `trace verify` of both traces, which must be complete.
 *
 *   npm run bench:trace              # 3 rounds of 1,000 records
 *   npm run bench:trace -- 1 200     # rounds, records
 *
 * The emulator measures Ephemera's own requests and work; S3's latency on AWS (tens of ms a
 * request) would widen the gap in time, not in requests. Exits 1 when a trace does not verify.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { type Emulator, startEmulator } from "../harness/emulator";
import { seedAuditBucket } from "../harness/seed-environments";
import { S3StateStore } from "../reaper/state/s3-state-store";
import { appendTrace } from "../reaper/traces/append-trace";
import type { TraceEntry } from "../reaper/traces/trace-record";
import { verifyTrace } from "../reaper/traces/verify-trace";
import { percentile } from "./percentile";

const AUDIT_BUCKET = "ephemera-audit-bench-trace";
const benchStart = performance.now();
const say = (text: string) => console.log(`[${((performance.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${text}`);

/** An S3 client whose requests are counted by command. */
function countingS3(e: Emulator): { s3: S3Client; counts: Map<string, number> } {
  const s3 = new S3Client(e.clientConfig());
  const counts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? "?").replace(/Command$/, "");
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    // After the retry step, so each attempt counts.
    { step: "finalizeRequest", name: "benchCountRequests" },
  );
  return { s3, counts };
}

/** A decision as an agent writes one: a step, a choice and a line of why (~200 bytes). */
function decisions(n: number, round: number): TraceEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    time: new Date().toISOString(),
    agent: "bench-agent",
    data: { round, step: i, chose: i % 2 === 0 ? "blue-green" : "rolling", why: "the migration is not reversible, so the old version must stay up until it is verified" },
  }));
}

interface Measure {
  readonly ms: number;
  readonly requests: number;
  readonly byCommand: string;
}

async function measure(counts: Map<string, number>, run: () => Promise<unknown>): Promise<Measure> {
  counts.clear();
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const requests = [...counts.values()].reduce((a, b) => a + b, 0);
  return { ms, requests, byCommand: [...counts].sort().map(([k, v]) => `${k} ${v}`).join(", ") };
}

interface Round {
  readonly batched: Measure;
  readonly oneByOne: Measure;
  readonly verified: boolean;
}

async function round(store: S3StateStore, counts: Map<string, number>, records: number, i: number): Promise<Round> {
  const entries = decisions(records, i);
  const batched = await measure(counts, () => appendTrace(store, `bench-batched-${i}`, entries));
  const oneByOne = await measure(counts, async () => {
    for (const entry of entries) await appendTrace(store, `bench-single-${i}`, [entry]);
  });
  const verdicts = await Promise.all([verifyTrace(store, `bench-batched-${i}`), verifyTrace(store, `bench-single-${i}`)]);
  return { batched, oneByOne, verified: verdicts.every((v) => v.status === "complete" && v.records === records) };
}

async function main(rounds: number, records: number): Promise<number> {
  say(`starting the emulator; ${rounds} round(s) of ${records.toLocaleString("en-US")} records, batched and one by one`);
  const e = await startEmulator();
  const { s3, counts } = countingS3(e);
  try {
    await seedAuditBucket(e, AUDIT_BUCKET);
    const store = new S3StateStore(s3, AUDIT_BUCKET, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: false });
    const results: Round[] = [];
    for (let i = 1; i <= rounds; i++) {
      const r = await round(store, counts, records, i);
      say(`round ${i}: batched ${r.batched.ms.toFixed(0)} ms (${r.batched.byCommand}); one by one ${r.oneByOne.ms.toFixed(0)} ms (${r.oneByOne.byCommand}); both verify complete: ${r.verified}`);
      results.push(r);
    }
    report(results, records);
    return results.every((r) => r.verified) ? 0 : 1;
  } finally {
    s3.destroy();
    await e.stop();
  }
}

function report(results: readonly Round[], records: number): void {
  const p50 = (pick: (r: Round) => number) => percentile(results.map(pick), 50);
  const perSecond = (ms: number) => (records / ms) * 1000;
  const per1000 = (requests: number) => (requests / records) * 1000;
  const batched = { rate: perSecond(p50((r) => r.batched.ms)), requests: per1000(p50((r) => r.batched.requests)) };
  const single = { rate: perSecond(p50((r) => r.oneByOne.ms)), requests: per1000(p50((r) => r.oneByOne.requests)) };
  const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });
  console.log(`\n| ${records.toLocaleString("en-US")} records, on the emulator (p50 of ${results.length}) | records per second | S3 requests per 1,000 records |\n| --- | ---: | ---: |`);
  console.log(`| one batched append (\`trace append\`, JSON lines on stdin) | ${fmt(batched.rate)} | ${fmt(batched.requests)} |`);
  console.log(`| one-record appends (\`trace append --message\` per decision) | ${fmt(single.rate)} | ${fmt(single.requests)} |`);
  console.log(`| batched : one by one | ${fmt(batched.rate / single.rate)} : 1 | 1 : ${fmt(single.requests / batched.requests)} |`);
}

// The AWS SDK's notice that its 2027 releases need Node.js 22: not a result.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (!String(warning).startsWith("NodeVersionSupportWarning:")) (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const [rounds, records] = [3, 1000].map((d, i) => Number(process.argv[i + 2] ?? d)) as [number, number];
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(records) || records < 1) {
  console.error("usage: bench:trace [rounds >= 1] [records >= 1]");
  process.exit(2);
}
main(rounds, records).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
