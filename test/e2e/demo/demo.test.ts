/**
 * The README's main command, run as CI runs it: `npm run demo` in a child process (its own
 * process group, as a terminal would start it), judged by its exit status and its output,
 * and by what it leaves behind: nothing running, no temp directory, the emulator's port closed.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../../harness/paths";
import { groupAlive, killGroup, type ScriptRun, startNpmScript } from "../../support/npm-script";

const ROOT = REPO_ROOT;
/** The order the reaper deletes in (reaper/contracts/plan.ts DELETE_PHASE_ORDER), as the demo's audit table shows it. */
const DELETE_PHASES = ["namespace", "nodegroup", "database", "database-dependencies", "resources", "network", "identity", "billing"];

type DemoRun = ScriptRun;

/** `npm run demo`, exactly as the README names it. */
const startDemo = (env: NodeJS.ProcessEnv = {}) => startNpmScript("demo", env);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Checks that nothing the run started is left: processes, the emulator's port, the temp directory, the runner's bundle. */
async function expectNothingLeft(run: DemoRun): Promise<void> {
  expect(await groupAlive(run.pgid)).toBe(false);
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output)?.[1];
  if (port !== undefined) expect(await portOpen(Number(port))).toBe(false);
  const tempDir = /removed the temp directory (\S+)/.exec(run.output)?.[1];
  expect(tempDir).toBeDefined();
  expect(fs.existsSync(tempDir!)).toBe(false);
  const runnerDirs = fs.existsSync(path.join(ROOT, ".ephemera-tmp")) ? fs.readdirSync(path.join(ROOT, ".ephemera-tmp")).filter((d) => d.startsWith("run-demo-")) : [];
  expect(runnerDirs).toEqual([]);
}

