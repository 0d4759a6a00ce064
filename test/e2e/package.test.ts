import * as fs from "node:fs";
import * as path from "node:path";
import { useEmulator } from "../../harness/emulator";
import { emptyDirectory, installedCopies, npmInstall, packEphemera, run } from "../../harness/package";

/**
 * The package as a consumer installs it: packed (which builds it), then installed from
 * the tarball into an empty directory, where `npx ephemera` and `require("ephemera")`
 * must work with nothing from this repository around.
 */
const emulator = useEmulator({ resetBetweenTests: false });
let dir: string;
let tarball: string;
let consumer: string;

beforeAll(async () => {
  dir = emptyDirectory("ephemera-package-");
  tarball = await packEphemera(dir);
  consumer = path.join(dir, "consumer");
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  await npmInstall(consumer, [tarball]);
}, 600_000);

afterAll(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs node in the consumer directory, with a script that prints one JSON line. */
async function inConsumer(script: string, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  const out = await run(process.execPath, ["-e", script], { cwd: consumer, env });
  if (out.code !== 0) throw new Error(`node -e failed (${out.code}):\n${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

describe("the packed package", () => {
  it("holds the built JavaScript, its type declarations, the Lambda bundle, README and LICENSE, and no test, demo or harness file", async () => {
    const listing = await run("tar", ["tzf", tarball], { cwd: dir });
    const files = listing.stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
    console.log(`tarball: ${path.basename(tarball)}, ${files.length} files, ${fs.statSync(tarball).size} bytes`);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/reaper/cli/bin.js", "dist/reaper-lambda/index.js"]));
    expect(files.filter((f) => /^(test|demo|harness|examples|docs|bench)\//.test(f) || /(^|\/)(test|demo|harness)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("installs with one copy of cdktf and constructs: they are peer dependencies, not its own", () => {
    expect(installedCopies(consumer, "ephemera")).toHaveLength(1);
    expect(installedCopies(consumer, "cdktf")).toHaveLength(1);
    expect(installedCopies(consumer, "constructs")).toHaveLength(1);
  });

  it("runs `npx ephemera --help` (the bin is built on pack), exit status 0", async () => {
    const out = await run("npx", ["--no-install", "ephemera", "--help"], { cwd: consumer });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("Usage: ephemera <command>");
  });

  it("exports the stacks and constructs as functions, and loads the AWS SDK only when an engine value is used", async () => {
    const sdk = 'Object.keys(require.cache).filter((k) => k.includes("@aws-sdk")).length';
    const result = await inConsumer(
      `const e = require("ephemera"); const before = ${sdk}; const types = [typeof e.EnvironmentStack, typeof e.EphemeralEnvironment, typeof e.PlatformStack, typeof e.readEnvironmentConfig];` +
        ` const engine = [typeof e.sweep, typeof e.reaperConfig, typeof e.verifyAudit, typeof e.planPause, typeof e.planResume, typeof e.planExtend, typeof e.handler];` +
        ` console.log(JSON.stringify({ before, types, engine, after: ${sdk} }));`,
    );
    expect(result).toMatchObject({ before: 0, types: ["function", "function", "function", "function"], engine: Array(7).fill("function") });
    expect(result.after).toBeGreaterThan(0);
  });

  it("synthesizes the platform stack with the reaper's Lambda bundle from the installed package", async () => {
    const result = await inConsumer(
      `const { App } = require("cdktf"); const { PlatformStack } = require("ephemera"); const os = require("node:os"); const fs = require("node:fs"); const path = require("node:path");` +
        ` const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-consumer-synth-")); const app = new App({ outdir });` +
        ` new PlatformStack(app, "ephemera-platform", { region: "us-east-1", auditBucketName: "acme-ephemera-audit" }); app.synth();` +
        ` const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks/ephemera-platform/cdk.tf.json"), "utf8"));` +
        ` const fn = Object.values(tf.resource.aws_lambda_function)[0]; fs.rmSync(outdir, { recursive: true, force: true });` +
        ` console.log(JSON.stringify({ handler: fn.handler, runtime: fn.runtime, zipped: /archive\\.zip/.test(fn.filename) }));`,
    );
    expect(result).toEqual({ handler: "index.handler", runtime: "nodejs22.x", zipped: true });
  });

  it("says the AWS SDK's Node.js version warning in one line, once, instead of eight", async () => {
    const e = emulator();
    const env: NodeJS.ProcessEnv = { ...process.env, ...e.env(), EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit" };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const out = await run("npx", ["--no-install", "ephemera", "ls", "--json"], { cwd: consumer, env });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ version: 1, environments: [] });
    expect(out.stderr).not.toContain("NodeVersionSupportWarning");
    const noted = out.stderr.split("\n").filter((line) => line.includes("Node.js"));
    const major = Number(process.versions.node.split(".")[0]);
    expect(noted).toHaveLength(major < 22 ? 1 : 0);
  });
});
