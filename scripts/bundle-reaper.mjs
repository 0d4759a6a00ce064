#!/usr/bin/env node
// Bundles the reaper Lambda (reaper/handlers/index.ts) into one CommonJS file for the
// nodejs22.x runtime: dist/reaper-lambda/index.js (`index.handler`) and its source map.
//
// The AWS SDK v3 is bundled, not taken from the runtime: the function then runs the
// SDK version the tests ran (the runtime's copy changes under it without notice), and
// tree-shaking the ES module builds leaves only the commands the reaper sends, which
// load faster than the runtime's full packages.
//
//   node scripts/bundle-reaper.mjs [--outdir <dir>]
/* global process, console */
import { build } from "esbuild";
import { statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The Lambda runtime the bundle is built for (and the one the stack deploys). */
export const LAMBDA_RUNTIME = "nodejs22.x";

/**
 * Builds the bundle and returns where it is and its size in bytes.
 * @param {{ outdir?: string }} [options] outdir defaults to dist/reaper-lambda
 */
export async function bundleReaper(options = {}) {
  const outdir = path.resolve(ROOT, options.outdir ?? "dist/reaper-lambda");
  const outfile = path.join(outdir, "index.js");
  const result = await build({
    entryPoints: [path.join(ROOT, "reaper/handlers/index.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // ES module builds first, so unused SDK code is shaken out.
    mainFields: ["module", "main"],
    // The SDK loads node:http and node:async_hooks with import(); as require() they load the
    // same in Lambda and also where import() is unavailable (jest's module sandbox runs the bundle in tests).
    supported: { "dynamic-import": false },
    minify: true,
    // A separate .map file; set NODE_OPTIONS=--enable-source-maps on the function to use it.
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
  });
  return { outfile, bytes: statSync(outfile).size, inputs: Object.keys(result.metafile.inputs).length };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const at = process.argv.indexOf("--outdir");
  const outdir = at >= 0 ? process.argv[at + 1] : undefined;
  if (at >= 0 && outdir === undefined) {
    console.error("bundle-reaper: --outdir needs a directory, e.g. --outdir dist/reaper-lambda");
    process.exit(2);
  }
  const { outfile, bytes, inputs } = await bundleReaper(outdir === undefined ? {} : { outdir });
  console.log(`bundle-reaper: ${path.relative(process.cwd(), outfile)} ${bytes} bytes from ${inputs} modules (${LAMBDA_RUNTIME})`);
}