describe("npm run demo", () => {
  let run: DemoRun;
  let pgid: number | undefined;

  beforeAll(async () => {
    const demo = startDemo();
    pgid = demo.child.pid;
    run = await demo.done;
    console.log(`npm run demo: exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s\n${run.output.split("\n").slice(-16).join("\n")}`);
  });
  afterAll(() => killGroup(pgid));

  it("exits 0 after all ten steps, ending with its final line", () => {
    expect({ code: run.code, tail: run.code === 0 ? "" : run.output.slice(-4000) }).toEqual({ code: 0, tail: "" });
    for (let step = 1; step <= 10; step++) expect(run.output).toMatch(new RegExp(`^Step ${step}/10: `, "m"));
    expect(run.output).not.toMatch(/FAILED/);
    expect(run.output.trimEnd().split("\n").pop()).toMatch(/^Demo finished in \S+: .*Nothing is left running\.$/);
  });

  it("deploys the platform with the reaper and two environments with terraform apply", () => {
    expect(run.output).toMatch(/ephemera-platform: \d+ resources: .*aws_lambda_function/);
    expect(run.output).toMatch(/env-pr-101: \d+ AWS resources in .*; database pr-101-database\./);
    expect(run.output).toMatch(/env-pr-102: \d+ AWS resources in /);
    expect(run.output).toMatch(/^\s+pr-101\s+active\s+/m);
  });

  it("pauses pr-102 through its budget alert, handled by the built bundle", () => {
    expect(run.output).toContain('"trigger":"budget-alert","ok":true');
    expect(run.output).toContain('"budgetAlerts":{"paused":1}');
    expect(run.output).toMatch(/^\s+pr-102\s+paused\s+/m);
    expect(run.output).toMatch(/node group pr-102-nodes: desired 0, min 0/);
    expect(run.output).toMatch(/deployment env-pr-102\/web: replicas 0 \(before: 2\)/);
  });

  it("warns pr-101's owner on the first simulated-clock sweep and reaps it on the second, phase by phase", () => {
    expect(run.output).toContain("pr-101: warn done");
    expect(run.output).toMatch(/owners' inbox: Ephemera: pr-101 expires at /);
    expect(run.output).toContain("pr-101: reap done");
    expect(run.output.indexOf("pr-101: warn done")).toBeLessThan(run.output.indexOf("pr-101: reap done"));

    // The audit table of the reap: every delete's after-record, in the order written.
    const deletes = [...run.output.matchAll(/^\s+\d+\s+after\s+(\S+)\s+delete\s+(\S+) (\S+)\s+done$/gm)].map((m) => ({ phase: m[1]!, kind: m[2]! }));
    const phases = deletes.map((d) => d.phase).filter((p, i, all) => all.indexOf(p) === i);
    expect(phases).toEqual(DELETE_PHASES.filter((p) => phases.includes(p)));
    expect(phases.slice(0, 3)).toEqual(["namespace", "nodegroup", "database"]);
    expect(deletes.map((d) => d.kind)).toEqual(expect.arrayContaining(["k8s-namespace", "eks-nodegroup", "rds-instance", "budget"]));

    // What is left afterwards: pr-102, paused; pr-101 is gone.
    const after = run.output.slice(run.output.indexOf("What is left"));
    const table = after.slice(0, after.indexOf("Step 9/10"));
    expect(table).toMatch(/^\s+pr-102\s+paused\s+/m);
    expect(table).not.toMatch(/^\s+pr-101\s+/m);
    // Its IAM roles, launch template and schedule group went with it: the id can be deployed again.
    expect(run.output).toContain("Nothing tagged pr-101 is left in the account");
    expect(deletes.map((d) => d.kind)).toEqual(expect.arrayContaining(["iam-role", "launch-template", "scheduler-group"]));
  });

  it("verifies every audit run", () => {
    const verified = /(\d+) run\(s\): (\d+) verified, 0 broken\./.exec(run.output);
    expect(verified).not.toBeNull();
    expect(verified![1]).toBe(verified![2]);
    expect(Number(verified![1])).toBeGreaterThanOrEqual(3);
  });

  it("leaves nothing running and no temp files", async () => {
    await expectNothingLeft(run);
  });
});

describe("npm run demo, cut short", () => {
  const pgids: number[] = [];
  afterAll(() => pgids.forEach(killGroup));

  it("on Ctrl-C during terraform apply, stops Terraform and the emulator, removes its files and exits 130", async () => {
    const demo = startDemo();
    pgids.push(demo.child.pid!);
    // Wait until Terraform is applying the environments, then Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
    const deadline = Date.now() + 180_000;
    while (!demo.output().includes("$ terraform apply    # env-") && Date.now() < deadline && demo.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(demo.output()).toContain("$ terraform apply    # env-");
    await new Promise((r) => setTimeout(r, 3_000));
    process.kill(-demo.child.pid!, "SIGINT");
    const run = await demo.done;
    // The demo exits 130; npm itself dies of the SIGINT it was sent, which a shell reports as 130 too.
    expect(run.code === 130 || run.signal === "SIGINT").toBe(true);
    expect(run.output).toContain("Interrupted (SIGINT): stopping everything the demo started");
    expect(run.output).toMatch(/stopped the emulator \(http:\/\/127\.0\.0\.1:\d+\)/);
    expect(run.output).toContain("Demo interrupted by SIGINT; nothing is left running.");
    await expectNothingLeft(run);
  });

  it("when a step fails, says which and why, exits 1 and still cleans up", async () => {
    // A terraform that always fails, first on PATH: step 4 fails with the emulator already running.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-demo-test-bin-"));
    try {
      fs.writeFileSync(path.join(bin, "terraform"), '#!/bin/sh\necho "terraform: refused by the test" >&2\nexit 1\n', { mode: 0o755 });
      const demo = startDemo({ PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` });
      pgids.push(demo.child.pid!);
      const run = await demo.done;
      expect(run.code).toBe(1);
      expect(run.output).toContain("terraform: refused by the test");
      expect(run.output).toMatch(/^Demo FAILED at step 4\/10 \(Start deploying the platform stack \(terraform apply\)\): terraform init failed/m);
      expect(run.output).toMatch(/stopped the emulator \(http:\/\/127\.0\.0\.1:\d+\)/);
      await expectNothingLeft(run);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
