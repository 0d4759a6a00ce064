import { EnvLeases, type HeldLease, type LeaseRefusal } from "../../../../reaper/action/env-lease";
import { leasePrefix, versionKey } from "../../../../reaper/state/state-keys";
import { awsError, MemoryStateStore } from "../../../support/reaper-fakes";

const T0 = new Date("2026-05-01T12:00:00Z");
const MINUTE = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A run's leases, with its own clock and the time its discovery began. */
function run(store: MemoryStateStore, runId: string, lookedAt: Date, now: () => Date = () => lookedAt) {
  return new EnvLeases(store, { runId, leaseMs: 5 * MINUTE, lookedAt, clock: now });
}

const held = (r: HeldLease | LeaseRefusal): HeldLease => {
  if (!r.ok) throw new Error(`expected the lease, got ${r.code}: ${r.message}`);
  return r;
};

describe("environment leases", () => {
  test("one run holds an environment at a time; the others are told who holds it and until when", async () => {
    const store = new MemoryStateStore();
    held(await run(store, "run-a", T0).acquire("pr-1"));
    expect(await run(store, "run-b", T0).acquire("pr-1")).toEqual({ ok: false, code: "LeaseHeld", message: "run run-a holds pr-1 until 2026-05-01T12:05:00.000Z (S3's clock)" });
    // Other environments are free.
    held(await run(store, "run-b", T0).acquire("pr-2"));
    expect(store.puts).toEqual(["leases/pr-1/log/999999999998.json", "leases/pr-2/log/999999999998.json"]);
  });

  test("of runs that try at once, exactly one gets it", async () => {
    const store = new MemoryStateStore();
    const results = await Promise.all(["a", "b", "c", "d"].map((id) => run(store, `run-${id}`, T0).acquire("pr-1")));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r as LeaseRefusal).code)).toEqual(["LeaseHeld", "LeaseHeld", "LeaseHeld"]);
  });

  test("after a release, a run that looked before it has a stale view and keeps off; a run that looked after takes it", async () => {
    const store = new MemoryStateStore();
    const lease = held(await run(store, "run-a", T0, () => at(1_000)).acquire("pr-1"));
    await lease.release();
    expect(await run(store, "run-b", T0, () => at(2_000)).acquire("pr-1")).toMatchObject({ ok: false, code: "ActedOnSince", message: expect.stringContaining("this run's view of it is stale") });
    held(await run(store, "run-c", at(1_500)).acquire("pr-1"));
  });

  test("a crashed holder keeps others off for one lease, no longer", async () => {
    const store = new MemoryStateStore();
    held(await run(store, "run-a", T0).acquire("pr-1")); // never released
    expect(await run(store, "run-b", at(4 * MINUTE)).acquire("pr-1")).toMatchObject({ code: "LeaseHeld" });
    // The next sweep looks after the lease ran out.
    held(await run(store, "run-c", at(5 * MINUTE + 1)).acquire("pr-1"));
  });

  test("a hold is renewed once half of it has passed, and a lapsed hold another run took is lost", async () => {
    const store = new MemoryStateStore();
    let now = T0;
    const lease = held(await run(store, "run-a", T0, () => now).acquire("pr-1"));
    now = at(MINUTE);
    expect(await lease.keep()).toBe(true);
    expect(store.puts).toHaveLength(1);
    now = at(3 * MINUTE);
    expect(await lease.keep()).toBe(true);
    expect(JSON.parse(store.objects.get("leases/pr-1/log/999999999997.json")!)).toMatchObject({ seq: 2, value: { kind: "renew", runId: "run-a", until: "2026-05-01T12:08:00.000Z" } });
    // It lapses (a long action), another run looks later and takes it.
    held(await run(store, "run-b", at(9 * MINUTE)).acquire("pr-1"));
    now = at(9 * MINUTE);
    expect(await lease.keep()).toBe(false);
  });

  test("a lease log that cannot be read or written refuses, naming the error: nothing is done on a guess", async () => {
    const store = new MemoryStateStore();
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

  describe("one clock: S3's", () => {
    /** S3's clock, which the store stamps its writes and listings with. */
    let s3Now = T0;
    const s3 = () => new MemoryStateStore(() => s3Now);
    const hostRun = (store: MemoryStateStore, runId: string, offsetMs: number) => {
      const host = () => new Date(s3Now.getTime() + offsetMs);
      // Each run on a host of its own, with a clock of its own.
      return new EnvLeases(store, { runId, leaseMs: 5 * MINUTE, maxSkewMs: 30_000, lookedAt: host(), clock: host, clockId: runId });
    };

    test("a host whose clock runs ahead (within the allowed skew) cannot take a lease S3's clock says is still held", async () => {
      const store = s3();
      s3Now = T0;
      held(await hostRun(store, "lambda", 0).acquire("pr-1"));
      // 4 min 50 s later by S3; the laptop's clock is 20 s fast, so by its own clock the hold ended.
      s3Now = at(4 * MINUTE + 50_000);
      expect(await hostRun(store, "laptop", 20_000).acquire("pr-1")).toMatchObject({ ok: false, code: "LeaseHeld", message: "run lambda holds pr-1 until 2026-05-01T12:05:01.000Z (S3's clock)" });
      // S3 gives times to the second, so the hold counts a second longer than it shows.
      s3Now = at(5 * MINUTE + 1_000);
      held(await hostRun(store, "laptop", 20_000).acquire("pr-1"));
    });

    test("a host whose clock is off by more than the allowed skew refuses to take any lease, naming the skew", async () => {
      const store = s3();
      s3Now = T0;
      const refusal = await hostRun(store, "laptop", 6 * MINUTE).acquire("pr-1");
      expect(refusal).toMatchObject({ ok: false, code: "ClockSkew" });
      expect((refusal as LeaseRefusal).message).toContain("this host's clock is 360.0 s ahead of S3's");
      expect((refusal as LeaseRefusal).message).toContain("EPHEMERA_MAX_CLOCK_SKEW");
      expect(store.puts).toEqual([]);
    });

    test("a hold is judged by when S3 wrote it, not by the 'until' its writer stamped", async () => {
      const store = s3();
      s3Now = T0;
      // A writer whose clock was an hour ahead stamped until = 13:05; S3 wrote it at 12:00.
      held(await new EnvLeases(store, { runId: "skewed", leaseMs: 5 * MINUTE, lookedAt: at(60 * MINUTE), clock: () => at(60 * MINUTE), maxSkewMs: 2 * 3_600_000, clockId: "skewed" }).acquire("pr-1"));
      s3Now = at(6 * MINUTE);
      held(await hostRun(store, "lambda", 0).acquire("pr-1"));
    });
  });

  test("a lost race answered 409 (ConditionalRequestConflict) is 'taken', not a failure", async () => {
    const store = new MemoryStateStore();
    const put = store.put.bind(store);
    store.put = async (key, body, options) => {
      if (options?.exclusive) throw awsError("ConditionalRequestConflict", "a conflicting conditional operation is in progress");
      return put(key, body, options);
    };
    expect(await run(store, "run-a", T0).acquire("pr-1")).toEqual({ ok: false, code: "LeaseHeld", message: "another run took pr-1's lease first" });
  });

  test("acquiring costs one listing, one read and one write with 10 or 10,000 entries in the log", async () => {
    const counts: Record<string, unknown>[] = [];
    for (const entries of [10, 10_000]) {
      const store = new MemoryStateStore();
      // Earlier runs' acquire/release pairs, the newest released a minute before this run looks.
      for (let seq = 1; seq <= entries; seq++) {
        const kind = seq % 2 === 1 ? "acquire" : "release";
        await store.put(versionKey(leasePrefix("pr-1"), seq), JSON.stringify({ v: 1, seq, value: { kind, runId: `run-${seq >> 1}`, at: at(-MINUTE).toISOString() } }));
      }
      store.requests.list = store.requests.get = store.requests.put = 0;
      held(await run(store, "run-last", at(entries * 1000)).acquire("pr-1"));
      counts.push({ ...store.requests });
    }
    expect(counts).toEqual([
      { list: 1, get: 1, put: 1 },
      { list: 1, get: 1, put: 1 },
    ]);
  });
});
