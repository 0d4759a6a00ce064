import { EnvLeases } from "../../../reaper/action/env-lease";
import { admitEnvironment } from "../../../reaper/admission/admit-environment";
import { auditKey } from "../../../reaper/audit/audit-key";
import { ADMISSION_PREFIX, CLAIM_PREFIX, LIVE_INDEX_PREFIX, PROVISIONING_PREFIX, TAG } from "../../../reaper/model";
import { claimPoolDatabase } from "../../../reaper/pool/claim-database";
import { ReaperRuntime } from "../../../reaper/runtime/reaper-runtime";
import { readSettings, type EphemeraSettings } from "../../../reaper/config/read-settings";
import { leasePrefix, spendReadingKey, versionKey } from "../../../reaper/state/state-keys";
import type { StateStore } from "../../../reaper/state/state-store";
import { EXAMPLE_POOL_GROUPS, poolSettings, seedAuditBucket, seedWarmDatabase } from "../../../harness/seed-environments";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../harness/emulator";
import { MemoryStateStore } from "../../support/reaper-fakes";

// What a lease acquire, an admit and a claim cost the state store, with 10 and with 10,000
// objects of history under every prefix. AWS itself is the emulator; the state store is the
// in-memory double (S3's conditional-write semantics and clock), so its requests can be counted.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-cost";
let e: Emulator;
/** Each history size has a pool of its own with two warm databases, so each claim sees the same pool. */
const settingsOf = new Map<number, EphemeraSettings>();
const SIZES = [10, 10_000];
const runtimes: ReaperRuntime[] = [];

/** A runtime whose state store is the counting double. */
class CountingRuntime extends ReaperRuntime {
  constructor(
    readonly store: MemoryStateStore,
    size: number,
  ) {
    super(settingsOf.get(size)!, { credentials: EMULATOR_CREDENTIALS });
    runtimes.push(this);
  }
  override auditStore(): StateStore {
    return this.store;
  }
}

const HOUR = 3_600_000;
const COST = { list: 7, get: 4, put: 16 };
const LONG_AGO = new Date(Date.now() - 48 * HOUR);

/** `n` objects of history under each prefix: register versions (the last live-environment index 48 h old), an environment's lease log, claim records, audit records, spend readings. */
function withHistory(n: number, env: string): MemoryStateStore {
  const store = new MemoryStateStore(() => new Date());
  const put = (key: string, body: unknown) => {
    store.objects.set(key, JSON.stringify(body));
    store.writtenAt.set(key, LONG_AGO);
  };
  for (let seq = 1; seq <= n; seq++) {
    const at = new Date(LONG_AGO.getTime() + seq).toISOString();
    put(versionKey(ADMISSION_PREFIX, seq), { v: 1, seq, value: { holders: [{ env: `old-${seq}`, owner: "o", at, until: at, by: "x" }] } });
    put(versionKey(LIVE_INDEX_PREFIX, seq), { v: 1, seq, value: { runId: `run-${seq}`, at, environments: [{ env: `old-${seq}`, owners: ["o"], state: "active" }] } });
    put(versionKey(PROVISIONING_PREFIX, seq), { v: 1, seq, value: { paused: seq % 2 === 1, source: "operator", reason: "history", by: "x", at } });
    put(versionKey(leasePrefix(env), seq), { v: 1, seq, value: { kind: seq % 2 === 1 ? "acquire" : "release", runId: `run-${seq}`, at } });
    put(`${CLAIM_PREFIX}default/ephemera-pool-default-old${seq}.json`, { v: 1, pool: "default", database: `old${seq}`, env: `old-${seq}`, claimant: "x", at });
    put(auditKey(`run-${seq}`, LONG_AGO, 0), { type: "run-start" });
    put(spendReadingKey(new Date(LONG_AGO.getTime() + seq), `run-${seq}`), { version: 1, at, envs: {} });
  }
  return store;
}

