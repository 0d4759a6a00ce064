import * as fs from "node:fs";
import * as path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { runEphemera } from "../../../../harness/cli";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { REPO_ROOT } from "../../../../harness/paths";
import { emulatorClients, seedAuditBucket, seedEnvironment, seedTopic } from "../../../../harness/seed-environments";
import type { AuditRecord } from "../../../../reaper/audit/audit-record";
import { DISCARDED_ON_REQUEST } from "../../../../reaper/decision/manual-plans";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";

// One `ephemera mcp` process for the file, driven by the SDK's own client over stdio, against one
// seeded account; the tests run in order (extend → pause → resume → verify) and each reads what the ones before left.
// The client introduces itself as CLIENT: every audit reason of a call names it.
const emulator = useEmulator({ resetBetweenTests: false });
const HOUR = 3_600_000;
const AUDIT_BUCKET = "ephemera-audit-mcp";

let e: Emulator;
let seededAt: Date;
let settings: Record<string, string>;
let client: Client;
let transport: StdioClientTransport;
const serverStderr: string[] = [];
const CLIENT = { name: "ephemera-integration-test", version: "0" };
/** The runs the tools wrote, by what they did. */
const runs: Record<string, string> = {};

/** ISO-8601 at whole seconds, as the seeded tags write it. */
const at = (offsetMs: number) => `${new Date(seededAt.getTime() + offsetMs).toISOString().slice(0, 19)}Z`;
const ephemera = (argv: string[]) => runEphemera(argv, settings);
const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const texts = (result: CallToolResult) => result.content.map((c) => (c.type === "text" ? c.text : `<${c.type}>`));

async function auditKeys(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "audit/" }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!);
}

/** The records of one audited run, once it is known to verify; and the AWS principal the server runs as. */
async function runRecords(runId: string): Promise<{ records: AuditRecord[]; caller: string }> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  try {
    const store = runtime.auditStore();
    const keys = (await store.list("audit/")).filter((k) => k.includes(runId));
    const records = await Promise.all(keys.map(async (k) => JSON.parse(await store.get(k)) as AuditRecord));
    return { records, caller: await runtime.callerArn() };
  } finally {
    await runtime.destroy();
  }
}

const state = async (env: string) => (await ephemera(["ls", "--json"])).json<{ environments: { env: string; state: string }[] }>().environments.find((x) => x.env === env)?.state;

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  seededAt = new Date();
  await seedEnvironment(e, "pr-mcp", seededAt, { expiresInHours: 5, budget: [25, 3.5] });
  await seedEnvironment(e, "pr-guard", seededAt, { expiresInHours: -2, state: "expiring", protect: true, database: false });
  await seedEnvironment(e, "pr-old", seededAt, { expiresInHours: -2, state: "expiring", database: false });
  // Its owner asked for its data to be kept: a release needs discardData.
  await seedEnvironment(e, "pr-keep", seededAt, { expiresInHours: 5, onExpiry: "pause", database: false, objects: 1 });
  settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: topic,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(REPO_ROOT, "scripts/run-ts.mjs"), "reaper/cli/bin.ts", "mcp"],
    cwd: REPO_ROOT,
    env: settings,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => serverStderr.push(chunk.toString()));
  client = new Client(CLIENT);
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
});

