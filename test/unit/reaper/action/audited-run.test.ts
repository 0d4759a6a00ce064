import { actionFailed, type ActionOutcomeKind, actionSucceeded } from "../../../../reaper/action/act";
import { actAsAuditedRun, type AuditedRunOptions } from "../../../../reaper/action/audited-run";
import type { RunOpening } from "../../../../reaper/audit/run-ledger";
import { decide } from "../../../../reaper/decision/decide";
import { reaperConfig } from "../../../../reaper/config/reaper-config";
import { leasePrefix } from "../../../../reaper/state/state-keys";
import { ALL_KINDS, AUDIT_BUCKET, CONFIG, environment, inventory, NOW } from "../../../support/reaper-fixtures";
import { FakeWorld, MemoryStateStore, RecordingNotifier } from "../../../support/reaper-fakes";

const FIRST = "20260501T120000Z-00000001";
const SECOND = "20260501T121000Z-00000002";
const LATER = new Date(NOW.getTime() + 10 * 60_000);

function options(store: MemoryStateStore, more: Partial<AuditedRunOptions<FakeWorld>> = {}): AuditedRunOptions<FakeWorld> {
  const world = new FakeWorld();
  return {
    store,
    runId: FIRST,
    startedAt: NOW,
    clock: () => NOW,
    config: reaperConfig({ auditBucket: AUDIT_BUCKET }),
    dryRun: false,
    plan: decide({ inventory: inventory(environment("pr-1", { state: "expiring" })), now: NOW, config: CONFIG }),
    adapters: world.adapters(ALL_KINDS),
    ctx: world,
    notifier: new RecordingNotifier(),
    ...more,
  };
}

const runStartOf = (store: MemoryStateStore, runId: string) =>
  (store.records().find((r) => r.runId === runId && r.type === "run-start") as { details: Record<string, unknown> } | undefined)?.details;

describe("the outcome set", () => {
  const kinds: ActionOutcomeKind[] = ["done", "already-done", "not-applicable", "failed", "refused", "unknown", "skipped", "deferred"];

  test("done, already-done and not-applicable succeed; deferred neither succeeds nor fails; the rest fail", () => {
    expect(kinds.filter(actionSucceeded)).toEqual(["done", "already-done", "not-applicable"]);
    expect(kinds.filter(actionFailed)).toEqual(["failed", "refused", "unknown", "skipped"]);
  });
});

describe("actAsAuditedRun", () => {
  test("opens the run against the trail: its run-start names the run before it, and confirmedGone is asked with the opening", async () => {
    const store = new MemoryStateStore();
    const first = await actAsAuditedRun(options(store));
    expect(first.environments).toEqual([{ env: "pr-1", intent: "reap", status: "done" }]);
    const openings: RunOpening[] = [];
    await actAsAuditedRun(options(store, { runId: SECOND, startedAt: LATER, clock: () => LATER, confirmedGone: (o) => (openings.push(o), []) }));
    expect(runStartOf(store, SECOND)).toMatchObject({ previous: { runId: FIRST } });
    expect(openings).toHaveLength(1);
    expect(openings[0]?.previous?.runId).toBe(FIRST);
  });

  test("with lookBack false it skips openRun: the run-start names no previous run, and confirmedGone is not asked", async () => {
    const store = new MemoryStateStore();
    await actAsAuditedRun(options(store));
    let asked = false;
    await actAsAuditedRun(options(store, { runId: SECOND, startedAt: LATER, clock: () => LATER, lookBack: false, confirmedGone: () => ((asked = true), []) }));
    expect(runStartOf(store, SECOND)).toMatchObject({ previous: null });
    expect(asked).toBe(false);
  });

  test("runDetails go into the run-start record beside the plan (a reviewed plan's hash)", async () => {
    const store = new MemoryStateStore();
    await actAsAuditedRun(options(store, { runDetails: { reviewedPlan: { hash: "ab".repeat(32), skipped: [] } } }));
    expect(runStartOf(store, FIRST)).toMatchObject({ reviewedPlan: { hash: "ab".repeat(32), skipped: [] }, plan: { environments: [{ env: "pr-1" }] }, previous: null });
  });

  test("acting, it takes each environment's lease; a dry run writes nothing at all", async () => {
    const acting = new MemoryStateStore();
    await actAsAuditedRun(options(acting));
    expect(acting.puts.some((k) => k.startsWith(leasePrefix("pr-1")))).toBe(true);

    const dry = new MemoryStateStore();
    const opensNoRun = (): never => {
      throw new Error("a dry run opens no run");
    };
    const result = await actAsAuditedRun(options(dry, { dryRun: true, confirmedGone: opensNoRun }));
    expect(result).toMatchObject({ runId: FIRST, dryRun: true, actions: [], environments: [{ env: "pr-1", status: "not-run" }] });
    expect(dry.puts).toEqual([]);
    expect(dry.requests).toEqual({ put: 0, list: 0, get: 0 });
  });
});
