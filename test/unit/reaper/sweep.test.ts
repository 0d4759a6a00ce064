import { sweep, type SweepOptions } from "../../../reaper/sweep";
import { reaperConfig } from "../../../reaper/runtime/reaper-config";
import { verifyAuditRunIn } from "../../../reaper/audit/verify-audit";
import type { KindName } from "../../../reaper/kinds/kind-adapter";
import { AUDIT_BUCKET, environment, inventory, NOW } from "../../support/reaper-fixtures";
import { FakeWorld, MemoryAuditStore, RecordingNotifier } from "../../support/reaper-fakes";

const ACCOUNT = "123456789012";
const KINDS: KindName[] = ["k8s-namespace", "eks-nodegroup", "rds-instance", "db-subnet-group", "secret", "s3-bucket", "security-group", "budget", "scheduler-schedule"];

function setup(more: Partial<SweepOptions<FakeWorld>> = {}) {
  const world = new FakeWorld();
  const store = new MemoryAuditStore();
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

  test("budget alerts reach decide", async () => {
    const { options } = setup({ budgetAlerts: ["pr-2"] });
    const result = await sweep(options);
    expect(result.plan?.environments.find((e) => e.env === "pr-2")?.intent).toBe("pause");
  });
});
