import type { PoolSettings } from "../../../../reaper/config/pool-settings";
import { type Baseline, decidePool, type PoolMember } from "../../../../reaper/pool/decide-pool";

const NOW = new Date("2026-05-02T12:00:00Z");
const DAY = 86_400_000;
const POOL: PoolSettings = { name: "default", size: 3, maxAgeMs: DAY };
const BASELINE = { snapshot: "app-baseline-2026-05-02", createdAt: "2026-05-02T00:00:00Z" } as const satisfies Baseline;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

function member(id: string, over: Partial<PoolMember> = {}): PoolMember {
  return { id, status: "available", baseline: BASELINE.snapshot, restoredAt: hoursAgo(2), ...over };
}

describe("the warm pool's decisions", () => {
  test("an empty pool is filled to its size from the newest baseline snapshot", () => {
    expect(decidePool(POOL, [], BASELINE, NOW)).toEqual({ restore: 3, from: "app-baseline-2026-05-02", remove: [], fresh: 3 });
  });

  test("a pool short of its size is topped up; databases still restoring count", () => {
    const d = decidePool(POOL, [member("a"), member("b", { status: "creating" })], BASELINE, NOW);
    expect(d).toMatchObject({ restore: 1, remove: [], fresh: 3 });
  });

  test("a claimed database is the environment's: it never counts towards the pool, and is never removed", () => {
    const claimed = ["a", "b", "c"].map((id) => member(id, { claimedBy: `pr-${id}`, restoredAt: hoursAgo(100) }));
    expect(decidePool(POOL, claimed, BASELINE, NOW)).toEqual({ restore: 3, from: BASELINE.snapshot, remove: [], fresh: 3 });
  });

  test("a database older than the max age is replaced: kept until its replacement is ready, then removed", () => {
    const old = member("old", { restoredAt: hoursAgo(25) });
    const first = decidePool(POOL, [member("a"), member("b"), old], BASELINE, NOW);
    expect(first).toMatchObject({ restore: 1, remove: [] });
    const second = decidePool(POOL, [member("a"), member("b"), member("new", { restoredAt: hoursAgo(0.1) }), old], BASELINE, NOW);
    expect(second).toMatchObject({ restore: 0, remove: [{ id: "old", reason: `restored at ${hoursAgo(25)}, older than the pool's max age` }] });
  });

  test("a database restored from an older baseline snapshot is replaced the same way", () => {
    const older = member("older", { baseline: "app-baseline-2026-05-01" });
    const ready = [member("a"), member("b"), member("c")];
    expect(decidePool(POOL, [...ready, older], BASELINE, NOW).remove).toEqual([
      { id: "older", reason: "restored from app-baseline-2026-05-01, not the newest baseline app-baseline-2026-05-02" },
    ]);
    expect(decidePool(POOL, [member("a"), older], BASELINE, NOW)).toMatchObject({ restore: 2, remove: [] });
  });

  test("a restore that failed is removed and replaced", () => {
    const d = decidePool(POOL, [member("a"), member("b"), member("bad", { status: "incompatible-restore" })], BASELINE, NOW);
    expect(d).toMatchObject({ restore: 1, remove: [{ id: "bad", reason: "its restore ended incompatible-restore" }] });
  });

  test("when the baseline cannot be looked up, nothing is restored or replaced: only broken databases go", () => {
    const members = [member("old", { restoredAt: hoursAgo(50) }), member("bad", { status: "failed" })];
    const d = decidePool(POOL, members, { unknown: "DBSnapshotNotFound" }, NOW);
    expect(d).toEqual({ restore: 0, remove: [{ id: "bad", reason: "its restore ended failed" }], fresh: 1, note: "the baseline's newest snapshot is unknown (DBSnapshotNotFound); the pool is left as it is" });
  });

  test("a pool whose size was lowered gives up its oldest warm databases", () => {
    const members = [member("a", { restoredAt: hoursAgo(3) }), member("b", { restoredAt: hoursAgo(2) }), member("c", { restoredAt: hoursAgo(1) })];
    expect(decidePool({ ...POOL, size: 1 }, members, BASELINE, NOW).remove.map((r) => r.id)).toEqual(["a", "b"]);
  });

  test("a database being deleted is neither counted nor removed again", () => {
    expect(decidePool(POOL, [member("gone", { status: "deleting" })], BASELINE, NOW)).toMatchObject({ restore: 3, remove: [] });
  });
});
