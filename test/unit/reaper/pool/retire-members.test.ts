import type { EnvironmentPlan } from "../../../../reaper/contracts/plan";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { readClaim, releaseClaim, takeClaim } from "../../../../reaper/pool/claim-record";
import { ABANDONED_CLAIM_MS, retireMembers } from "../../../../reaper/pool/retire-members";
import { awsError, MemoryStateStore } from "../../../support/reaper-fakes";

const AT = new Date("2026-05-01T12:00:00Z");
const db = (id: string): DiscoveredResource => ({ kind: "rds-instance", id, region: "us-east-1", tags: { "ephemera:pool": "default", "ephemera:state": "warm" } });
const refillOf = (...ids: string[]): { plan: EnvironmentPlan; notes: [] } => ({
  plan: { env: "pool:default", intent: "refill", reason: "refill pool default", phases: [{ name: "database", actions: ids.map((id) => ({ type: "delete" as const, resource: db(id), reason: "replaced: stale" })) }] },
  notes: [],
});
const claim = (store: MemoryStateStore, database: string, env: string) => takeClaim(store, { pool: "default", database, env, claimant: `agent-${env}`, at: AT.toISOString() });
const retire = (store: MemoryStateStore, ...ids: string[]) => retireMembers(store, refillOf(...ids), "default", "refill", AT);
const deletes = (r: Awaited<ReturnType<typeof retire>>) => r.plan?.phases.flatMap((p) => p.actions.map((a) => ("resource" in a ? a.resource.id : ""))) ?? [];

describe("a refill retires a warm database before deleting it", () => {
  test("a claim that landed between the refill's listing and its delete keeps its database: the delete is dropped and said", async () => {
    const store = new MemoryStateStore();
    expect(await claim(store, "db-a", "pr-1")).toBe("mine");
    const retired = await retire(store, "db-a", "db-b");
    expect(deletes(retired)).toEqual(["db-b"]);
    expect(retired.notes).toEqual([{ level: "warning", code: "pool", env: "pool:default", resource: { kind: "rds-instance", id: "db-a" }, message: "db-a was claimed since the pool was listed: not deleted" }]);
    expect(await readClaim(store, "default", "db-a")).toBe("pr-1");
  });

  test("a database the refill retired first can no longer be claimed", async () => {
    const store = new MemoryStateStore();
    expect(deletes(await retire(store, "db-a"))).toEqual(["db-a"]);
    expect(await claim(store, "db-a", "pr-1")).toBe("other");
    expect(await readClaim(store, "default", "db-a")).toBe("pool:default");
  });

  test("whichever order a claim and a refill's retirement run in, exactly one of them wins the database", async () => {
    for (const claimFirst of [true, false]) {
      const store = new MemoryStateStore();
      const [claimed, retired] = claimFirst
        ? await Promise.all([claim(store, "db-a", "pr-1"), retire(store, "db-a")])
        : await Promise.all([retire(store, "db-a"), claim(store, "db-a", "pr-1")]).then(([r, c]) => [c, r] as const);
      expect([claimed === "mine", deletes(retired).includes("db-a")].filter(Boolean)).toHaveLength(1);
    }
  });

  test("a retirement whose answer was lost still deletes: the stored record is the refill's own", async () => {
    const store = new MemoryStateStore();
    const put = store.put.bind(store);
    store.put = async (key, body, options) => {
      await put(key, body, options);
      throw awsError("RequestTimeout", "the answer was lost");
    };
    expect(deletes(await retire(store, "db-a"))).toEqual(["db-a"]);
  });

  test("a record that cannot be written drops the delete (fail closed), and a later sweep's retirement of its own record goes on", async () => {
    const store = new MemoryStateStore();
    store.failWhen = () => true;
    const failed = await retire(store, "db-a");
    expect(failed.plan).toBeUndefined();
    expect(failed.notes[0]!.message).toContain("db-a's claim record could not be written (ServiceUnavailable");
    store.failWhen = () => false;
    await retire(store, "db-a");
    expect(await readClaim(store, "default", "db-a")).toBe("pool:default");
    expect(deletes(await retire(store, "db-a"))).toEqual(["db-a"]);
  });

  test("a claim that could not finish releases its database: the next claim (or the refill) may take it", async () => {
    const store = new MemoryStateStore();
    expect(await claim(store, "db-a", "pr-1")).toBe("mine");
    expect(await releaseClaim(store, "default", "db-a", "pr-2", "agent-pr-2", AT)).toBe(false); // only its holder releases it
    expect(await releaseClaim(store, "default", "db-a", "pr-1", "agent-pr-1", AT)).toBe(true);
    expect(await readClaim(store, "default", "db-a")).toBeUndefined();
    expect(await claim(store, "db-a", "pr-2")).toBe("mine");
  });

  test("a claim left behind by a crash is the refill's to take over once it is an hour old by S3's clock, not before", async () => {
    let s3Now = AT;
    const store = new MemoryStateStore(() => s3Now);
    expect(await claim(store, "db-a", "pr-1")).toBe("mine");
    s3Now = new Date(AT.getTime() + ABANDONED_CLAIM_MS - 60_000);
    expect(deletes(await retireMembers(store, refillOf("db-a"), "default", "refill", s3Now, 30_000))).toEqual([]);
    s3Now = new Date(AT.getTime() + ABANDONED_CLAIM_MS + 60_000);
    expect(deletes(await retireMembers(store, refillOf("db-a"), "default", "refill", s3Now, 30_000))).toEqual(["db-a"]);
    expect(await readClaim(store, "default", "db-a")).toBe("pool:default");
  });

  test("a refill on a host whose clock is off from S3's retires nothing", async () => {
    const store = new MemoryStateStore(() => AT);
    const skewed = new Date(AT.getTime() + 6 * 60_000);
    const retired = await retireMembers(store, refillOf("db-a"), "default", "refill", skewed, 30_000);
    expect(retired.plan).toBeUndefined();
    expect(store.puts).toEqual([]);
  });
});
