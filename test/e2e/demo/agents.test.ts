/**
 * `npm run demo:agents`, run as CI runs it, against an emulator this test starts and hands
 * it (EPHEMERA_DEMO_EMULATOR), so that what the demo did is checked from the state it left
 * in that account, not from its printed text alone: the audit trail (who was admitted or
 * refused, and by which cap; the claims, the refills, the pause, the release, the
 * extension, the reaps, each through the agent's own MCP client), the admission register,
 * and what discovery and plain SDK calls still find. One run of the demo, about 3 minutes.
 */
import * as fs from "node:fs";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { AGENTS, AUDIT_BUCKET, CAPS, EXTENDED, LOAD_TEST, OVER_BUDGET, RELEASED } from "../../../demo/agent-cast";
import { runEphemera } from "../../../harness/cli";
import { EMULATOR_CREDENTIALS, useEmulator } from "../../../harness/emulator";
import { emulatorClients } from "../../../harness/seed-environments";
import { reservationRegister } from "../../../reaper/admission/reservations";
import { parseAuditKey } from "../../../reaper/audit/audit-key";
import type { AuditRecord } from "../../../reaper/audit/audit-record";
import { readSettings } from "../../../reaper/config/read-settings";
import { TAG } from "../../../reaper/model";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { groupAlive, killGroup, type ScriptRun, startNpmScript } from "../../support/npm-script";

const emulator = useEmulator({ resetBetweenTests: false });
const STEPS = 14;

let run: ScriptRun;
let pgid: number | undefined;
let settings: Record<string, string>;
let records: AuditRecord[];

/** Every audit record in the bucket (not the runs' end markers). */
async function auditRecords(): Promise<AuditRecord[]> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  try {
    const store = runtime.auditStore();
    const keys = (await store.list("audit/")).filter((k) => parseAuditKey(k) !== undefined);
    return await Promise.all(keys.map(async (k) => JSON.parse(await store.get(k)) as AuditRecord));
  } finally {
    await runtime.destroy();
  }
}

/** The audited admission decisions (a note with code admission in a run's plan), by environment. */
function admissionDecisions(): Map<string, string[]> {
  const decisions = new Map<string, string[]>();
  for (const r of records.filter((x) => x.type === "run-start")) {
    const notes = ((r.details?.plan as { notes?: { code: string; env?: string; message: string }[] } | undefined)?.notes ?? []).filter((n) => n.code === "admission");
    for (const n of notes) decisions.set(n.env!, [...(decisions.get(n.env!) ?? []), n.message]);
  }
  return decisions;
}

/** Every action's after-record that succeeded, optionally of one environment. */
const done = (env?: string) => records.filter((r) => r.type === "action" && r.phase === "after" && r.outcome === "done" && (env === undefined || r.env === env));

/** The agents admitted, as the audit trail says: every decision for them admitted them. */
const admittedEnvs = () => [...admissionDecisions()].filter(([, messages]) => messages.every((m) => m.startsWith("admitted "))).map(([env]) => env).sort();

beforeAll(async () => {
  const e = emulator();
  const demo = startNpmScript("demo:agents", { EPHEMERA_DEMO_EMULATOR: e.endpoint });
  pgid = demo.child.pid;
  run = await demo.done;
  console.log(`npm run demo:agents: exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s\n${run.output.split("\n").slice(-20).join("\n")}`);
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off" };
  records = await auditRecords();
}, 900_000);
afterAll(() => killGroup(pgid));

