import { act, type ActOptions, type ActResult } from "../../../../reaper/action/act";
import { AuditLog } from "../../../../reaper/audit/audit-log";
import { EnvLeases } from "../../../../reaper/action/env-lease";
import { verifyAuditRunIn } from "../../../../reaper/audit/verify-audit";
import { decide } from "../../../../reaper/decision/decide";
import type { Plan } from "../../../../reaper/contracts/plan";
import { ALL_KINDS, AUDIT_BUCKET, CONFIG, environment, envTags, inventory, NOW, resource } from "../../../support/reaper-fixtures";
import { awsError, FakeWorld, MemoryStateStore, RecordingNotifier } from "../../../support/reaper-fakes";

const RUN_ID = "20260501T120000Z-0000abcd";

function setup(plan: Plan, more: Partial<ActOptions<FakeWorld>> = {}) {
  const world = new FakeWorld();
  const store = new MemoryStateStore();
  const notifier = new RecordingNotifier();
  const options = (): ActOptions<FakeWorld> => ({
    plan,
    adapters: world.adapters(ALL_KINDS),
    ctx: world,
    audit: new AuditLog(store, RUN_ID, { startedAt: NOW, clock: () => NOW }),
    notifier,
    config: { auditBucket: AUDIT_BUCKET, concurrency: 4 },
    ...more,
  });
  return { world, store, notifier, options };
}

const deleteOf = (result: ActResult, id: string) => result.actions.find((a) => a.action === "delete" && a.target.id === id);

const reapPlan = (...envs: string[]) =>
  decide({ inventory: inventory(envs.flatMap((e) => environment(e, { state: "expiring" }))), now: NOW, config: CONFIG });

