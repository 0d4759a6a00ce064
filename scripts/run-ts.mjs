#!/usr/bin/env node
// Runs a TypeScript entry point without ts-node: esbuild bundles it (this repo's own
// modules; npm packages stay external and load from node_modules) into a fresh
// directory under .ephemera-tmp/, node runs the bundle, and the directory is removed
// when node exits, whatever the exit.
//
//   node scripts/run-ts.mjs [--no-source-maps] [node options] <entry.ts> [arguments]
//   node scripts/run-ts.mjs demo/demo.ts                                          # npm run demo
//   node scripts/run-ts.mjs --no-source-maps --expose-gc bench/synth-environments.ts 50 3
//
// Options before the entry go to node (written --flag or --flag=value: the first argument
// that does not start with "-" is the entry). Stack traces name the TypeScript source (an inline
// source map and node's --enable-source-maps), unless --no-source-maps (the runner's own
// option) leaves both out, for measurements of start-up time. The exit status is the
// program's; a program killed by a signal exits 128 + the signal's number.
//
// `__dirname` and `__filename`: every imported module of this repo sees its own source
// location, as it would under ts-node, so it can find files that sit beside it (the
// emulator launcher, say). The entry module sees the bundle's location, so it can run
// itself again as a child process with `process.execPath` (as the bench does).
//
// SIGINT, SIGTERM and SIGHUP are passed on to the program, which decides how to stop.
/* global process, console */
import { build, stop } from "esbuild";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { constants } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Inside the repo (and .gitignore'd), so the bundle resolves npm packages from its node_modules. */
const TMP_PARENT = path.join(ROOT, ".ephemera-tmp");
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

function usage(message) {
  console.error(
    `run-ts: ${message}\nusage: node scripts/run-ts.mjs [--no-source-maps] [node options, as --flag or --flag=value] <entry.ts> [arguments], e.g. node scripts/run-ts.mjs demo/demo.ts`,
  );
  process.exit(2);
}

const argv = process.argv.slice(2);
const at = argv.findIndex((arg) => !arg.startsWith("-"));
if (at < 0) usage("no entry point given");
const sourceMaps = !argv.slice(0, at).includes("--no-source-maps");
const nodeOptions = argv.slice(0, at).filter((arg) => arg !== "--no-source-maps");
const entry = path.resolve(argv[at]);
const args = argv.slice(at + 1);
if (!/\.[cm]?tsx?$/.test(entry)) usage(`${argv[at]} is not a TypeScript file (.ts)`);
if (!fs.existsSync(entry)) usage(`${argv[at]} does not exist`);

/** Gives each module of this repo (not the entry, not node_modules) its own __dirname and __filename. */
const sourceLocation = {
  name: "source-location",
  setup(b) {
    b.onLoad({ filter: /\.[cm]?tsx?$/ }, async (loaded) => {
      const file = loaded.path;
      if (file === entry || file.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await fs.promises.readFile(file, "utf8");
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const prelude = `const __dirname = ${JSON.stringify(path.dirname(file))}; const __filename = ${JSON.stringify(file)};`;
      // On the first line, so line numbers (and the source map's) stay the same.
      return { contents: `${prelude} ${source}`, loader: "ts" };
    });
  },
};

fs.mkdirSync(TMP_PARENT, { recursive: true });
const outdir = fs.mkdtempSync(path.join(TMP_PARENT, `run-${path.basename(entry).replace(/\.[^.]+$/, "")}-`));
const outfile = path.join(outdir, `${path.basename(entry).replace(/\.[^.]+$/, "")}.js`);
// .ephemera-tmp/ itself stays (it is .gitignore'd): another run may be using it.
const removeOutdir = () => fs.rmSync(outdir, { recursive: true, force: true });

try {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    sourcemap: sourceMaps ? "inline" : false,
    logLevel: "warning",
    plugins: [sourceLocation],
  });
} catch (err) {
  stop();
  removeOutdir();
  // esbuild has already printed the errors with their locations.
  console.error(`run-ts: could not build ${path.relative(process.cwd(), entry)}${err?.errors ? "" : `: ${err}`}`);
  process.exit(1);
}
// esbuild's service process is not needed any more: nothing of the runner stays behind but node running the program.
stop();

const child = spawn(process.execPath, [...nodeOptions, ...(sourceMaps ? ["--enable-source-maps"] : []), outfile, ...args], { stdio: "inherit" });
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of SIGNALS) process.on(signal, forward);
child.once("error", (err) => {
  removeOutdir();
  console.error(`run-ts: could not start node: ${err.message}`);
  process.exit(1);
});
child.once("exit", (code, signal) => {
  for (const s of SIGNALS) process.off(s, forward);
  removeOutdir();
  // A program killed by a signal exits as a shell reports it: 128 + the signal's number.
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
