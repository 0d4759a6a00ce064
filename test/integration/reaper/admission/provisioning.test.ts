import { admitEnvironment } from "../../../../reaper/admission/admit-environment";
import { meterProvisioning } from "../../../../reaper/admission/meter-provisioning";
import { switchProvisioning } from "../../../../reaper/admission/switch-provisioning";
import { runSweep } from "../../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";
import type { SpendReport } from "../../../../reaper/spend/spend-meter";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { seedAuditBucket, seedEnvironment } from "../../../../harness/seed-environments";

// The spend meter's total against the platform budget, on the emulator's audit bucket.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-provisioning";

let e: Emulator;
let settings: Record<string, string>;
const runtimes: ReaperRuntime[] = [];

function runtime(extra: Record<string, string> = {}): ReaperRuntime {
  const r = new ReaperRuntime(readSettings({ ...settings, ...extra }), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(r);
  return r;
}

/** What the meter reported, with only the totals that matter here. */
const report = (estimatedUsd: number, unknown = 0): SpendReport => ({ spend: {}, notes: [], totals: { environments: 3, estimatedUsd, burnUsdPerHour: 1, unknown } });

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  await seedEnvironment(e, "pr-1", new Date(), { expiresInHours: 5, database: false });
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off", EPHEMERA_PLATFORM_BUDGET_USD: "10" };
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("the spend meter and the provisioning switch", () => {
  test("a full acting sweep checks its total against the platform budget and reports it", async () => {
    const result = await runSweep(runtime({ EPHEMERA_PLATFORM_BUDGET_USD: "1000" }));
    expect(result.spend?.totals.environments).toBe(1);
    expect(result.provisioning).toMatchObject({ status: "unchanged", ok: true, paused: false });
    expect((await runSweep(runtime({ EPHEMERA_PLATFORM_BUDGET_USD: "1000" }), { dryRun: true })).provisioning).toBeUndefined();
  });

  test("at the platform budget the meter pauses provisioning, with its figures; admit then refuses new environments", async () => {
    const paused = await meterProvisioning(runtime(), report(10.4), true, () => new Date());
    expect(paused).toMatchObject({ status: "paused", ok: true, change: { source: "spend-meter", by: "reaper" } });
    expect(paused!.change!.reason).toBe("the spend meter's total over 3 live environments is $10.40, against the platform budget of $10.00");
    const refused = await admitEnvironment(runtime(), { env: "pr-2", owner: "web", ttlMs: 3_600_000, by: "test" });
    expect(refused).toMatchObject({ status: "refused", limit: "provisioning-paused" });
  });

  test("a total that may be low (an unpriced resource, a failed listing) never lifts the pause", async () => {
    expect(await meterProvisioning(runtime(), report(4, 1), true, () => new Date())).toBeUndefined();
    expect(await meterProvisioning(runtime(), report(4), false, () => new Date())).toBeUndefined();
  });

  test("back under it, the meter lifts its own pause; admit admits again", async () => {
    expect(await meterProvisioning(runtime(), report(6.2), true, () => new Date())).toMatchObject({ status: "resumed", paused: false });
    expect(await admitEnvironment(runtime(), { env: "pr-2", owner: "web", ttlMs: 3_600_000, by: "test" })).toMatchObject({ status: "admitted" });
  });

  test("the meter never lifts an operator's pause", async () => {
    expect(await switchProvisioning(runtime(), { paused: true, source: "operator", reason: "freeze", by: "arn:aws:iam::123456789012:user/ops" })).toMatchObject({ status: "paused" });
    expect(await meterProvisioning(runtime(), report(1), true, () => new Date())).toMatchObject({ status: "unchanged", paused: true });
  });
});
