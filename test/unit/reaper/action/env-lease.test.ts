import { EnvLeases, type HeldLease, type LeaseRefusal } from "../../../../reaper/action/env-lease";
import { MemoryAuditStore } from "../../../support/reaper-fakes";

const T0 = new Date("2026-05-01T12:00:00Z");
const MINUTE = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A run's leases, with its own clock and the time its discovery began. */
function run(store: MemoryAuditStore, runId: string, lookedAt: Date, now: () => Date = () => lookedAt) {
  return new EnvLeases(store, { runId, leaseMs: 5 * MINUTE, lookedAt, clock: now });
}

const held = (r: HeldLease | LeaseRefusal): HeldLease => {
  if (!r.ok) throw new Error(`expected the lease, got ${r.code}: ${r.message}`);
  return r;
};

describe("environment leases", () => {
  test("one run holds an environment at a time; the others are told who holds it and until when", async () => {
    const store = new MemoryAuditStore();
    held(await run(store, "run-a", T0).acquire("pr-1"));
    expect(await run(store, "run-b", T0).acquire("pr-1")).toEqual({ ok: false, code: "LeaseHeld", message: "run run-a holds pr-1 until 2026-05-01T12:05:00.000Z" });
    // Other environments are free.
    held(await run(store, "run-b", T0).acquire("pr-2"));
    expect(store.puts).toEqual(["leases/pr-1/000000.json", "leases/pr-2/000000.json"]);
  });

  test("of runs that try at once, exactly one gets it", async () => {
    const store = new MemoryAuditStore();
    const results = await Promise.all(["a", "b", "c", "d"].map((id) => run(store, `run-${id}`, T0).acquire("pr-1")));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r as LeaseRefusal).code)).toEqual(["LeaseHeld", "LeaseHeld", "LeaseHeld"]);
  });

  test("after a release, a run that looked before it has a stale view and keeps off; a run that looked after takes it", async () => {
    const store = new MemoryAuditStore();
    const lease = held(await run(store, "run-a", T0, () => at(1_000)).acquire("pr-1"));
    await lease.release();
    expect(await run(store, "run-b", T0, () => at(2_000)).acquire("pr-1")).toMatchObject({ ok: false, code: "ActedOnSince", message: expect.stringContaining("this run's view of it is stale") });
    held(await run(store, "run-c", at(1_500)).acquire("pr-1"));
  });

  test("a crashed holder keeps others off for one lease, no longer", async () => {
    const store = new MemoryAuditStore();
    held(await run(store, "run-a", T0).acquire("pr-1")); // never released
    expect(await run(store, "run-b", at(4 * MINUTE)).acquire("pr-1")).toMatchObject({ code: "LeaseHeld" });
    // The next sweep looks after the lease ran out.
    held(await run(store, "run-c", at(5 * MINUTE + 1)).acquire("pr-1"));
  });

  test("a hold is renewed once half of it has passed, and a lapsed hold another run took is lost", async () => {
    const store = new MemoryAuditStore();
    let now = T0;
    const lease = held(await run(store, "run-a", T0, () => now).acquire("pr-1"));
    now = at(MINUTE);
    expect(await lease.keep()).toBe(true);
    expect(store.puts).toHaveLength(1);
    now = at(3 * MINUTE);
    expect(await lease.keep()).toBe(true);
    expect(JSON.parse(store.objects.get("leases/pr-1/000001.json")!)).toMatchObject({ kind: "renew", runId: "run-a", until: "2026-05-01T12:08:00.000Z" });
    // It lapses (a long action), another run looks later and takes it.
    held(await run(store, "run-b", at(9 * MINUTE)).acquire("pr-1"));
    now = at(9 * MINUTE);
    expect(await lease.keep()).toBe(false);
  });

  test("a lease log that cannot be read or written refuses, naming the error: nothing is done on a guess", async () => {
    const store = new MemoryAuditStore();
    store.failWhen = () => true;
    expect(await run(store, "run-a", T0).acquire("pr-1")).toEqual({
      ok: false,
      code: "LeaseUnavailable",
      message: "pr-1's lease could not be written (ServiceUnavailable: the audit bucket is unavailable); nothing was done to it",
    });
    store.list = async () => {
      throw Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    };
    expect(await run(store, "run-a", T0).acquire("pr-1")).toMatchObject({ code: "LeaseUnavailable", message: expect.stringContaining("could not be read (AccessDenied") });
  });
});