describe("act", () => {
  test("an expired environment's resources are deleted phase by phase: namespace, node group, database, the rest, budget last", async () => {
    const { world, options } = setup(reapPlan("pr-1"));
    const result = await act(options());
    expect(result.environments).toEqual([{ env: "pr-1", intent: "reap", status: "done" }]);
    expect(world.calls.filter((c) => c.startsWith("delete"))).toEqual([
      "delete k8s-namespace shared/pr-1",
      "delete eks-nodegroup shared/pr-1-spot",
      "delete rds-instance pr-1-db",
      "delete db-subnet-group pr-1-db-subnets",
      "delete secret pr-1/db-password",
      "delete s3-bucket pr-1-artifacts",
      "delete security-group sg-pr-1",
      "delete budget pr-1-budget",
      "delete scheduler-schedule pr-1-nightly",
    ]);
    // Every resource is marked reaping before the first delete.
    const firstDelete = world.calls.findIndex((c) => c.startsWith("delete"));
    expect(world.calls.slice(0, firstDelete)).toHaveLength(9);
    expect(world.calls.slice(0, firstDelete).every((c) => c.startsWith("tag"))).toBe(true);
    expect(world.tags.get("budget:pr-1-budget")).toEqual({ "ephemera:state": "reaping" });
  });

  test("an environment whose namespace delete failed keeps its database this run; other environments go on", async () => {
    const { world, options } = setup(reapPlan("pr-1", "pr-2"));
    world.failures.set("delete:k8s-namespace:shared/pr-1", awsError("InternalError", "apiserver unavailable", "k8s-req-1"));
    const result = await act(options());

    expect(result.environments).toEqual([
      { env: "pr-1", intent: "reap", status: "failed", failedStep: "namespace" },
      { env: "pr-2", intent: "reap", status: "done" },
    ]);
    expect(world.deleted.has("rds-instance:pr-1-db")).toBe(false);
    expect(world.deleted.has("rds-instance:pr-2-db")).toBe(true);
    expect(deleteOf(result, "shared/pr-1")).toMatchObject({
      outcome: "failed",
      code: "InternalError",
      requestId: "k8s-req-1",
      message: "apiserver unavailable",
    });
    expect(deleteOf(result, "pr-1-db")).toMatchObject({ outcome: "skipped", message: "not run: phase namespace failed" });
  });

  test("a failure reported by an adapter (not thrown) is recorded with its code, and the rest of that phase still runs", async () => {
    const { world, options } = setup(reapPlan("pr-1"));
    world.failures.set("delete:db-subnet-group:pr-1-db-subnets", { ok: false, code: "InvalidDBSubnetGroupStateFault", message: "in use" });
    const result = await act(options());
    expect(world.calls).toContain("delete secret pr-1/db-password");
    expect(world.calls).not.toContain("delete s3-bucket pr-1-artifacts");
    expect(deleteOf(result, "pr-1-db-subnets")).toMatchObject({ outcome: "failed", code: "InvalidDBSubnetGroupStateFault" });
  });

  test("rotating credentials goes to the kind's adapter; a kind without a master password refuses it, and the phase after is skipped", async () => {
    const db = resource("rds-instance", "pr-1-db", envTags("pr-1", { expiresInHours: 5 }), { status: "available" });
    const bucket = resource("s3-bucket", "pr-1-artifacts", envTags("pr-1", { expiresInHours: 5 }));
    const plan = (target: typeof db): Plan => ({
      version: 1,
      createdAt: NOW.toISOString(),
      environments: [
        {
          env: "pr-1",
          intent: "claim",
          reason: "claimed",
          phases: [
            { name: "database", actions: [{ type: "rotate-credentials", resource: target, secret: { env: "pr-1", tags: {} }, reason: "claimed" }] },
            { name: "mark", actions: [{ type: "tag", resource: db, tags: { "ephemera:state": "active" }, reason: "claimed" }] },
          ],
        },
      ],
      deferred: [],
      notes: [],
    });
    const rotating = setup(plan(db));
    const rotated: string[] = [];
    const adapters = rotating.world.adapters(ALL_KINDS).map((a) =>
      a.kind === "rds-instance" ? { ...a, rotateCredentials: async (_w: unknown, r: { id: string }) => (rotated.push(r.id), { ok: true, requestId: "rotated" }) } : a,
    );
    const withRotation = await act({ ...rotating.options(), adapters });
    expect(rotated).toEqual(["pr-1-db"]);
    expect(withRotation.actions.map((a) => `${a.action} ${a.outcome}`)).toEqual(["rotate-credentials done", "tag done"]);
    const refusing = setup(plan(bucket));
    const without = await act(refusing.options());
    expect(without.actions.map((a) => `${a.action} ${a.outcome}`)).toEqual(["rotate-credentials refused", "tag skipped"]);
    expect(without.actions[0]).toMatchObject({ code: "NoCredentials", message: "s3-bucket has no master password to rotate" });
  });

  test("a checkpoint goes to the kind's adapter with its snapshot name and tags, and is audited with them; a kind without snapshots refuses it", async () => {
    const db = resource("rds-instance", "pr-1-db", envTags("pr-1", { expiresInHours: 5 }), { status: "stopped" });
    const bucket = resource("s3-bucket", "pr-1-artifacts", envTags("pr-1", { expiresInHours: 5 }));
    const tags = { "ephemera:env": "pr-1", "ephemera:checkpoint": "before-migration" };
    const plan = (target: typeof db): Plan => ({
      version: 1,
      createdAt: NOW.toISOString(),
      environments: [
        { env: "pr-1", intent: "checkpoint", reason: "asked", phases: [{ name: "database", actions: [{ type: "checkpoint", resource: target, snapshot: "ephemera-pr-1-20260501120000", tags, reason: "asked" }] }] },
      ],
      deferred: [],
      notes: [],
    });
    const taking = setup(plan(db));
    const taken: string[] = [];
    const adapters = taking.world.adapters(ALL_KINDS).map((a) =>
      a.kind === "rds-instance"
        ? { ...a, checkpoint: async (_w: unknown, r: { id: string }, snapshot: string, t: Readonly<Record<string, string>>) => (taken.push(`${r.id} ${snapshot} ${t["ephemera:checkpoint"]}`), { ok: true, requestId: "taken" }) }
        : a,
    );
    const result = await act({ ...taking.options(), adapters });
    expect(taken).toEqual(["pr-1-db ephemera-pr-1-20260501120000 before-migration"]);
    expect(result.actions.map((a) => `${a.action} ${a.outcome}`)).toEqual(["checkpoint done"]);
    const refusing = setup(plan(bucket));
    const without = await act(refusing.options());
    expect(without.actions[0]).toMatchObject({ action: "checkpoint", outcome: "refused", code: "NoCheckpoint" });
  });

  test("running the same plan twice is safe: the second run finds everything already done", async () => {
    const { world, store, options } = setup(reapPlan("pr-1"));
    await act(options());
    // A second run: its own run id (two runs never share one; each record key is written once).
    const second = await act({ ...options(), audit: new AuditLog(store, "20260501T120500Z-0000beef", { startedAt: NOW, clock: () => NOW }) });
    expect(second.environments[0]?.status).toBe("done");
    expect(second.actions.filter((a) => a.action === "delete").every((a) => a.outcome === "already-done")).toBe(true);
    expect(world.deleted.size).toBe(9);
  });

  test("an action whose before-record cannot be written is not run, and the environment stops there", async () => {
    const { world, store, options } = setup(reapPlan("pr-1"));
    store.failWhen = (_key, body) => body.includes('"phase":"before"') && body.includes('"action":"delete"') && body.includes("pr-1-db\"");
    const result = await act(options());
    expect(world.calls).not.toContain("delete rds-instance pr-1-db");
    expect(world.calls).toContain("delete eks-nodegroup shared/pr-1-spot");
    expect(world.calls).not.toContain("delete secret pr-1/db-password");
    expect(deleteOf(result, "pr-1-db")).toMatchObject({ outcome: "skipped", code: "AuditWriteFailed" });
    expect(result.environments[0]).toMatchObject({ status: "failed", failedStep: "database" });
    // The refused write left no hole: the chain the run did write still verifies.
    expect(await verifyAuditRunIn(store, RUN_ID)).toMatchObject({ ok: true });
  });

  test("without the run-start record nothing is done at all", async () => {
    const { world, store, options } = setup(reapPlan("pr-1"));
    store.failWhen = () => true;
    const result = await act(options());
    expect(result.error).toMatch(/run-start audit record could not be written.*nothing was done/);
    expect(world.calls).toEqual([]);
  });

  test("a dry run executes nothing, writes nothing and returns the plan", async () => {
    const plan = reapPlan("pr-1");
    const { world, store, notifier, options } = setup(plan);
    const result = await act({ ...options(), dryRun: true });
    expect(result).toMatchObject({ dryRun: true, plan, actions: [] });
    expect(result.environments).toEqual([{ env: "pr-1", intent: "reap", status: "not-run" }]);
    expect(world.calls).toEqual([]);
    expect(store.puts).toEqual([]);
    expect(notifier.sent).toEqual([]);
  });

  test("every action is audited before and after, and the run's chain verifies", async () => {
    const { store, options } = setup(reapPlan("pr-1"));
    const result = await act(options());
    const records = store.records();
    expect(records[0]).toMatchObject({ type: "run-start", seq: 0, details: { plan: result.plan } });
    expect(records.at(-1)).toMatchObject({ type: "run-summary", details: { totals: { environments: { done: 1 } } } });
    const actions = records.filter((r) => r.type === "action");
    expect(actions).toHaveLength(2 * result.actions.length);
    expect(actions.slice(0, 2)).toEqual([
      expect.objectContaining({ phase: "before", outcome: "pending", env: "pr-1", action: "tag", step: "mark" }),
      expect.objectContaining({ phase: "after", outcome: "done", requestId: expect.stringMatching(/^req-tag-/) }),
    ]);
    expect(await verifyAuditRunIn(store, RUN_ID)).toEqual({
      runId: RUN_ID,
      ok: true,
      status: "complete",
      records: records.length,
      previous: null,
      finalHash: records.at(-1)!.hash,
    });
    // The end marker says so without reading the records.
    expect(store.markers()).toEqual([expect.stringMatching(new RegExp(`/${RUN_ID}/end\\.json$`))]);
  });

  test("onReaped runs once per environment reaped in full, under its lease, before the run-summary; not for a failed one", async () => {
    const called: string[] = [];
    const { world, store, options } = setup(reapPlan("pr-1", "pr-2"), {
      onReaped: async (env, audit) => {
        called.push(env);
        await audit.append({ type: "trace-sealed", env, details: { head: null } });
      },
    });
    world.failures.set("delete:k8s-namespace:shared/pr-2", awsError("InternalError", "apiserver unavailable"));
    const result = await act(options());
    expect(called).toEqual(["pr-1"]);
    const records = store.records();
    const sealed = records.findIndex((r) => r.type === "trace-sealed");
    const lastOfPr1 = records.map((r) => r.env === "pr-1" && r.type === "action").lastIndexOf(true);
    expect(sealed).toBeGreaterThan(lastOfPr1);
    expect(records.at(-1)).toMatchObject({ type: "run-summary" });
    expect(result.auditErrors).toEqual([]);
    expect(await verifyAuditRunIn(store, RUN_ID)).toMatchObject({ ok: true, status: "complete" });
  });

  test("an onReaped that fails is an audit error; the environment is still done (TTL first)", async () => {
    const { options } = setup(reapPlan("pr-1"), { onReaped: async () => Promise.reject(awsError("SlowDown", "reduce your request rate")) });
    const result = await act(options());
    expect(result.environments).toEqual([{ env: "pr-1", intent: "reap", status: "done" }]);
    expect(result.auditErrors).toEqual(["pr-1: its trace could not be sealed (SlowDown: reduce your request rate); the environment was reaped all the same"]);
  });

  test("with its time running out, no action starts inside the margin: the rest are deferred, and the summary lists them", async () => {
    const { world, store, options } = setup(reapPlan("pr-1"));
    // 2 minutes left until the fourth delete has started, then 30 s.
    const timeLeftMs = () => (world.calls.filter((c) => c.startsWith("delete")).length < 4 ? 120_000 : 30_000);
    const result = await act({ ...options(), config: { auditBucket: AUDIT_BUCKET, concurrency: 4, deadlineMarginMs: 60_000 }, timeLeftMs });

    expect(world.calls.filter((c) => c.startsWith("delete"))).toEqual([
      "delete k8s-namespace shared/pr-1",
      "delete eks-nodegroup shared/pr-1-spot",
      "delete rds-instance pr-1-db",
      "delete db-subnet-group pr-1-db-subnets",
    ]);
    expect(result.environments).toEqual([{ env: "pr-1", intent: "reap", status: "deferred", deferredStep: "database-dependencies" }]);
    const deferred = result.actions.filter((a) => a.outcome === "deferred");
    expect(deferred.map((a) => a.target.id)).toEqual(["pr-1/db-password", "pr-1-artifacts", "sg-pr-1", "pr-1-budget", "pr-1-nightly"]);
    expect(deferred[0]).toMatchObject({ code: "OutOfTime", message: "not started: 30 s left, under the 60 s margin; the next run does it" });
    // Nothing deferred has a before-record; every action started has both.
    const records = store.records() as { type: string; action?: string; phase?: string; resource?: { id: string }; details?: { deferred?: { resource: { id: string } }[] } }[];
    expect(records.filter((r) => r.action === "delete" && deferred.some((d) => d.target.id === r.resource?.id))).toEqual([]);
    expect(records.filter((r) => r.phase === "before").length).toBe(records.filter((r) => r.phase === "after").length);
    expect(records.at(-1)!.details!.deferred!.map((d) => d.resource.id)).toEqual(deferred.map((a) => a.target.id));
    expect(await verifyAuditRunIn(store, RUN_ID)).toMatchObject({ ok: true, status: "complete" });
  });

  test("a run already inside the margin starts nothing, and still writes its run-start and summary", async () => {
    const { world, store, options } = setup(reapPlan("pr-1"));
    const result = await act({ ...options(), timeLeftMs: () => 59_999 });
    expect(world.calls).toEqual([]);
    expect(result.actions.every((a) => a.outcome === "deferred")).toBe(true);
    expect(result.environments[0]).toMatchObject({ status: "deferred", deferredStep: "mark" });
    expect(store.records().map((r) => r.type)).toEqual(["run-start", "run-summary"]);
  });

  test("three runs acting at once on the same stale plan warn each owner once, and never race one environment", async () => {
    const envs = ["pr-1", "pr-2", "pr-3", "pr-4", "pr-5", "pr-6"];
    const plan = decide({ inventory: inventory(envs.flatMap((e) => environment(e, { expiresInHours: 0.5 }))), now: NOW, config: CONFIG });
    expect(plan.environments.map((e) => e.intent)).toEqual(envs.map(() => "warn"));
    const { world, store, notifier, options } = setup(plan);
    world.delayMs = 5;
    const runs = ["20260501T120000Z-0000000a", "20260501T120000Z-0000000b", "20260501T120000Z-0000000c"].map((runId) =>
      act({
        ...options(),
        audit: new AuditLog(store, runId, { startedAt: NOW, clock: () => NOW }),
        leases: new EnvLeases(store, { runId, leaseMs: 300_000, lookedAt: new Date(NOW.getTime() - 1_000), clock: () => NOW }),
      }),
    );
    const results = await Promise.all(runs);
    expect(notifier.sent).toHaveLength(envs.length);
    expect(envs.every((env) => notifier.sent.filter((n) => n.subject.includes(env)).length === 1)).toBe(true);
    for (const env of envs) {
      const statuses = results.map((r) => r.environments.find((e) => e.env === env)!.status).sort();
      expect(statuses).toEqual(["deferred", "deferred", "done"]);
    }
    expect(world.maxOpsPerEnvInFlight).toBe(1);
    const deferred = results.flatMap((r) => r.actions).filter((a) => a.outcome === "deferred");
    expect(deferred.length).toBeGreaterThan(0);
    expect(deferred.every((a) => a.code === "LeaseHeld" || a.code === "ActedOnSince")).toBe(true);
  });

  test("the audit bucket is refused even when a hand-made plan names it", async () => {
    const bucket = resource("s3-bucket", AUDIT_BUCKET, envTags("pr-1"));
    const plan: Plan = {
      version: 1,
      createdAt: NOW.toISOString(),
      deferred: [],
      notes: [],
      environments: [{ env: "pr-1", intent: "reap", reason: "hand-made", phases: [{ name: "resources", actions: [{ type: "delete", resource: bucket, reason: "x" }] }] }],
    };
    const { world, store, options } = setup(plan);
    const result = await act(options());
    expect(world.calls).toEqual([]);
    expect(result.actions).toEqual([expect.objectContaining({ outcome: "refused", code: "AuditBucketProtected" })]);
    expect(store.records().filter((r) => r.type === "action").map((r) => r.outcome)).toEqual(["pending", "refused"]);
  });

  test("a kind without a pause operation is not-applicable, not a failure", async () => {
    const plan = decide({ inventory: inventory(environment("pr-1", { state: "expiring", onExpiry: "pause" })), now: NOW, config: CONFIG });
    const { world, options } = setup(plan);
    const result = await act({ ...options(), adapters: world.adapters(ALL_KINDS, { withoutPause: ["k8s-namespace"] }) });
    expect(result.environments[0]?.status).toBe("done");
    expect(result.actions.find((a) => a.target.kind === "k8s-namespace" && a.action === "pause")?.outcome).toBe("not-applicable");
    expect(world.paused.has("rds-instance:pr-1-db")).toBe(true);
  });

  test("a kind with no adapter fails its action with NoAdapter", async () => {
    const { world, options } = setup(reapPlan("pr-1"));
    const result = await act({ ...options(), adapters: world.adapters(ALL_KINDS.filter((k) => k !== "secret")) });
    expect(result.actions.find((a) => a.target.kind === "secret" && a.action === "tag")).toMatchObject({ outcome: "failed", code: "NoAdapter" });
  });

  test("the adapter table may be a record keyed by kind", async () => {
    const { world, options } = setup(reapPlan("pr-1"));
    const record = Object.fromEntries(world.adapters(ALL_KINDS).map((a) => [a.kind, a]));
    const result = await act({ ...options(), adapters: record });
    expect(result.environments[0]?.status).toBe("done");
  });

  test("a warning is published to the owner's topic and then the environment is marked", async () => {
    const plan = decide({ inventory: inventory(environment("pr-1", { expiresInHours: 0.5 })), now: NOW, config: CONFIG });
    const { world, notifier, options } = setup(plan);
    const result = await act(options());
    expect(notifier.sent).toEqual([expect.objectContaining({ topicArn: "arn:aws:sns:us-east-1:123456789012:team-web" })]);
    expect(result.actions[0]).toMatchObject({ action: "notify", outcome: "done", requestId: "sns-req" });
    expect(world.calls.every((c) => c.startsWith("tag"))).toBe(true);
  });

  test("a failed notification leaves the environment unmarked, so the next run warns again", async () => {
    const plan = decide({ inventory: inventory(environment("pr-1", { expiresInHours: 0.5 })), now: NOW, config: CONFIG });
    const { world, notifier, options } = setup(plan);
    notifier.fail = awsError("NotFound", "Topic does not exist");
    const result = await act(options());
    expect(world.calls).toEqual([]);
    expect(result.environments[0]).toMatchObject({ status: "failed", failedStep: "notify" });
  });

  test("environments are acted on concurrently, never more at once than configured", async () => {
    const { world, options } = setup(reapPlan("pr-a", "pr-b", "pr-c", "pr-d", "pr-e"));
    world.delayMs = 2;
    const result = await act({ ...options(), config: { auditBucket: AUDIT_BUCKET, concurrency: 2 } });
    expect(result.environments.every((e) => e.status === "done")).toBe(true);
    expect(world.maxEnvsInFlight).toBe(2);
  });
});