describe("ephemera mcp over stdio", () => {
  test("initializes as the ephemera server, with the package's version and tools", () => {
    const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(client.getServerVersion()).toMatchObject({ name: "ephemera", version });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toContain("destructive");
  });

  test("lists each tool with its title and exact hints; claim_database only with a pool, so not here", async () => {
    const { tools } = await client.listTools();
    const hints = (readOnlyHint: boolean, destructiveHint: boolean, idempotentHint: boolean) => ({ readOnlyHint, destructiveHint, idempotentHint, openWorldHint: true });
    expect(Object.fromEntries(tools.map(({ name, annotations: { title: _title, ...rest } = {} }) => [name, rest]))).toEqual({
      list_environments: hints(true, false, true),
      describe_environment: hints(true, false, true),
      admit_environment: hints(false, false, true),
      extend_environment: hints(false, false, false),
      pause_environment: hints(false, true, true),
      resume_environment: hints(false, false, true),
      release_environment: hints(false, true, true),
      rollback: hints(false, true, false),
      checkpoint: hints(false, false, false),
      list_checkpoints: hints(true, false, true),
      plan_reap: hints(false, false, false),
      execute_reap_plan: hints(false, true, false),
      verify_audit: hints(true, false, true),
      provisioning_status: hints(true, false, true),
      record_decision: hints(false, false, false),
      show_trace: hints(true, false, true),
    });
    for (const t of tools) {
      expect(t.title).toBeTruthy();
      expect(t.annotations?.title).toBe(t.title);
      expect(t.description).toBeTruthy();
    }
    const required = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema.required ?? []]));
    expect(required).toMatchObject({ describe_environment: ["env"], admit_environment: ["env", "owner"], extend_environment: ["env", "duration"], pause_environment: ["env"], checkpoint: ["env"], list_checkpoints: ["env"], rollback: ["env", "to"], plan_reap: [], execute_reap_plan: ["planHash"], record_decision: ["env"], show_trace: ["env"] });
  });

  test("checkpoint takes a labelled checkpoint as checkpoint --json does, and list_checkpoints lists it; a taken label is a tool error with the CLI's message", async () => {
    const taken = await call("checkpoint", { env: "pr-mcp", name: "before-agent" });
    expect(taken.isError).toBeFalsy();
    expect(taken.structuredContent).toMatchObject({ env: "pr-mcp", status: "created", label: "before-agent", database: "pr-mcp-db", snapshot: expect.stringMatching(/^ephemera-pr-mcp-\d{14}$/) });
    const listed = await call("list_checkpoints", { env: "pr-mcp" });
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent).toMatchObject({ version: 1, env: "pr-mcp", count: 1, checkpoints: [{ label: "before-agent", snapshot: (taken.structuredContent as { snapshot: string }).snapshot }] });
    const again = await call("checkpoint", { env: "pr-mcp", name: "before-agent" });
    expect(again.isError).toBe(true);
    expect(texts(again).join("\n")).toContain("already has a checkpoint labelled");
    const unknown = await call("list_checkpoints", { env: "pr-nope" });
    expect(unknown.isError).toBe(true);
    expect(texts(unknown).join("\n")).toContain("no resources of environment pr-nope were found");
  });

  test("list_environments returns what ls --json does, as structured content and as text", async () => {
    const now = at(HOUR);
    const result = await call("list_environments", { now });
    expect(result.isError).toBeFalsy();
    const cli = await ephemera(["ls", "--now", now, "--json"]);
    expect(cli.code).toBe(0);
    expect(result.structuredContent).toEqual(cli.json());
    expect(JSON.parse(texts(result)[0]!)).toEqual(result.structuredContent);
    expect((result.structuredContent as { environments: { env: string }[] }).environments.map((x) => x.env)).toEqual(["pr-guard", "pr-keep", "pr-mcp", "pr-old"]);
  });

  test("describe_environment returns the environment's entry of ls --json", async () => {
    const result = await call("describe_environment", { env: "pr-mcp" });
    expect(result.isError).toBeFalsy();
    const entry = (await ephemera(["ls", "--json"])).json<{ environments: Record<string, unknown>[] }>().environments.find((x) => x.env === "pr-mcp")!;
    // What the clock moves between the two reads.
    const moving = { secondsLeft: expect.any(Number), estimatedSpendUsd: expect.any(Number), budgetExhaustedAt: expect.any(String) };
    expect(result.structuredContent).toEqual({ ...entry, ...moving });
    expect(result.structuredContent).toMatchObject({ env: "pr-mcp", state: "active", owner: "team@example.com", expiresAt: at(5 * HOUR), budgetUsd: 25, spendUsd: 3.5 });
  });

  test("describe_environment of an environment that does not exist is a tool error naming it", async () => {
    const result = await call("describe_environment", { env: "pr-nope" });
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toMatch(/^no environment pr-nope was found/);
  });

  test("extend_environment moves the expiry where extend --dry-run said it would", async () => {
    const preview = (await ephemera(["extend", "pr-mcp", "2h", "--dry-run", "--json"])).json<{ expiresAt: string; previousExpiresAt: string }>();
    expect(preview.expiresAt).toBe(at(7 * HOUR));
    const result = await call("extend_environment", { env: "pr-mcp", duration: "2h" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      env: "pr-mcp",
      status: "extended",
      ok: true,
      previousExpiresAt: preview.previousExpiresAt,
      expiresAt: preview.expiresAt,
      capped: false,
      runId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/),
    });
    const listed = (await ephemera(["ls", "--json"])).json<{ environments: { env: string; expiresAt: string }[] }>();
    expect(listed.environments.find((x) => x.env === "pr-mcp")!.expiresAt).toBe(at(7 * HOUR));
    runs.extend = (result.structuredContent as { runId: string }).runId;
  });

  test("pause_environment and release_environment without confirm equal to the env id are tool errors naming confirm; nothing is done", async () => {
    const before = await auditKeys();
    for (const [name, args, verb] of [
      ["pause_environment", { env: "pr-mcp" }, "pause"],
      ["pause_environment", { env: "pr-mcp", confirm: "pr-old" }, "pause"],
      ["release_environment", { env: "pr-old" }, "release"],
      ["release_environment", { env: "pr-old", confirm: "yes" }, "release"],
    ] as const) {
      const result = await call(name, args);
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(texts(result)[0]).toMatch(new RegExp(`^confirm must equal the environment id "${args.env}" to ${verb} it \\(.*\\); nothing was done\\. Ask a person first`));
    }
    expect(await state("pr-mcp")).toBe("active");
    expect(await state("pr-old")).toBe("expiring");
    expect(await auditKeys()).toEqual(before);
  });

  test("a dry run needs no confirm: it shows the plan and changes nothing", async () => {
    const before = await auditKeys();
    const result = await call("release_environment", { env: "pr-old", dryRun: true });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ env: "pr-old", intent: "release", status: "dry-run" });
    expect(await state("pr-old")).toBe("expiring");
    expect(await auditKeys()).toEqual(before);
  });

  test("pause_environment then resume_environment stop and start the environment, as pause and resume do", async () => {
    const paused = await call("pause_environment", { env: "pr-mcp", confirm: "pr-mcp" });
    expect(paused.isError).toBeFalsy();
    expect(paused.structuredContent).toMatchObject({ env: "pr-mcp", intent: "pause", status: "done", ok: true });
    expect(await state("pr-mcp")).toBe("paused");
    runs.pause = (paused.structuredContent as { runId: string }).runId;
    const resumed = await call("resume_environment", { env: "pr-mcp" });
    expect(resumed.isError).toBeFalsy();
    expect(resumed.structuredContent).toMatchObject({ env: "pr-mcp", intent: "resume", status: "done", ok: true });
    expect(await state("pr-mcp")).toBe("active");
    runs.resume = (resumed.structuredContent as { runId: string }).runId;
  });

  test("each action's audit reason, and the run-start's plan, name the MCP client of the handshake beside the AWS principal", async () => {
    const expected: Record<string, RegExp> = {
      extend: /^extended by (\S+) via MCP client ephemera-integration-test 0 \(ephemera extend\): expiry \S+ → \S+$/,
      pause: /^paused by (\S+) via MCP client ephemera-integration-test 0 \(ephemera pause\)$/,
      resume: /^resumed by (\S+) via MCP client ephemera-integration-test 0 \(ephemera resume\)$/,
    };
    for (const [what, pattern] of Object.entries(expected)) {
      const { records, caller } = await runRecords(runs[what]!);
      expect(caller).toMatch(/^arn:aws:/);
      const actions = records.filter((r) => r.type === "action");
      expect(actions.length).toBeGreaterThan(0);
      for (const rec of actions) expect(rec.reason).toMatch(pattern);
      expect(pattern.exec(actions[0]!.reason!)![1]).toBe(caller);
      const plan = records.find((r) => r.type === "run-start")!.details!.plan as { environments: { reason: string }[] };
      expect(plan.environments[0]!.reason).toBe(actions[0]!.reason);
    }
  });

  test("pausing a protected environment is refused: a tool error with the CLI's reason, and nothing is written", async () => {
    const before = await auditKeys();
    const result = await call("pause_environment", { env: "pr-guard", confirm: "pr-guard" });
    const cli = await ephemera(["pause", "pr-guard", "--json"]);
    expect(cli.code).toBe(1);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual(cli.json());
    expect(result.structuredContent).toMatchObject({ status: "refused", message: expect.stringContaining("ephemera:protect") });
    expect(texts(result).join("\n")).toContain("ephemera:protect");
    expect(await auditKeys()).toEqual(before);
  });

  test("plan_reap returns the sweep's plan, as reap --dry-run --json decides it, with its hash; it acts on nothing and writes no audit record", async () => {
    const before = await auditKeys();
    const result = await call("plan_reap");
    expect(result.isError).toBeFalsy();
    const cli = (await ephemera(["reap", "--dry-run", "--json"])).json<{ plan: { environments: unknown[]; notes: unknown[] } }>();
    const made = result.structuredContent as { dryRun: boolean; planHash: string; reviewed: { hash: string; plan: { environments: unknown[]; notes: unknown[] } } };
    expect(made).toMatchObject({ dryRun: true, planHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(made.reviewed.hash).toBe(made.planHash);
    expect(made.reviewed.plan.environments).toEqual(cli.plan.environments);
    expect(made.reviewed.plan.notes).toEqual(cli.plan.notes);
    expect(made.reviewed.plan.environments).toEqual([expect.objectContaining({ env: "pr-old", intent: "reap" })]);
    expect(await auditKeys()).toEqual(before);
  });

  test("plan_reap with a later now decides as of then, and says so next to the document", async () => {
    const result = await call("plan_reap", { env: "pr-mcp", now: at(8 * HOUR) });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ dryRun: true, simulatedClock: true, decidedAt: new Date(at(8 * HOUR)).toISOString() });
    expect(texts(result)[1]).toContain(`deciding as of ${at(8 * HOUR)} (simulated`);
  });

  test("verify_audit returns what audit verify --json does: every run the tools wrote verifies", async () => {
    const result = await call("verify_audit");
    expect(result.isError).toBeFalsy();
    const cli = await ephemera(["audit", "verify", "--json"]);
    expect(result.structuredContent).toEqual(cli.json());
    expect(result.structuredContent).toMatchObject({ ok: true, bucket: AUDIT_BUCKET });
    // checkpoint, extend, pause and resume: one audited run each.
    expect((result.structuredContent as { runs: unknown[] }).runs).toHaveLength(4);
  });

  test("admit_environment admits a new environment, and again without a new reservation, as admit --json does", async () => {
    const first = await call("admit_environment", { env: "pr-agent", owner: "agent-7", ttl: "4h", budgetUsd: 20 });
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent).toMatchObject({ status: "admitted", ok: true, basis: "new", env: "pr-agent", owner: "agent-7", counts: { maxEnvironments: 50, maxEnvironmentsPerOwner: 5 } });
    const again = await call("admit_environment", { env: "pr-agent", owner: "agent-7" });
    expect(again.structuredContent).toMatchObject({ status: "admitted", basis: "reserved" });
    const cli = await ephemera(["admit", "pr-agent", "--owner", "agent-7", "--json"]);
    expect(cli.json()).toMatchObject({ status: "admitted", basis: "reserved", counts: (again.structuredContent as { counts: unknown }).counts });
  });

  test("admit_environment over a limit is a tool error carrying the refusal; malformed input carries the CLI's message", async () => {
    const refused = await call("admit_environment", { env: "pr-long", owner: "agent-7", ttl: "30d" });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toMatchObject({ status: "refused", limit: "max-ttl", reason: "the ttl 4w2d is over the max TTL of 2w (EPHEMERA_MAX_TTL); ask for 2w or less" });
    const bad = await call("admit_environment", { env: "pr-long", owner: "agent-7", budgetUsd: -5 });
    expect(bad.isError).toBe(true);
    expect(texts(bad).join("\n")).toContain('--budget-usd "-5" is not an amount in USD above 0');
  });

  test("provisioning_status says whether new environments are admitted", async () => {
    const result = await call("provisioning_status");
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual((await ephemera(["provisioning", "status", "--json"])).json());
    expect(result.structuredContent).toMatchObject({ ok: true, paused: false });
  });

  test("release_environment reaps an environment now; a protected one is a tool error and is left alone", async () => {
    const released = await call("release_environment", { env: "pr-old", confirm: "pr-old" });
    expect(released.isError).toBeFalsy();
    expect(released.structuredContent).toMatchObject({ env: "pr-old", intent: "release", status: "done" });
    expect((await call("describe_environment", { env: "pr-old" })).isError).toBe(true);
    const { records, caller } = await runRecords((released.structuredContent as { runId: string }).runId);
    const deletes = records.filter((r) => r.type === "action" && r.action === "delete");
    expect(deletes.length).toBeGreaterThan(0);
    for (const rec of deletes) expect(rec.reason).toBe(`released by ${caller} via MCP client ephemera-integration-test 0 (ephemera release): its task is finished`);
    const guarded = await call("release_environment", { env: "pr-guard", confirm: "pr-guard" });
    expect(guarded.isError).toBe(true);
    expect(guarded.structuredContent).toMatchObject({ status: "refused", message: expect.stringContaining("release refused") });
  });

  test("release_environment of an on-expiry pause environment is refused without discardData (the dry run too); with it, released, and the audit says so", async () => {
    const before = await auditKeys();
    for (const args of [{ env: "pr-keep", confirm: "pr-keep" }, { env: "pr-keep", dryRun: true }]) {
      const refused = await call("release_environment", args);
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ status: "refused", code: "keeps-data" });
      expect(texts(refused).join("\n")).toContain("discardData: true");
    }
    expect(await state("pr-keep")).toBe("active");
    expect(await auditKeys()).toEqual(before);

    const released = await call("release_environment", { env: "pr-keep", confirm: "pr-keep", discardData: true });
    expect(released.isError).toBeFalsy();
    expect(released.structuredContent).toMatchObject({ env: "pr-keep", intent: "release", status: "done", ok: true });
    expect(await state("pr-keep")).toBeUndefined();
    const { records, caller } = await runRecords((released.structuredContent as { runId: string }).runId);
    const reason = `released by ${caller} via MCP client ephemera-integration-test 0 (ephemera release --discard-data): its task is finished; ${DISCARDED_ON_REQUEST}`;
    const actions = records.filter((r) => r.type === "action");
    expect(actions.length).toBeGreaterThan(0);
    for (const rec of actions) expect(rec.reason).toBe(reason);
  });

  test("a malformed duration is a tool error with the CLI's own message", async () => {
    const result = await call("extend_environment", { env: "pr-mcp", duration: "soon" });
    const cli = await ephemera(["extend", "pr-mcp", "soon"]);
    expect(cli.code).toBe(2);
    expect(result).toEqual({ isError: true, content: [{ type: "text", text: cli.err }] });
    expect(cli.err).toContain('duration "soon"');
  });

  test("a missing required argument is an error, and the server answers the next call", async () => {
    const outcome = await call("extend_environment", { env: "pr-mcp" }).then(
      (result) => ({ isError: result.isError, text: texts(result).join("\n") }),
      (err: Error) => ({ isError: true, text: err.message }),
    );
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/duration/);
    const next = await call("describe_environment", { env: "pr-mcp" });
    expect(next.isError).toBeFalsy();
    expect(next.structuredContent).toMatchObject({ env: "pr-mcp", expiresAt: at(7 * HOUR) });
  });

  test("the server wrote nothing but notes to stderr, and stops on its own when stdin closes", async () => {
    expect(serverStderr.join("")).not.toMatch(/Error|at .*\.ts:\d+/);
    const pid = transport.pid!;
    const started = Date.now();
    await client.close();
    // The client sends SIGTERM only after waiting 2 s for the server to exit by itself.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