function counted<T>(store: MemoryStateStore, work: () => Promise<T>): Promise<{ result: T; requests: MemoryStateStore["requests"] }> {
  store.requests.list = store.requests.get = store.requests.put = 0;
  return work().then((result) => ({ result, requests: { ...store.requests } }));
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  for (const size of SIZES) {
    const pool = `p${size}`;
    for (const suffix of ["cccc0001", "cccc0002"]) await seedWarmDatabase(e, suffix, "app-baseline-1", pool);
    settingsOf.set(
      size,
      readSettings({
        ...e.env(),
        EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
        EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
        EPHEMERA_DATABASE_POOL: JSON.stringify({ ...poolSettings(2, EXAMPLE_POOL_GROUPS, { snapshot: "app-baseline-1" }), name: pool }),
        EPHEMERA_PRICE_LIST: "off",
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("the state store's cost does not grow with its history", () => {

  test("a lease acquire: 1 listing, 1 read, 1 write with 10 or 10,000 objects under each prefix", async () => {
    const costs = [];
    for (const n of SIZES) {
      const store = withHistory(n, "pr-lease");
      const leases = new EnvLeases(store, { runId: `run-now-${n}`, leaseMs: 300_000, lookedAt: new Date(), maxSkewMs: 30_000 });
      const { result, requests } = await counted(store, () => leases.acquire("pr-lease"));
      expect(result.ok).toBe(true);
      costs.push(requests);
    }
    expect(costs).toEqual([{ list: 1, get: 1, put: 1 }, { list: 1, get: 1, put: 1 }]);
  });

  test("an admit: the same requests with 10 or 10,000 objects under each prefix", async () => {
    const costs = [];
    for (const n of SIZES) {
      const store = withHistory(n, `pr-admit-${n}`);
      const { result, requests } = await counted(store, () => admitEnvironment(new CountingRuntime(store, n), { env: `pr-admit-${n}`, owner: "a@example.com", ttlMs: HOUR, by: "test" }));
      expect(result).toMatchObject({ status: "admitted", ok: true, basis: "new", countedFrom: { source: "discovery" } });
      costs.push(requests);
    }
    // Three register reads (the index, too old here, so discovery counts; the switch; the reservations),
    // one reservation, and the audited decision (run-start, run-summary, end marker).
    expect(costs).toEqual([{ list: 3, get: 3, put: 4 }, { list: 3, get: 3, put: 4 }]);
  });

  test("an admit that counts from a fresh index: the same state-store requests, and no listing of any kind", async () => {
    const costs = [];
    for (const n of SIZES) {
      const store = withHistory(n, `pr-indexed-${n}`);
      const fresh = { v: 1, seq: n + 1, value: { runId: "run-fresh", at: new Date().toISOString(), environments: [{ env: "pr-live", owners: ["o"], state: "active" }] } };
      await store.put(versionKey(LIVE_INDEX_PREFIX, n + 1), JSON.stringify(fresh));
      const runtime = new CountingRuntime(store, n);
      const discover = jest.spyOn(runtime, "discover");
      const { result, requests } = await counted(store, () => admitEnvironment(runtime, { env: `pr-indexed-${n}`, owner: "a@example.com", ttlMs: HOUR, by: "test" }));
      expect(result).toMatchObject({ status: "admitted", basis: "new", countedFrom: { source: "index", runId: "run-fresh" } });
      expect(discover).not.toHaveBeenCalled();
      costs.push(requests);
    }
    expect(costs).toEqual([{ list: 3, get: 3, put: 4 }, { list: 3, get: 3, put: 4 }]);
  });

  test("a claim: the same requests with 10 or 10,000 objects under each prefix", async () => {
    const costs = [];
    for (const n of SIZES) {
      const env = `pr-claim-${n}`;
      const store = withHistory(n, env);
      const { result, requests } = await counted(store, () =>
        claimPoolDatabase(new CountingRuntime(store, n), { env, admission: { env, owner: "c@example.com", ttlMs: HOUR }, tags: { [TAG.owner]: "c@example.com", [TAG.ttl]: "1h" }, claimant: "test" }),
      );
      expect(result).toMatchObject({ status: "claimed", ok: true });
      costs.push(requests);
    }
    // The admit's 10; a read of each warm database's claim register (2 listings: both are free, so
    // nothing to get); the claim (a listing and a write); the environment's lease (a listing, a
    // read, acquire and release); the audited run (run-start, a before and an after record per
    // action, run-summary, end marker).
    expect(costs).toEqual([COST, COST]);
  });
});
