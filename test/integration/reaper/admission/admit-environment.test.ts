import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { admitEnvironment } from "../../../../reaper/admission/admit-environment";
import type { AdmitResult } from "../../../../reaper/admission/admit-environment";
import { runEphemera } from "../../../../harness/cli";
import { startFaultProxy } from "../../../../harness/fault-proxy";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { emulatorClients, seedAuditBucket, seedEnvironment } from "../../../../harness/seed-environments";
import { verifyAuditIn } from "../../../../reaper/audit/verify-audit";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";
import { MemoryStateStore } from "../../../support/reaper-fakes";

// One account walked through in order: two live environments, caps of 4 in all and 2 per owner.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-admission";
const NOW = new Date();

let e: Emulator;
let env: Record<string, string>;
const runtimes: ReaperRuntime[] = [];

const admit = async (argv: string[], settings = env) => {
  const run = await runEphemera(["admit", ...argv, "--json"], settings);
  return { code: run.code, result: run.json<AdmitResult>(), err: run.err };
};

function runtime(settings = env, endpoint?: string): ReaperRuntime {
  const r = new ReaperRuntime(readSettings({ ...settings, ...(endpoint === undefined ? {} : { AWS_ENDPOINT_URL: endpoint }) }), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(r);
  return r;
}

async function registerVersions(bucket: string, prefix: string): Promise<number> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  destroy();
  return out.KeyCount ?? 0;
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  await seedEnvironment(e, "pr-1", NOW, { expiresInHours: 4, owner: "alice", database: false });
  await seedEnvironment(e, "pr-2", NOW, { expiresInHours: 4, owner: "bob", database: false });
  env = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_PRICE_LIST: "off",
    EPHEMERA_MAX_ENVIRONMENTS: "4",
    EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: "2",
    EPHEMERA_MAX_BUDGET_USD: "50",
  };
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("ephemera admit", () => {
  test("admits a new environment under the caps and says what counted; admitting it again reserves nothing new", async () => {
    const first = await admit(["pr-3", "--owner", "alice", "--ttl", "4h", "--budget-usd", "25"]);
    expect(first.code).toBe(0);
    expect(first.result).toMatchObject({ status: "admitted", ok: true, basis: "new", counts: { environments: 2, maxEnvironments: 4, owner: 1, maxEnvironmentsPerOwner: 2 } });
    expect(first.result.reservedUntil).toBeDefined();
    const again = await admit(["pr-3", "--owner", "alice"]);
    expect(again.result).toMatchObject({ status: "admitted", basis: "reserved" });
    expect(await registerVersions(AUDIT_BUCKET, "admissions/")).toBe(1);
  });

  test("refuses an owner at their cap (exit 1), naming the limit and the count", async () => {
    const refused = await admit(["pr-4", "--owner", "alice"]);
    expect(refused.code).toBe(1);
    expect(refused.result).toMatchObject({ status: "refused", ok: false, limit: "max-environments-per-owner", counts: { owner: 2 } });
    expect(refused.result.reason).toContain("owner alice has 2 live environments, at the cap of 2 (EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER)");
  });

  test("an owner written in another case is the same owner at the cap; an owner AWS would refuse as a tag value exits 2 and writes nothing", async () => {
    const refused = await admit(["pr-4", "--owner", "ALICE"]);
    expect(refused.result).toMatchObject({ status: "refused", limit: "max-environments-per-owner", counts: { owner: 2 } });
    const bad = await runEphemera(["admit", "pr-4", "--owner", "alice,bob"], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--owner "alice,bob" contains ","');
    expect(await registerVersions(AUDIT_BUCKET, "admissions/")).toBe(1);
  });

  test("refuses at the account's cap, once live and reserved environments reach it", async () => {
    expect((await admit(["pr-5", "--owner", "carol"])).result).toMatchObject({ status: "admitted", counts: { environments: 3 } });
    const refused = await admit(["pr-6", "--owner", "dave"]);
    expect(refused.code).toBe(1);
    expect(refused.result).toMatchObject({ limit: "max-environments", counts: { environments: 4, maxEnvironments: 4 } });
    expect(refused.result.reason).toContain("the account has 4 live environments, at the cap of 4 (EPHEMERA_MAX_ENVIRONMENTS)");
  });

  test("a redeploy of a live environment is admitted at the cap; another owner's id is not", async () => {
    expect((await admit(["pr-2", "--owner", "bob"])).result).toMatchObject({ status: "admitted", basis: "live" });
    expect((await admit(["pr-2", "--owner", "mallory"])).result).toMatchObject({ status: "refused", limit: "owner-mismatch" });
  });

  test("a ttl over the max TTL or a budget over the max budget is refused (exit 1); malformed input is exit 2 with the flag named", async () => {
    expect((await admit(["pr-2", "--owner", "bob", "--ttl", "30d"])).result).toMatchObject({ limit: "max-ttl" });
    expect((await admit(["pr-2", "--owner", "bob", "--budget-usd", "75"])).result).toMatchObject({ limit: "max-budget" });
    const bad = await runEphemera(["admit", "pr-2", "--owner", "bob", "--budget-usd", "many"], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--budget-usd "many" is not an amount in USD above 0');
  });

  test("an isolation level the platform does not offer is refused (exit 1) with the reason, even for a redeploy; an offered one is admitted; an unknown one is exit 2 naming the flag", async () => {
    const refused = await admit(["pr-2", "--owner", "bob", "--isolation", "gvisor"]);
    expect(refused.code).toBe(1);
    expect(refused.result).toMatchObject({ status: "refused", ok: false, limit: "isolation-not-offered", isolation: "gvisor" });
    expect(refused.result.reason).toContain('the isolation "gvisor" is not offered here: this platform offers "none" (EPHEMERA_OFFERED_ISOLATION)');
    const offered = await admit(["pr-2", "--owner", "bob", "--isolation", "gvisor"], { ...env, EPHEMERA_OFFERED_ISOLATION: "none,gvisor" });
    expect(offered.code).toBe(0);
    expect(offered.result).toMatchObject({ status: "admitted", basis: "live", isolation: "gvisor" });
    const bad = await runEphemera(["admit", "pr-2", "--owner", "bob", "--isolation", "vm"], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--isolation "vm" is not a known isolation level; use one of "none", "gvisor", "kata"');
    expect(await registerVersions(AUDIT_BUCKET, "admissions/")).toBe(2);
  });

  test("paused provisioning refuses new environments but not redeploys, until an operator resumes it; both changes are audited", async () => {
    const pause = await runEphemera(["provisioning", "pause", "--reason", "quarter-end freeze", "--json"], env);
    expect(pause.code).toBe(0);
    expect(pause.json()).toMatchObject({ status: "paused", paused: true, change: { source: "operator", reason: "quarter-end freeze" } });
    expect((await runEphemera(["provisioning", "status", "--json"], env)).json()).toMatchObject({ paused: true, change: { reason: "quarter-end freeze" } });
    const wider = { ...env, EPHEMERA_MAX_ENVIRONMENTS: "10", EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: "10" };
    const refused = await admit(["pr-7", "--owner", "erin"], wider);
    expect(refused.result).toMatchObject({ status: "refused", limit: "provisioning-paused" });
    expect(refused.result.reason).toContain("by operator: quarter-end freeze");
    expect((await admit(["pr-1", "--owner", "alice"], wider)).result).toMatchObject({ status: "admitted", basis: "live" });
    expect((await runEphemera(["provisioning", "pause", "--json"], env)).json()).toMatchObject({ status: "unchanged", paused: true });
    expect((await runEphemera(["provisioning", "resume", "--json"], env)).json()).toMatchObject({ status: "resumed", paused: false });
    expect((await admit(["pr-7", "--owner", "erin"], wider)).result).toMatchObject({ status: "admitted", basis: "new" });
  });

  test("every decision, admitted or refused, and every provisioning change is an audited run that verifies", async () => {
    const runs = await verifyAuditIn(runtime().auditStore());
    expect(runs.length).toBeGreaterThanOrEqual(14);
    expect(runs.every((run) => run.ok && run.status === "complete")).toBe(true);
  });

  test("an object that jams the reservations (a version written far ahead, a malformed one) is passed over and named, and admission goes on", async () => {
    const store = new MemoryStateStore(() => new Date());
    // What a pipeline with write access could leave: the last possible version, and a junk next version.
    await store.put("admissions/000000000000.json", JSON.stringify({ v: 1, seq: 999_999_999_999, value: { holders: [] } }));
    await store.put("admissions/999999999998.json", "not json");
    const r = runtime();
    r.auditStore = () => store;
    const result = await admitEnvironment(r, { env: "pr-jam", owner: "jam", ttlMs: 3_600_000, by: "test" });
    expect(result).toMatchObject({ status: "admitted", ok: true, basis: "new" });
    expect(result.skipped).toEqual([
      "admissions/000000000000.json: version 999999999999 follows no version 999999999998; ignored",
      expect.stringMatching(/^admissions\/999999999998\.json: .*; ignored$/),
    ]);
    // The reservation went to the first free version above the junk.
    expect(await store.list("admissions/")).toContain("admissions/999999999997.json");
  });

  test("an admission's audited decision names who asked for it", async () => {
    const result = await admitEnvironment(runtime(), { env: "pr-asked", owner: "alice", ttlMs: 3_600_000, by: "arn:aws:iam::123456789012:role/pipeline" });
    const store = runtime().auditStore();
    const [runStart] = (await store.list("audit/")).filter((key) => key.includes(`/${result.runId}/`));
    const notes = (JSON.parse(await store.get(runStart!)) as { details: { plan: { notes: { code: string; message: string }[] } } }).details.plan.notes;
    expect(notes).toEqual([expect.objectContaining({ code: "admission", message: expect.stringContaining("for alice, asked by arn:aws:iam::123456789012:role/pipeline: ") })]);
  });

  test("a reservation stops counting after the admission hold, by S3's clock, unless the environment's resources exist", async () => {
    // S3's clock cannot be moved in the emulator: the state store here is the double, whose clock can.
    const settings = { ...env, EPHEMERA_MAX_ENVIRONMENTS: "3", EPHEMERA_ADMISSION_HOLD: "30m" };
    let s3Now = NOW;
    const store = new MemoryStateStore(() => s3Now);
    const request = (name: string, minutes: number, hostAheadMs = 0) => {
      s3Now = new Date(NOW.getTime() + minutes * 60_000);
      const r = runtime(settings);
      r.auditStore = () => store;
      return admitEnvironment(r, { env: name, owner: name, ttlMs: 3_600_000, by: "test", clock: () => new Date(s3Now.getTime() + hostAheadMs) });
    };
    expect(await request("pr-8", 0)).toMatchObject({ status: "admitted", counts: { environments: 2 } });
    expect(await request("pr-9", 10)).toMatchObject({ status: "refused", limit: "max-environments", counts: { environments: 3 } });
    // A host whose clock runs 25 minutes ahead neither frees the place early nor admits at all.
    expect(await request("pr-9", 10, 25 * 60_000)).toMatchObject({ status: "refused", limit: "clock-skew", reason: expect.stringContaining("this host's clock is 1500.0 s ahead of S3's") });
    expect(await request("pr-9", 31)).toMatchObject({ status: "admitted", counts: { environments: 2 } });
  });
});

describe("concurrent admits", () => {
  test("eight admits at once for three free places: exactly three are admitted, and the register holds exactly their reservations", async () => {
    const bucket = "ephemera-audit-admission-race";
    await seedAuditBucket(e, bucket);
    const settings = { ...env, EPHEMERA_AUDIT_BUCKET: bucket, EPHEMERA_MAX_ENVIRONMENTS: "5", EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: "5" };
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"].map((x) => `race-${x}`);
    const results = await Promise.all(names.map((name) => admitEnvironment(runtime(settings), { env: name, owner: name, ttlMs: 3_600_000, by: `arn:aws:iam::123456789012:role/${name}` })));
    const admitted = results.filter((r) => r.status === "admitted");
    expect(admitted).toHaveLength(3);
    expect(results.filter((r) => r.status === "refused").map((r) => r.limit)).toEqual(["max-environments", "max-environments", "max-environments", "max-environments", "max-environments"]);
    const held = await runtime(settings).auditStore().list("admissions/", { limit: 1 });
    const newest = JSON.parse(await runtime(settings).auditStore().get(held[0]!)) as { value: { holders: { env: string }[] } };
    expect(newest.value.holders.map((h) => h.env).sort()).toEqual(admitted.map((r) => r.env).sort());
  });
});

describe("the admission queue against S3", () => {
  test("thirty admits at once for ten places: every admit is answered, exactly ten are admitted, and the losers waited their turn instead of racing", async () => {
    const bucket = "ephemera-audit-admission-queue";
    await seedAuditBucket(e, bucket);
    const settings = { ...env, EPHEMERA_AUDIT_BUCKET: bucket, EPHEMERA_MAX_ENVIRONMENTS: "12", EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: "30" };
    const names = Array.from({ length: 30 }, (_, i) => `queue-${i}`);
    const results = await Promise.all(names.map((name) => admitEnvironment(runtime(settings), { env: name, owner: name, ttlMs: 3_600_000, by: `arn:aws:iam::123456789012:role/${name}` })));
    expect(results.filter((r) => r.status === "admitted")).toHaveLength(10);
    expect(results.filter((r) => r.status === "refused").map((r) => r.limit)).toEqual(Array(20).fill("max-environments"));
    const store = runtime(settings).auditStore();
    const newest = JSON.parse(await store.get((await store.list("admissions/", { limit: 1 }))[0]!)) as { seq: number; value: { holders: { env: string }[] } };
    expect(newest.value.holders.map((h) => h.env).sort()).toEqual(results.filter((r) => r.status === "admitted").map((r) => r.env).sort());
    expect(newest.seq).toBeLessThan(15);
    const requests = await store.list("admission-requests/");
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(30);
  }, 120_000);
});

describe("admission fails closed", () => {
  test("when a listing fails, admit refuses rather than count too few (and says which listing)", async () => {
    const proxy = await startFaultProxy({ target: e.endpoint });
    try {
      proxy.failWhen((r) => (r.service === "rds" && r.action === "DescribeDBInstances" ? "unavailable" : undefined));
      const result = await admitEnvironment(runtime(env, proxy.url), { env: "pr-10", owner: "zed", ttlMs: 3_600_000, by: "test" });
      expect(result).toMatchObject({ status: "refused", ok: false, limit: "listing-failed" });
      expect(result.reason).toContain("rds-instance");
    } finally {
      await proxy.stop();
    }
  });
});
