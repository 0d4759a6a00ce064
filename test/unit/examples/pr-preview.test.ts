import * as fs from "node:fs";
import * as path from "node:path";
import { ENVIRONMENT_INPUTS } from "../../../stacks/environment-config";

// js-yaml 4 parses YAML 1.2, so the workflow's `on:` key stays the string "on".
import * as yaml from "js-yaml";
import { REPO_ROOT } from "../../../harness/paths";

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number | boolean>;
}
interface Job {
  readonly if?: string;
  readonly "runs-on": string;
  readonly steps: Step[];
}
interface Workflow {
  readonly on: { pull_request: { types: string[] } };
  readonly permissions: Record<string, string>;
  readonly concurrency: { group: string; "cancel-in-progress": boolean };
  readonly env: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const FILE = path.join(REPO_ROOT, "examples/pr-preview/preview.yml");
const workflow = yaml.load(fs.readFileSync(FILE, "utf8")) as Workflow;
const PR = "${{ github.event.number }}";

/** The actions the workflow may use, at the major versions that exist. */
const KNOWN_ACTIONS = new Set(["actions/checkout@v4", "actions/setup-node@v4", "hashicorp/setup-terraform@v3", "aws-actions/configure-aws-credentials@v4", "actions/github-script@v7"]);

const steps = (job: string): Step[] => workflow.jobs[job]!.steps;
const runs = (job: string): string => steps(job).map((s) => s.run ?? "").join("\n");

describe("the PR preview workflow (examples/pr-preview/preview.yml)", () => {
  it("runs on pull requests opened, synchronized, reopened and closed", () => {
    expect(workflow.on.pull_request.types.sort()).toEqual(["closed", "opened", "reopened", "synchronize"]);
  });

  it("uses only real actions, pinned to a major version", () => {
    const used = Object.values(workflow.jobs).flatMap((job) => job.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(used.length).toBeGreaterThan(0);
    for (const action of used) expect({ action, known: KNOWN_ACTIONS.has(action) }).toEqual({ action, known: true });
  });

  it("deploys env-pr-<number> on open and push, and reads its outputs into a file", () => {
    expect(workflow.jobs.deploy!.if).toContain("github.event.action != 'closed'");
    expect(runs("deploy")).toContain(`deploy env-pr-${PR} --auto-approve`);
    expect(runs("deploy")).toContain(`output env-pr-${PR} --outputs-file outputs.json`);
    expect(runs("deploy").indexOf(" deploy ")).toBeLessThan(runs("deploy").indexOf(" output "));
  });

  it("destroys env-pr-<number> when the pull request closes, and only then", () => {
    expect(workflow.jobs.destroy!.if).toContain("github.event.action == 'closed'");
    expect(runs("destroy")).toContain(`destroy env-pr-${PR} --auto-approve`);
    expect(runs("destroy")).not.toContain(" deploy ");
  });

  it("runs the cdktf CLI of the cdktf version the repo pins", () => {
    const pinned = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies.cdktf;
    expect(workflow.env.CDKTF_CLI).toBe(`cdktf-cli@${pinned}`);
    expect(runs("deploy")).toContain('npx --yes "$CDKTF_CLI" deploy');
  });

  it("gets AWS credentials through OIDC with a role, in both jobs", () => {
    expect(workflow.permissions["id-token"]).toBe("write");
    for (const job of ["deploy", "destroy"]) {
      const aws = steps(job).find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect(aws?.with).toMatchObject({ "role-to-assume": expect.stringContaining("vars.") });
      expect(aws?.with).not.toHaveProperty("aws-access-key-id");
    }
  });

  it("serializes runs of one pull request without cancelling a running deploy", () => {
    expect(workflow.concurrency.group).toContain(PR);
    expect(workflow.concurrency["cancel-in-progress"]).toBe(false);
  });

  it("sets every input the environment stack requires, the PR author as owner, and remote state", () => {
    expect(workflow.env.EPHEMERA_ENV).toBe(`pr-${PR}`);
    expect(workflow.env.EPHEMERA_TTL).toMatch(/^\d+[dh]$/);
    const set = new Set([...Object.keys(workflow.env), "EPHEMERA_OWNER"]);
    for (const input of ENVIRONMENT_INPUTS.filter((i) => i.required)) expect({ input: input.name, set: set.has(input.name) }).toEqual({ input: input.name, set: true });
    const known = new Set(ENVIRONMENT_INPUTS.map((i) => i.name));
    for (const name of Object.keys(workflow.env).filter((n) => n.startsWith("EPHEMERA_"))) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
    expect(workflow.env.PR_AUTHOR).toBe("${{ github.event.pull_request.user.login }}");
    expect(steps("deploy").find((s) => s.run?.includes("EPHEMERA_OWNER="))?.run).toContain("$GITHUB_ENV");
    expect(workflow.env.EPHEMERA_STATE_BUCKET).toBeDefined();
  });

  it("makes an AWS-tag-safe owner out of a bot's login", () => {
    const run = steps("deploy").find((s) => s.run?.includes("EPHEMERA_OWNER="))!.run!;
    const pattern = /\$\{PR_AUTHOR\/\/\[\^([^\]]+)\]\/\}/.exec(run)?.[1];
    expect(pattern).toBeDefined();
    const strip = (login: string) => login.replace(new RegExp(`[^${pattern!.replace(/\\\//g, "/")}]`, "g"), "");
    expect(strip("dependabot[bot]")).toBe("dependabotbot");
    expect(strip("octo-cat_1")).toBe("octo-cat_1");
  });

  it("admits the environment before the deploy, and deploys, reads and comments its outputs only when admitted", () => {
    const names = steps("deploy").map((s) => s.name);
    const admit = steps("deploy").find((s) => s.id === "admit")!;
    expect(names.indexOf(admit.name)).toBeLessThan(names.indexOf("Deploy the environment"));
    expect(admit.run).toContain('npx ephemera admit "$EPHEMERA_ENV" --owner "$EPHEMERA_OWNER" --ttl "$EPHEMERA_TTL" --budget-usd "$EPHEMERA_BUDGET_USD" --json > admission.json');
    expect(admit.run).toContain('echo "status=$?" >> "$GITHUB_OUTPUT"');
    // The settings the CLI needs besides the region (configure-aws-credentials sets AWS_REGION).
    expect(Object.keys(admit.env!).sort()).toEqual(["EPHEMERA_ALLOWED_ACCOUNTS", "EPHEMERA_AUDIT_BUCKET"]);
    for (const name of ["Deploy the environment", "Read its outputs", "Comment on the pull request"]) {
      expect({ name, if: steps("deploy").find((s) => s.name === name)!.if }).toEqual({ name, if: "steps.admit.outputs.status == '0'" });
    }
    expect(steps("deploy").find((s) => s.name === "Comment the refusal on the pull request")!.if).toBe("steps.admit.outputs.status != '0'");
  });

  describe("the refusal comment", () => {
    const step = steps("deploy").find((s) => s.name === "Comment the refusal on the pull request")!;
    async function refuse(admission: string, status = "1") {
      const calls: { method: string; args: Record<string, unknown> }[] = [];
      const failed: string[] = [];
      const github = {
        paginate: async () => [],
        rest: { issues: { listComments: () => undefined, createComment: async (args: Record<string, unknown>) => void calls.push({ method: "createComment", args }), updateComment: async () => undefined } },
      };
      const fakeRequire = () => ({ readFileSync: () => admission });
      const fakeProcess = { env: { STACK: "env-pr-42", ADMIT_STATUS: status } };
      const core = { setFailed: (message: string) => void failed.push(message) };
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
      await new AsyncFunction("require", "github", "context", "process", "core", step.with!.script as string)(fakeRequire, github, { repo: { owner: "acme", repo: "web" }, issue: { number: 42 } }, fakeProcess, core);
      return { body: String(calls[0]?.args.body), failed };
    }

    it("posts admit's reason and limit on the pull request, and fails the job", async () => {
      const reason = "the account has 50 live environments, at the cap of 50 (EPHEMERA_MAX_ENVIRONMENTS); wait until one is released or reaped, or raise the cap";
      const { body, failed } = await refuse(JSON.stringify({ status: "refused", ok: false, limit: "max-environments", reason }));
      expect(body).toContain("### Preview environment `env-pr-42` was not deployed");
      expect(body).toContain(`Refused (\`max-environments\`): ${reason}`);
      expect(failed).toEqual([`not admitted: ${reason}`]);
    });

    it("with no JSON to read (bad input, exit 2), points at the admit step's log", async () => {
      const { body, failed } = await refuse("", "2");
      expect(body).toContain('ephemera admit exited 2; see the "Admit the environment" step\'s log');
      expect(failed).toHaveLength(1);
    });
  });

  describe("the comment script", () => {
    const script = steps("deploy").find((s) => s.uses?.startsWith("actions/github-script@"))!.with!.script as string;

    /** Runs the script as actions/github-script would (an async function body), with fakes. */
    async function comment(outputs: Record<string, Record<string, string>>, existing: { id: number; body: string }[] = []) {
      const calls: { method: string; args: Record<string, unknown> }[] = [];
      const record = (method: string) => async (args: Record<string, unknown>) => void calls.push({ method, args });
      const github = {
        paginate: async () => existing,
        rest: { issues: { listComments: () => undefined, createComment: record("createComment"), updateComment: record("updateComment") } },
      };
      const context = { repo: { owner: "acme", repo: "web" }, issue: { number: 42 } };
      const fakeRequire = (name: string) => {
        if (name !== "node:fs") throw new Error(`the script requires ${name}`);
        return { readFileSync: (file: string) => (file === "outputs.json" ? JSON.stringify(outputs) : fs.readFileSync(file, "utf8")) };
      };
      const fakeProcess = { env: { STACK: "env-pr-42", EPHEMERA_ENV: "pr-42" } };
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
      await new AsyncFunction("require", "github", "context", "process", script)(fakeRequire, github, context, fakeProcess);
      return calls;
    }

    const OUTPUTS = {
      "env-pr-42": {
        env_id: "pr-42",
        namespace: "env-pr-42",
        service_account: "workload",
        database_endpoint: "pr-42-database.abc.us-east-1.rds.amazonaws.com:5432",
        database_secret_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
        expires_at: "2026-11-03T10:00:00Z",
        budget_name: "ephemera-pr-42",
      },
    };

    it("posts the stack's outputs as one comment", async () => {
      const calls = await comment(OUTPUTS);
      expect(calls.map((c) => c.method)).toEqual(["createComment"]);
      const body = String(calls[0]!.args.body);
      for (const value of Object.values(OUTPUTS["env-pr-42"]).filter((v) => v !== "pr-42")) expect(body).toContain(value);
      expect(calls[0]!.args).toMatchObject({ owner: "acme", repo: "web", issue_number: 42 });
    });

    it("updates its earlier comment instead of adding another", async () => {
      const calls = await comment(OUTPUTS, [{ id: 7, body: "<!-- ephemera-preview -->\nold" }]);
      expect(calls).toEqual([{ method: "updateComment", args: expect.objectContaining({ comment_id: 7 }) }]);
    });

    it("reads only outputs the environment stack has", async () => {
      const read = [...script.matchAll(/out\.([a-z_]+)/g)].map((m) => m[1]!);
      expect(read.length).toBeGreaterThan(3);
      const { EnvironmentStack } = await import("../../../stacks/environment-stack");
      const { Testing } = await import("../../../constructs/core");
      const stack = new EnvironmentStack(Testing.app(), "env-pr-42", {
        envId: "pr-42",
        owner: "github:octocat",
        budgetUsd: 25,
        onExpiry: "delete",
        clusterName: "previews",
        oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
        vpcId: "vpc-1",
        subnetIds: ["subnet-a", "subnet-b"],
        database: true,
        baselineDbInstance: "baseline-db",
        pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
      });
      const outputs = Object.keys(stack.environment.outputs);
      for (const name of read) expect({ name, output: outputs.includes(name) }).toEqual({ name, output: true });
    });
  });
});
