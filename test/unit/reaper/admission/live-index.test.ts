import { freshLiveIndex, liveIndexOf, liveIndexRegister, storeLiveIndex } from "../../../../reaper/admission/live-index";
import { LIVE_INDEX_PREFIX, TAG } from "../../../../reaper/model";
import { versionKey } from "../../../../reaper/state/state-keys";
import { MemoryStateStore } from "../../../support/reaper-fakes";
import { AUDIT_BUCKET, environment, HOUR, inventory, NOW } from "../../../support/reaper-fixtures";

const MINUTE = 60_000;
const MAX_AGE = 10 * MINUTE;

/** A store whose clock (S3's) the test moves. */
function storeAt(start: Date): { store: MemoryStateStore; advance: (ms: number) => void } {
  let now = start.getTime();
  const store = new MemoryStateStore(() => new Date(now));
  return { store, advance: (ms) => (now += ms) };
}

describe("the live-environment index", () => {
  const found = inventory([...environment("pr-1", { owner: "ana@example.com" }), ...environment("pr-2", { owner: "bo@example.com", state: "paused" }, { limitUsd: 40, actualUsd: 1 })]);

  it("holds every environment a complete discovery found, with its owners, state and budget", () => {
    const index = liveIndexOf(found, AUDIT_BUCKET, "run-1", NOW);
    expect(index).toEqual({
      runId: "run-1",
      at: NOW.toISOString(),
      environments: [
        { env: "pr-1", owners: ["ana@example.com"], state: "active", budgetUsd: 25 },
        { env: "pr-2", owners: ["bo@example.com"], state: "paused", budgetUsd: 40 },
      ],
    });
  });

  it("is kept as the register's next version, once per sweep, and read back fresh by S3's clock", async () => {
    const { store, advance } = storeAt(NOW);
    expect(await storeLiveIndex(store, found, liveIndexOf(found, AUDIT_BUCKET, "run-1", NOW))).toBeUndefined();
    advance(MINUTE);
    expect(await storeLiveIndex(store, found, liveIndexOf(inventory(environment("pr-3")), AUDIT_BUCKET, "run-2", NOW))).toBeUndefined();
    expect([...store.objects.keys()].filter((k) => k.startsWith(LIVE_INDEX_PREFIX)).sort()).toEqual([versionKey(LIVE_INDEX_PREFIX, 2), versionKey(LIVE_INDEX_PREFIX, 1)]);
    advance(2 * MINUTE);
    const lookup = await freshLiveIndex(store, MAX_AGE, NOW);
    expect(lookup).toMatchObject({ fresh: true, ageMs: 2 * MINUTE, index: { runId: "run-2", environments: [{ env: "pr-3" }] } });
  });

  it("is never kept from a discovery whose listing failed: the environments it hid would go uncounted", async () => {
    const { store } = storeAt(NOW);
    const partial = inventory(environment("pr-1"), [{ kind: "rds-instance", scope: "region us-east-1", code: "ThrottlingException", message: "Rate exceeded" }]);
    expect(await storeLiveIndex(store, partial, liveIndexOf(partial, AUDIT_BUCKET, "run-1", NOW))).toContain("a listing failed");
    expect(store.requests.put).toBe(0);
    expect(await freshLiveIndex(store, MAX_AGE, NOW)).toMatchObject({ fresh: false, why: "no full sweep has kept an index yet" });
  });

  it("goes stale by S3's clock, whatever the host's clock says", async () => {
    const { store, advance } = storeAt(NOW);
    await storeLiveIndex(store, found, liveIndexOf(found, AUDIT_BUCKET, "run-1", NOW));
    advance(MAX_AGE + 1_000);
    // A host whose clock lags by an hour still sees the index as S3 does: too old.
    expect(await freshLiveIndex(store, MAX_AGE, new Date(NOW.getTime() - HOUR))).toMatchObject({ fresh: false, why: "the newest index is 601 s old, over the 600 s allowed" });
  });

  it("is not used when turned off (a max age of 0), nor when it cannot be read", async () => {
    const { store } = storeAt(NOW);
    await storeLiveIndex(store, found, liveIndexOf(found, AUDIT_BUCKET, "run-1", NOW));
    expect(await freshLiveIndex(store, 0, NOW)).toEqual({ fresh: false, why: "the index is turned off (EPHEMERA_ADMISSION_INDEX_MAX_AGE=0)" });
    store.scan = async () => {
      throw new Error("AccessDenied: not allowed to list live-index/");
    };
    expect(await freshLiveIndex(store, MAX_AGE, NOW)).toEqual({ fresh: false, why: "the index could not be read (AccessDenied: not allowed to list live-index/)" });
  });

  it("passes over a malformed version, and counts from the newest good one", async () => {
    const { store } = storeAt(NOW);
    await storeLiveIndex(store, found, liveIndexOf(found, AUDIT_BUCKET, "run-1", NOW));
    const malformed = { runId: "run-2", at: NOW.toISOString(), environments: [{ env: "pr-9", owners: "nobody", state: "active" }] };
    await store.put(versionKey(LIVE_INDEX_PREFIX, 2), JSON.stringify({ v: 1, seq: 2, value: malformed }));
    const lookup = await freshLiveIndex(store, MAX_AGE, NOW);
    expect(lookup).toMatchObject({ fresh: true, index: { runId: "run-1" } });
    expect(lookup.read?.skipped.join()).toContain("an indexed environment is malformed");
    // The next sweep writes above the malformed version, never over it.
    expect((await liveIndexRegister(store).read()).next).toBe(3);
  });

  it("reads an environment's budget from its budget, else its budget tag", () => {
    const tagged = environment("pr-4").filter((r) => r.kind !== "budget").map((r) => ({ ...r, tags: { ...r.tags, [TAG.budgetUsd]: "12.5" } }));
    expect(liveIndexOf(inventory(tagged), AUDIT_BUCKET, "run-1", NOW).environments).toEqual([expect.objectContaining({ env: "pr-4", budgetUsd: 12.5 })]);
  });
});
