/**
 * How synth time and memory grow with the number of environments in one app:
 * synthesizes the platform stack plus 1 and plus 50 EnvironmentStacks, each in a fresh
 * child process (so each peak RSS is that scenario's own), several times in turn, and
 * reports the medians and the 50:1 ratios. The machines are noisy: compare the ratios,
 * which are measured side by side in one run, not absolute numbers across runs.
 *
 *   npm run bench                    # 1 and 50 environments, 3 rounds
 *   npm run bench -- 100 5           # 1 and 100 environments, 5 rounds
 *
 * Run from the bundle `npm run bench` builds (node --expose-gc .ephemera-tmp/bench.js).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environmentsApp, stubReaperBundle } from "./environments-app";

interface Measurement {
  readonly environments: number;
  /** Building the constructs and writing cdktf.out, after the modules are loaded. */
  readonly synthMs: number;
  /** Process start to the first construct: node's start-up and loading cdktf, the providers and Ephemera. */
  readonly loadMs: number;
  /** process.resourceUsage().maxRSS: the child's peak resident set, in MiB. */
  readonly peakRssMiB: number;
  /** Resident set after loading the modules, before synth, in MiB. */
  readonly loadedRssMiB: number;
  readonly stacks: number;
  readonly outBytes: number;
}

const MiB = 1024 * 1024;

/** Child mode: synthesize `count` environments once and print one JSON line. */
function measure(count: number, loadMs: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const loadedRss = process.memoryUsage().rss;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-bench-"));
  // The same tiny stand-in in every scenario: the platform stack is constant overhead here.
  const reaperBundle = stubReaperBundle();
  try {
    const started = process.hrtime.bigint();
    environmentsApp(count, outdir, reaperBundle).synth();
    const synthMs = Number(process.hrtime.bigint() - started) / 1e6;
    const stacksDir = path.join(outdir, "stacks");
    const stacks = fs.readdirSync(stacksDir);
    const outBytes = stacks.reduce((sum, s) => sum + fs.statSync(path.join(stacksDir, s, "cdk.tf.json")).size, 0);
    const result: Measurement = {
      environments: count,
      synthMs,
      loadMs,
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      loadedRssMiB: loadedRss / MiB,
      stacks: stacks.length,
      outBytes,
    };
    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(reaperBundle, { recursive: true, force: true });
  }
}

function runChild(count: number): Measurement {
  const child = spawnSync(process.execPath, ["--expose-gc", __filename, "--child", String(count)], { encoding: "utf8", maxBuffer: 16 * MiB });
  if (child.status !== 0) throw new Error(`the ${count}-environment synth failed (exit ${child.status}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as Measurement;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function report(many: number, rounds: number): void {
  const small: Measurement[] = [];
  const large: Measurement[] = [];
  // Interleaved, so a noisy neighbour slows both scenarios alike.
  for (let round = 0; round < rounds; round++) {
    small.push(runChild(1));
    large.push(runChild(many));
  }
  const row = (label: string, pick: (m: Measurement) => number, digits: number) => {
    const one = median(small.map(pick));
    const lots = median(large.map(pick));
    return `| ${label} | ${one.toFixed(digits)} | ${lots.toFixed(digits)} | ${(lots / one).toFixed(2)} |`;
  };
  const perEnv = (median(large.map((m) => m.synthMs)) - median(small.map((m) => m.synthMs))) / (many - 1);
  const rssPerEnv = (median(large.map((m) => m.peakRssMiB)) - median(small.map((m) => m.peakRssMiB))) / (many - 1);
  console.log(
    [
      `Synth of the platform stack + N EnvironmentStacks (node ${process.version}, ${os.cpus().length} CPUs, median of ${rounds} rounds, each in a fresh process)`,
      "",
      `| | N = 1 | N = ${many} | ratio ${many}:1 |`,
      "| --- | ---: | ---: | ---: |",
      row("synth wall time (ms)", (m) => m.synthMs, 0),
      row("start-up and module load (ms)", (m) => m.loadMs, 0),
      row("peak RSS (MiB)", (m) => m.peakRssMiB, 0),
      row("RSS after module load (MiB)", (m) => m.loadedRssMiB, 0),
      row("stacks written", (m) => m.stacks, 0),
      row("cdk.tf.json bytes (KiB)", (m) => m.outBytes / 1024, 0),
      "",
      `Each further environment: ~${perEnv.toFixed(0)} ms of synth and ~${rssPerEnv.toFixed(1)} MiB of peak RSS.`,
    ].join("\n"),
  );
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  // performance.now() counts from process start: node's own start-up plus loading the modules.
  measure(Number(args[1]), performance.now());
} else {
  const many = Number(args[0] ?? 50);
  const rounds = Number(args[1] ?? 3);
  if (!Number.isInteger(many) || many < 2 || !Number.isInteger(rounds) || rounds < 1) {
    console.error("usage: bench [environments >= 2] [rounds >= 1]");
    process.exit(2);
  }
  report(many, rounds);
}
