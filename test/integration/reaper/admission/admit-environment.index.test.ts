import { admitEnvironment, type AdmitResult } from "../../../../reaper/admission/admit-environment";
import { readSettings } from "../../../../reaper/config/read-settings";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { runEphemera } from "../../../../harness/cli";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { seedAuditBucket, seedEnvironment } from "../../../../harness/seed-environments";

// One account walked through in order: a full sweep keeps the index, admits count from it,
// an environment deployed without admit stays uncounted until the next full sweep.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-admission-index";
const NOW = new Date();
const HOUR_MS = 3_600_000;

let e: Emulator;
let env: Record<string, string>;
const runtimes: ReaperRuntime[] = [];

/** An admit in this process, with a runtime whose discovery is counted. */
async function admit(name: string, owner: string, settings: Record<string, string> = env): Promise<{ result: AdmitResult; discoveries: number }> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  runtimes.push(runtime);
  const discover = jest.spyOn(runtime, "discover");
  const result = await admitEnvironment(runtime, { env: name, owner, ttlMs: 4 * HOUR_MS, by: "arn:aws:iam::123456789012:role/agent" });
  return { result, discoveries: discover.mock.calls.length };
}

async function fullSweep(): Promise<void> {
  const run = await runEphemera(["reap", "--json"], env);
  expect({ code: run.code, indexError: run.json<{ indexError?: string }>().indexError }).toEqual({ code: 0, indexError: undefined });
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  for (const [name, owner] of [["pr-1", "alice"], ["pr-2", "bob"]] as const) await seedEnvironment(e, name, NOW, { expiresInHours: 4, owner, database: false });
  env = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_PRICE_LIST: "off",
    EPHEMERA_MAX_ENVIRONMENTS: "4",
    EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: "2",
  };
}, 120_000);

afterAll(async () => {
  for (const r of runtimes) await r.destroy();
});

describe("admit, counting from the live-environment index", () => {
  test("counts by discovery until a full sweep has kept an index, and says why", async () => {
    const { result, discoveries } = await admit("pr-3", "carol");
    expect(discoveries).toBe(1);
    expect(result).toMatchObject({ status: "admitted", countedFrom: { source: "discovery", why: "no full sweep has kept an index yet" }, counts: { environments: 2 } });
  });

  test("after a full acting sweep, counts from its index without listing any kind, the reservations made since included", async () => {
    await fullSweep();
    const { result, discoveries } = await admit("pr-4", "dave");
    expect(discoveries).toBe(0);
    // pr-1 and pr-2 from the index, pr-3 from its reservation.
    expect(result).toMatchObject({ status: "admitted", basis: "new", countedFrom: { source: "index" }, counts: { environments: 3 } });
    expect(await admit("pr-1", "alice")).toMatchObject({ discoveries: 0, result: { status: "admitted", basis: "live" } });
    expect(await admit("pr-2", "mallory")).toMatchObject({ discoveries: 0, result: { status: "refused", limit: "owner-mismatch" } });
  });

  test("misses an environment deployed without admit until the next full sweep (docs/admission.md); discovery and the next sweep count it", async () => {
    await seedEnvironment(e, "pr-9", NOW, { expiresInHours: 4, owner: "erin", database: false });
    // Four count by the index (pr-1, pr-2, and the reservations of pr-3 and pr-4): the cap of 4 is reached either way.
    expect((await admit("pr-5", "frank")).result).toMatchObject({ status: "refused", limit: "max-environments", countedFrom: { source: "index" }, counts: { environments: 4 } });
    const byDiscovery = await admit("pr-5", "frank", { ...env, EPHEMERA_ADMISSION_INDEX_MAX_AGE: "0" });
    expect(byDiscovery).toMatchObject({ discoveries: 1, result: { status: "refused", countedFrom: { source: "discovery" }, counts: { environments: 5 } } });
    await fullSweep();
    expect((await admit("pr-5", "frank")).result).toMatchObject({ status: "refused", countedFrom: { source: "index" }, counts: { environments: 5 } });
  });
});