describe("npm run demo:agents", () => {
  it("exits 0 after all fourteen steps, with a table of each step's wall time", () => {
    expect({ code: run.code, tail: run.code === 0 ? "" : run.output.slice(-4000) }).toEqual({ code: 0, tail: "" });
    for (let step = 1; step <= STEPS; step++) expect(run.output).toMatch(new RegExp(`^Step ${step}/${STEPS}: `, "m"));
    expect(run.output).not.toMatch(/FAILED/);
    const timings = run.output.slice(run.output.indexOf("\nTimings:\n"));
    expect(timings.match(/^\s+\d+\. .+ \d+(\.\d s|m\d\ds)$/gm)).toHaveLength(STEPS);
    expect(run.output.trimEnd().split("\n").pop()).toMatch(/^Demo finished in \S+: .*Nothing is left running\.$/);
  });

  it("admitted eight agents and refused four, two by each cap, each decision asked through the agent's own MCP client", async () => {
    const decisions = admissionDecisions();
    expect([...decisions.keys()].sort()).toEqual(AGENTS.map((a) => a.name));
    for (const [env, messages] of decisions) for (const m of messages) expect(m).toContain(`via MCP client ${env} 1.0.0`);
    const refusals = [...decisions].filter(([, messages]) => messages.some((m) => m.startsWith("refused ")));
    expect(refusals.map(([, [m]]) => /^refused \((\S+)\)/.exec(m!)![1]).sort()).toEqual(["max-environments", "max-environments", "max-environments-per-owner", "max-environments-per-owner"]);
    for (const [, messages] of refusals) expect(messages).toHaveLength(1);
    const owners = refusals.filter(([, [m]]) => m!.startsWith("refused (max-environments-per-owner)")).map(([env]) => AGENTS.find((a) => a.name === env)!.owner);
    expect(owners).toEqual(["alice@example.com", "alice@example.com"]);
    const admitted = admittedEnvs();
    expect(admitted).toHaveLength(CAPS.account);
    expect(admitted).toEqual(expect.arrayContaining([OVER_BUDGET, RELEASED, EXTENDED]));

    // The register's newest version holds exactly their reservations, never more than the caps.
    const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
    const holders = (await reservationRegister(runtime.auditStore()).read()).entry?.value.holders ?? [];
    await runtime.destroy();
    expect(holders.map((h) => h.env).sort()).toEqual(admitted);
    const perOwner = new Map<string, number>();
    for (const h of holders) perOwner.set(h.owner, (perOwner.get(h.owner) ?? 0) + 1);
    expect(Math.max(...perOwner.values())).toBeLessThanOrEqual(CAPS.perOwner);
    expect(run.output.match(/REFUSED \(max-environments(-per-owner)?\): /g)).toHaveLength(4);
  });

  it("gave each admitted agent a warm database of its own, restored the pool twice and retired it", () => {
    const rotations = done().filter((r) => r.action === "rotate-credentials" && r.resource?.kind === "rds-instance");
    expect(rotations.map((r) => r.env).sort()).toEqual(admittedEnvs());
    expect(new Set(rotations.map((r) => r.resource!.id)).size).toBe(CAPS.account);
    for (const r of rotations) expect(r.reason).toContain(`via MCP client ${r.env} 1.0.0`);
    const pool = done("pool:default");
    expect(pool.filter((r) => r.action === "restore")).toHaveLength(2 * CAPS.account);
    expect(pool.filter((r) => r.action === "delete" && r.resource?.kind === "rds-instance")).toHaveLength(CAPS.account);
  });

  it("deployed each admitted environment on its claimed database, and deleted all of it since", () => {
    for (const env of admittedEnvs()) {
      const claimed = done(env).find((r) => r.action === "rotate-credentials")!.resource!.id;
      const deleted = done(env).filter((r) => r.action === "delete");
      // Terraform made these, and the claim the credentials secret, which the environment imported.
      expect(new Set(deleted.map((r) => r.resource!.kind))).toEqual(
        new Set(["eks-nodegroup", "rds-instance", "secret", "launch-template", "security-group", "iam-role", "budget", ...(env === OVER_BUDGET ? ["ec2-instance"] : [])]),
      );
      expect(deleted.find((r) => r.resource!.kind === "rds-instance")!.resource!.id).toBe(claimed);
    }
  });

  it(`warned ${OVER_BUDGET}'s owner of its burn, paused it on the spend meter's estimate, then its agent released it`, () => {
    const mine = done(OVER_BUDGET);
    const notify = mine.filter((r) => r.action === "notify");
    expect(notify[0]!.reason).toMatch(/^spending \$[\d.]+\/h, it reaches its budget of \$0\.50 at /);
    const paused = mine.filter((r) => r.action === "pause");
    expect(paused.map((r) => r.resource!.kind).sort()).toEqual([...Array(LOAD_TEST.count).fill("ec2-instance"), "eks-nodegroup", "rds-instance"]);
    for (const r of paused) expect(r.reason).toMatch(/^over budget \(the spend meter's estimate \$[\d.]+ reached the budget of \$0\.50/);
    const released = mine.filter((r) => r.action === "delete");
    expect(released.filter((r) => r.resource!.kind === "ec2-instance")).toHaveLength(LOAD_TEST.count);
    for (const r of released) expect(r.reason).toContain(`via MCP client ${OVER_BUDGET} 1.0.0 (ephemera release): its task is finished`);
    expect(Math.min(...released.map((r) => Date.parse(r.time)))).toBeGreaterThan(Math.max(...paused.map((r) => Date.parse(r.time))));
  });

  it(`released ${RELEASED} and extended ${EXTENDED} through their agents' MCP clients; the reaper took the rest at expiry`, () => {
    for (const r of done(RELEASED).filter((x) => x.action === "delete")) expect(r.reason).toContain(`via MCP client ${RELEASED} 1.0.0 (ephemera release): its task is finished`);
    const extended = done(EXTENDED).filter((r) => r.action === "tag" && r.details !== undefined && JSON.stringify(r.details).includes(TAG.extendedUntil));
    expect(extended.length).toBeGreaterThan(0);
    for (const r of extended) expect(r.reason).toContain(`via MCP client ${EXTENDED} 1.0.0 (ephemera extend)`);
    for (const env of admittedEnvs().filter((e) => e !== RELEASED && e !== OVER_BUDGET)) {
      const deletes = done(env).filter((r) => r.action === "delete");
      expect(deletes.length).toBeGreaterThan(0);
      for (const r of deletes) expect(r.reason).toMatch(/^expired at \S+ \(ephemera:on-expiry=delete\)$/);
    }
  });

  it("left an audit trail whose every run verifies", async () => {
    const verified = await runEphemera(["audit", "verify", "--json"], settings);
    expect(verified.code).toBe(0);
    const report = verified.json<{ ok: boolean; runs: { ok: boolean }[] }>();
    expect(report.ok).toBe(true);
    expect(report.runs.length).toBe(new Set(records.map((r) => r.runId)).size);
    expect(report.runs.every((r) => r.ok)).toBe(true);
  });

  it("left nothing managed in the account, and nothing of its own on this machine", async () => {
    const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
    const inventory = await runtime.discover();
    await runtime.destroy();
    expect(inventory.failures).toEqual([]);
    expect(inventory.resources).toEqual([]);
    const { ec2, rds, destroy } = emulatorClients(emulator());
    const managed = (tags: { Key?: string; Value?: string }[] | undefined) => (tags ?? []).some((t) => t.Key === TAG.managedBy);
    const databases = ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((db) => managed(db.TagList));
    const instances = ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => managed(i.Tags));
    destroy();
    expect(databases.map((db) => db.DBInstanceIdentifier)).toEqual([]);
    expect(instances).toHaveLength(LOAD_TEST.count);
    expect(instances.map((i) => i.State?.Name)).toEqual(Array(LOAD_TEST.count).fill("terminated"));

    expect(await groupAlive(run.pgid)).toBe(false);
    const tempDir = /removed the temp directory (\S+)/.exec(run.output)?.[1];
    expect(tempDir).toBeDefined();
    expect(fs.existsSync(tempDir!)).toBe(false);
  });
});
