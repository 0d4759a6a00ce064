import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { REPO_ROOT } from "../../harness/paths";

/**
 * `cdktf synth` runs cdktf.json's `app` command in the project directory with
 * CDKTF_OUTDIR set. This test does the same in a temp directory that stands for a fresh
 * clone (the repo's package.json and cdktf.json, no dist/), following the app command
 * step by step. `tsc -p tsconfig.build.json` (in `npm run build`) is done by esbuild (main.ts and the repo's
 * modules into dist/main.js, packages left external and loaded from the repo's
 * node_modules), which takes a fraction of a second instead of a full build into the
 * shared dist/; a step the test does not know fails it, so a new step is never skipped.
 */
const ROOT = REPO_ROOT;
let clone: string;
let appFile: string;

function runStep(step: string): void {
  const npmScript = /^npm run (?:--silent |-s )?([\w:-]+)$/.exec(step);
  if (npmScript !== null) {
    // An npm script: its own steps, as package.json has them.
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const script = scripts[npmScript[1]!];
    if (script === undefined) throw new Error(`cdktf.json's app runs npm script ${npmScript[1]}, which package.json does not have`);
    for (const inner of script.split("&&").map((s) => s.trim())) runStep(inner);
  } else if (/^(npx )?tsc -p tsconfig\.build\.json$/.test(step)) {
    buildSync({ entryPoints: [path.join(ROOT, "main.ts")], bundle: true, platform: "node", target: "node20", packages: "external", outfile: appFile, logLevel: "error" });
  } else if (/^(node scripts\/bundle-reaper\.mjs|npm run bundle:reaper)$/.test(step)) {
    const bundled = spawnSync(process.execPath, [path.join(ROOT, "scripts/bundle-reaper.mjs"), "--outdir", path.join(clone, "dist/reaper-lambda")], { encoding: "utf8" });
    if (bundled.status !== 0) throw new Error(`${step} failed:\n${bundled.stderr}`);
  } else {
    throw new Error(`cdktf.json's app has a step this test does not know how to run: "${step}"; teach runStep`);
  }
}

