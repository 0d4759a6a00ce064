import { sweep, type SweepOptions } from "../../../../reaper/operations/sweep";
import { reaperConfig } from "../../../../reaper/config/reaper-config";
import { verifyAuditRunIn } from "../../../../reaper/audit/verify-audit";
import type { KindName } from "../../../../reaper/contracts/kind-adapter";
import { AUDIT_BUCKET, environment, inventory, NOW } from "../../../support/reaper-fixtures";
import { FakeWorld, MemoryStateStore, RecordingNotifier } from "../../../support/reaper-fakes";

const ACCOUNT = "123456789012";
const KINDS: KindName[] = ["k8s-namespace", "eks-nodegroup", "rds-instance", "db-subnet-group", "secret", "s3-bucket", "security-group", "budget", "scheduler-schedule"];

function setup(more: Partial<SweepOptions<FakeWorld>> = {}) {
  const world = new FakeWorld();
  const store = new MemoryStateStore();
  let discovered = 0;
  const options: SweepOptions<FakeWorld> = {
    config: reaperConfig({ auditBucket: AUDIT_BUCKET, allowedAccounts: [ACCOUNT] }),
    callerAccount: async () => ACCOUNT,
    discover: async () => {
      discovered += 1;
      return inventory([...environment("pr-1", { state: "expiring" }), ...environment("pr-2", { expiresInHours: 0.5 })]);
    },
    adapters: world.adapters(KINDS),
    ctx: world,
    auditStore: store,
    notifier: new RecordingNotifier(),
    clock: () => NOW,
    runId: "20260501T120000Z-00000001",
    ...more,
  };
  return { world, store, options, discovered: () => discovered };
}

describe("sweep", () => {
  test("discovers, decides and acts, and the run's audit chain verifies", async () => {
    const { world, store, options } = setup();
    const result = await sweep(options);
    expect(result).toMatchObject({ ok: true, accountId: ACCOUNT, runId: "20260501T120000Z-00000001", dryRun: false });
    expect(result.result?.environments.map((e) => [e.env, e.intent, e.status])).toEqual([
      ["pr-1", "reap", "done"],
      ["pr-2", "warn", "done"],
    ]);
    expect(world.deleted.has("rds-instance:pr-1-db")).toBe(true);
    expect(await verifyAuditRunIn(store, result.runId)).toMatchObject({ ok: true });
  });

  test("in an account that is not allowed it lists nothing, acts on nothing and says so", async () => {
    const { world, store, options, discovered } = setup({ callerAccount: async () => "999999999999" });
    const result = await sweep(options);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/account 999999999999 is not in allowedAccounts \(123456789012\); nothing was done/);
    expect(discovered()).toBe(0);
    expect(world.calls).toEqual([]);
    expect(store.puts).toEqual([]);
  });

  test("with no allowed accounts configured it refuses everywhere", async () => {
    const { options } = setup();
    const result = await sweep({ ...options, config: reaperConfig({ auditBucket: AUDIT_BUCKET }) });
    expect(result.error).toMatch(/not in allowedAccounts \(none configured\)/);
  });

  test("when the caller's account cannot be established it refuses", async () => {
    const { world, options } = setup({ callerAccount: async () => Promise.reject(new Error("no credentials")) });
    const result = await sweep(options);
    expect(result.error).toMatch(/could not be established.*no credentials/);
    expect(world.calls).toEqual([]);
  });

  test("a dry run plans and returns the plan but executes and writes nothing", async () => {
    const { world, store, options } = setup({ dryRun: true });
    const result = await sweep(options);
    expect(result.dryRun).toBe(true);
    expect(result.plan?.environments.map((e) => e.env)).toEqual(["pr-1", "pr-2"]);
    expect(world.calls).toEqual([]);
    expect(store.puts).toEqual([]);
  });

  test("a discovery that throws stops the run before any action", async () => {
    const { world, options } = setup({ discover: async () => Promise.reject(new Error("boom")) });
    const result = await sweep(options);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("discovery failed (Error: boom)") });
    expect(world.calls).toEqual([]);
  });

  test("a failed action makes the run not ok, without stopping the other environments", async () => {
    const { world, options } = setup();
    world.failures.set("delete:k8s-namespace:shared/pr-1", { ok: false, code: "Forbidden", message: "no" });
    const result = await sweep(options);
    expect(result.ok).toBe(false);
    expect(result.error).toBeUndefined();
    expect(result.result?.environments.find((e) => e.env === "pr-2")?.status).toBe("done");
  });

  test("an action whose answer was lost is recorded as unknown, marked for later runs, and makes the run not ok", async () => {
    const { world, store, options } = setup();
    world.failures.set("delete:rds-instance:pr-1-db", Object.assign(new Error("socket hang up"), { name: "Error", code: "ECONNRESET" }));
    const result = await sweep(options);
    expect(result.ok).toBe(false);
    expect(result.result?.actions.find((a) => a.target.id === "pr-1-db" && a.action === "delete")).toMatchObject({ outcome: "unknown" });
    expect(result.result?.environments.find((e) => e.env === "pr-1")).toMatchObject({ status: "failed", failedStep: "database" });
    expect(store.markers().filter((k) => k.includes("/unknown-"))).toHaveLength(1);
  });

  test("a later full sweep that no longer finds the resource of an unknown outcome records it confirmed gone, once", async () => {
    const { world, store, options } = setup();
    world.failures.set("delete:rds-instance:pr-1-db", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await sweep(options);
    // The delete had happened after all: the database is gone, the rest of pr-1 is still there.
    const second = setup().options;
    const withoutDb = async () => inventory(environment("pr-1", { state: "expiring" }).filter((r) => r.id !== "pr-1-db"));
    const run2 = await sweep({ ...second, auditStore: store, discover: withoutDb, runId: "20260501T121500Z-00000002", clock: () => new Date(NOW.getTime() + 15 * 60_000) });
    expect(run2.ok).toBe(true);
    const gone = store.records().filter((r) => r.type === "confirmed-gone");
    expect(gone).toEqual([expect.objectContaining({ runId: run2.runId, env: "pr-1", resource: expect.objectContaining({ kind: "rds-instance", id: "pr-1-db" }) })]);
    expect(store.markers().filter((k) => k.includes("/gone-"))).toHaveLength(1);
    const run3 = await sweep({ ...second, auditStore: store, discover: withoutDb, runId: "20260501T123000Z-00000003", clock: () => new Date(NOW.getTime() + 30 * 60_000) });
    expect(run3.ok).toBe(true);
    expect(store.records().filter((r) => r.type === "confirmed-gone")).toHaveLength(1);
  });

  test("an unknown outcome is not confirmed gone when its kind's listing failed, or when the sweep covered only some environments", async () => {
    const { world, store, options } = setup();
    world.failures.set("delete:rds-instance:pr-1-db", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await sweep(options);
    const failedListing = async () =>
      inventory(environment("pr-1", { state: "expiring" }).filter((r) => r.kind !== "rds-instance"), [{ kind: "rds-instance", scope: "us-east-1", code: "Throttling", message: "Rate exceeded" }]);
    const later = (n: number) => ({ runId: `20260501T12${n}000Z-0000000${n}`, clock: () => new Date(NOW.getTime() + n * 10 * 60_000) });
    await sweep({ ...setup().options, auditStore: store, discover: failedListing, ...later(2) });
    const nothing = async () => inventory([]);
    await sweep({ ...setup().options, auditStore: store, discover: nothing, reconcile: false, ...later(3) });
    expect(store.records().filter((r) => r.type === "confirmed-gone")).toEqual([]);
  });

  test("a sweep closes the chain of a run that stopped, and its run-start names the run before it", async () => {
    const { store, options } = setup();
    store.failWhen = (_key, body) => body.includes('"type":"run-summary"');
    await sweep(options);
    store.failWhen = () => false;
    const later = new Date(NOW.getTime() + 20 * 60_000);
    const run2 = await sweep({ ...options, runId: "20260501T122000Z-00000002", clock: () => later });
    const start = store.records().find((r) => r.runId === run2.runId && r.type === "run-start") as { details: Record<string, unknown> };
    const closing = store.records().find((r) => r.type === "run-closed") as { hash: string };
    expect(start.details).toMatchObject({ previous: { runId: options.runId, hash: closing.hash }, closedRuns: [{ runId: options.runId, actionsWithUnknownOutcome: 0 }] });
    expect(await verifyAuditRunIn(store, options.runId!, { now: later })).toMatchObject({ ok: true, status: "closed", closedBy: run2.runId });
  });

  test("budget alerts reach decide", async () => {
    const { options } = setup({ budgetAlerts: ["pr-2"] });
    const result = await sweep(options);
    expect(result.plan?.environments.find((e) => e.env === "pr-2")?.intent).toBe("pause");
  });
});