beforeAll(() => {
  clone = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-clone-"));
  appFile = path.join(clone, "dist", "main.js");
  for (const file of ["package.json", "cdktf.json"]) fs.copyFileSync(path.join(ROOT, file), path.join(clone, file));
  const steps = (JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app.split("&&").map((s) => s.trim());
  expect(steps.pop()).toBe("node dist/main.js");
  for (const step of steps) runStep(step);
}, 120_000);

afterAll(() => {
  fs.rmSync(clone, { recursive: true, force: true });
});

interface Synth {
  readonly status: number | null;
  readonly stderr: string;
  readonly stacks: string[];
  stack(name: string): Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs the app as `cdktf synth` would, with only `vars` (plus PATH and HOME) in its environment. */
function synthApp(vars: Record<string, string>): Synth {
  const outdir = fs.mkdtempSync(path.join(clone, "cdktf.out-"));
  const result = spawnSync(process.execPath, [appFile], {
    cwd: clone,
    env: { PATH: process.env.PATH, HOME: os.tmpdir(), NODE_PATH: path.join(ROOT, "node_modules"), CDKTF_OUTDIR: outdir, ...vars },
    encoding: "utf8",
    timeout: 60_000,
  });
  const manifestFile = path.join(outdir, "manifest.json");
  const manifest = fs.existsSync(manifestFile) ? (JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks: Record<string, unknown> }) : { stacks: {} };
  return {
    status: result.status,
    stderr: result.stderr,
    stacks: Object.keys(manifest.stacks).sort(),
    stack: (name) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")),
  };
}

const ENVIRONMENT: Record<string, string> = {
  EPHEMERA_ENV: "pr-5",
  EPHEMERA_TTL: "2d",
  EPHEMERA_OWNER: "octocat",
  EPHEMERA_BUDGET_USD: "20",
  EPHEMERA_CLUSTER_NAME: "previews",
  EPHEMERA_OIDC_PROVIDER_ARN: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  EPHEMERA_VPC_ID: "vpc-0abc",
  EPHEMERA_PRIVATE_SUBNET_IDS: "subnet-0a,subnet-0b",
  EPHEMERA_BASELINE_SNAPSHOT: "baseline-2026-11-01",
  EPHEMERA_PAUSE_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
};

describe("the cdktf app (main.ts)", () => {
  it("synthesizes only ephemera-platform on a fresh clone with no environment variables", () => {
    const run = synthApp({});
    expect({ status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stacks).toEqual(["ephemera-platform"]);
    expect(run.stack("ephemera-platform").provider.aws).toEqual([expect.objectContaining({ region: "us-east-1" })]);
  });

  it("fails when EPHEMERA_ENV is set but other inputs are missing, listing each one to set with an example", () => {
    const run = synthApp({ EPHEMERA_ENV: "pr-5" });
    expect(run.status).not.toBe(0);
    for (const name of ["EPHEMERA_OWNER", "EPHEMERA_BUDGET_USD", "EPHEMERA_CLUSTER_NAME", "EPHEMERA_OIDC_PROVIDER_ARN", "EPHEMERA_VPC_ID", "EPHEMERA_PRIVATE_SUBNET_IDS", "EPHEMERA_PAUSE_TOPIC_ARN"]) {
      expect(run.stderr).toMatch(new RegExp(`${name} is not set .*e\\.g\\. ${name}=`));
    }
    expect(run.stderr).toContain("EPHEMERA_BASELINE_SNAPSHOT");
    expect(run.stderr).not.toMatch(/EPHEMERA_ENV is not set/);
    // A message to act on, not a stack trace, and no half-written output.
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stacks).toEqual([]);
  });

  it("adds env-<id> beside the platform when every input is set, with local state by default", () => {
    const run = synthApp(ENVIRONMENT);
    expect({ status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stacks).toEqual(["env-pr-5", "ephemera-platform"]);
    const env = run.stack("env-pr-5");
    expect(Object.keys(env.terraform.backend)).toEqual(["local"]);
    expect(Object.keys(env.output)).toEqual(expect.arrayContaining(["namespace", "database_endpoint", "database_secret_arn", "expires_at", "budget_name"]));
  });

  it("keeps the environment's state in the S3 state bucket under its own key, in the app's region", () => {
    const run = synthApp({ ...ENVIRONMENT, EPHEMERA_REGION: "eu-west-1", EPHEMERA_STATE_BUCKET: "acme-tf-state" });
    expect(run.stack("env-pr-5").terraform.backend).toEqual({
      s3: expect.objectContaining({ bucket: "acme-tf-state", key: "ephemera/environments/pr-5/terraform.tfstate", region: "eu-west-1" }),
    });
  });

  it("adds the platform budget when EPHEMERA_PLATFORM_BUDGET_LIMIT_USD is set, and refuses a limit that is not an amount", () => {
    const run = synthApp({ EPHEMERA_PLATFORM_BUDGET_LIMIT_USD: "2000" });
    expect(run.status).toBe(0);
    const budgets = Object.values(run.stack("ephemera-platform").resource.aws_budgets_budget as Record<string, { name: string; limit_amount: string }>);
    expect(budgets).toEqual([expect.objectContaining({ name: "ephemera-platform", limit_amount: "2000" })]);
    const bad = synthApp({ EPHEMERA_PLATFORM_BUDGET_LIMIT_USD: "lots" });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('EPHEMERA_PLATFORM_BUDGET_LIMIT_USD "lots" is not an amount in USD');
  });

  it("adds ephemera-cluster-<cluster> with the RuntimeClasses of the sandbox levels EPHEMERA_OFFERED_ISOLATION offers", () => {
    const run = synthApp({ EPHEMERA_CLUSTER_NAME: "previews", EPHEMERA_OFFERED_ISOLATION: "none,gvisor", EPHEMERA_REGION: "eu-west-1", EPHEMERA_STATE_BUCKET: "acme-tf-state" });
    expect({ status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stacks).toEqual(["ephemera-cluster-previews", "ephemera-platform"]);
    const cluster = run.stack("ephemera-cluster-previews");
    const kinds = Object.values(cluster.resource.kubernetes_manifest as Record<string, { manifest: { kind: string; metadata: { name: string } } }>).map((m) => `${m.manifest.kind}/${m.manifest.metadata.name}`);
    expect(kinds.sort()).toEqual(["RuntimeClass/ephemera-gvisor", "ValidatingAdmissionPolicy/ephemera-sandbox-runtime", "ValidatingAdmissionPolicyBinding/ephemera-sandbox-runtime"]);
    expect(cluster.provider.kubernetes[0].exec[0].args).toEqual(["eks", "get-token", "--cluster-name", "previews", "--region", "eu-west-1"]);
    expect(cluster.terraform.backend).toEqual({ s3: expect.objectContaining({ bucket: "acme-tf-state", key: "ephemera/clusters/previews/terraform.tfstate", region: "eu-west-1" }) });
  });

  it("adds no cluster stack while only none is offered, and the cluster stack beside an environment when a sandbox is", () => {
    expect(synthApp({ ...ENVIRONMENT, EPHEMERA_OFFERED_ISOLATION: "none" }).stacks).toEqual(["env-pr-5", "ephemera-platform"]);
    const run = synthApp({ ...ENVIRONMENT, EPHEMERA_OFFERED_ISOLATION: "none,gvisor,kata", EPHEMERA_ISOLATION: "gvisor" });
    expect({ status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stacks).toEqual(["env-pr-5", "ephemera-cluster-previews", "ephemera-platform"]);
  });

  it("fails, naming the variable and the fix, when a sandbox is offered without a cluster or the offered list is bad", () => {
    const noCluster = synthApp({ EPHEMERA_OFFERED_ISOLATION: "none,kata" });
    expect(noCluster.status).toBe(1);
    expect(noCluster.stderr).toContain('EPHEMERA_CLUSTER_NAME is not set: EPHEMERA_OFFERED_ISOLATION offers "kata"');
    expect(noCluster.stderr).toContain("e.g. EPHEMERA_CLUSTER_NAME=previews");
    const typo = synthApp({ EPHEMERA_CLUSTER_NAME: "previews", EPHEMERA_OFFERED_ISOLATION: "none,gvsior" });
    expect(typo.status).toBe(1);
    expect(typo.stderr).toContain('EPHEMERA_OFFERED_ISOLATION "gvsior" is not a known isolation level');
    for (const run of [noCluster, typo]) {
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stacks).toEqual([]);
    }
  });

  it("reads its inputs from cdktf context as well as from environment variables", () => {
    const run = synthApp({ CDKTF_CONTEXT_JSON: JSON.stringify(ENVIRONMENT) });
    expect(run.stacks).toEqual(["env-pr-5", "ephemera-platform"]);
  });
});
