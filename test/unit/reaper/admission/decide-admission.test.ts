import { type AdmissionInput, decideAdmission } from "../../../../reaper/admission/decide-admission";
import type { Reservation } from "../../../../reaper/admission/reservations";

const HOUR = 3_600_000;
const LIMITS = { maxEnvironments: 3, maxEnvironmentsPerOwner: 2, maxBudgetUsd: 100, offeredIsolation: ["none", "gvisor"] as const, holdMs: HOUR, indexMaxAgeMs: 10 * 60_000, maxTtlMs: 24 * HOUR };
const OPEN = { paused: false, lapsed: false };
const reservation = (env: string, owner: string): Reservation => ({ env, owner, at: "2026-05-01T12:00:00.000Z", until: "2026-05-01T13:00:00.000Z", by: "arn:aws:iam::123456789012:role/ci" });

function decide(overrides: Partial<AdmissionInput> = {}, request: Partial<AdmissionInput["request"]> = {}) {
  return decideAdmission({
    request: { env: "pr-9", owner: "web", ttlMs: 8 * HOUR, ...request },
    limits: LIMITS,
    live: [],
    held: [],
    provisioning: OPEN,
    ...overrides,
  });
}

describe("decideAdmission", () => {
  test("admits a new environment under both caps, and counts what is live and what is reserved", () => {
    const verdict = decide({ live: [{ env: "pr-1", owners: ["api"] }], held: [reservation("pr-2", "web")] });
    expect(verdict).toMatchObject({ verdict: "admitted", basis: "new", counts: { environments: 2, maxEnvironments: 3, owner: 1, maxEnvironmentsPerOwner: 2 } });
    expect(verdict.reason).toBe("admitted: 3 of 3 environments, 2 of 2 for web");
  });

  test("refuses at the account's cap, naming the limit, the setting and the count", () => {
    const verdict = decide({ live: [{ env: "pr-1", owners: ["a"] }, { env: "pr-2", owners: ["b"] }], held: [reservation("pr-3", "c")] });
    expect(verdict).toMatchObject({ verdict: "refused", limit: "max-environments" });
    expect(verdict.reason).toContain("the account has 3 live environments, at the cap of 3 (EPHEMERA_MAX_ENVIRONMENTS)");
  });

  test("refuses at the owner's cap", () => {
    const verdict = decide({ live: [{ env: "pr-1", owners: ["web"] }], held: [reservation("pr-2", "web")] });
    expect(verdict).toMatchObject({ verdict: "refused", limit: "max-environments-per-owner" });
    expect(verdict.reason).toContain("owner web has 2 live environments, at the cap of 2 (EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER)");
  });

  test("owners are counted trimmed and case-insensitive: Alice@x and alice@x  are one owner at the cap", () => {
    const verdict = decide({ live: [{ env: "pr-1", owners: ["Alice@x"] }], held: [reservation("pr-2", "alice@x ")] }, { owner: "ALICE@x" });
    expect(verdict).toMatchObject({ verdict: "refused", limit: "max-environments-per-owner", counts: { owner: 2 } });
    expect(decide({ live: [{ env: "pr-1", owners: ["Alice@x"] }] }, { owner: "alice@x" })).toMatchObject({ verdict: "admitted", counts: { owner: 1 } });
  });

  test("the same owner written in another case or with spaces is no owner mismatch; another owner still is", () => {
    expect(decide({ live: [{ env: "pr-9", owners: ["Alice@x"] }] }, { owner: " alice@X" })).toMatchObject({ verdict: "admitted", basis: "live" });
    expect(decide({ held: [reservation("pr-9", "alice@x ")] }, { owner: "Alice@x" })).toMatchObject({ verdict: "admitted", basis: "reserved" });
    expect(decide({ live: [{ env: "pr-9", owners: ["Alice@x"] }] }, { owner: "bob@x" })).toMatchObject({ verdict: "refused", limit: "owner-mismatch" });
  });

  test("an environment both live and reserved counts once", () => {
    const verdict = decide({ live: [{ env: "pr-1", owners: ["web"] }, { env: "pr-2", owners: ["api"] }], held: [reservation("pr-1", "web"), reservation("pr-2", "api")] });
    expect(verdict).toMatchObject({ verdict: "admitted", counts: { environments: 2, owner: 1 } });
  });

  test("a redeploy of a live environment is admitted at the cap, and while provisioning is paused", () => {
    const paused = { paused: true, lapsed: false, change: { paused: true, source: "operator" as const, reason: "freeze", by: "me", at: "2026-05-01T11:00:00.000Z" } };
    const live = [{ env: "pr-9", owners: ["web"] }, { env: "pr-1", owners: ["web"] }, { env: "pr-2", owners: ["web"] }, { env: "pr-3", owners: ["web"] }];
    expect(decide({ live, provisioning: paused })).toMatchObject({ verdict: "admitted", basis: "live" });
  });

  test("an environment admitted already is admitted again without a new reservation", () => {
    expect(decide({ held: [reservation("pr-9", "web")] })).toMatchObject({ verdict: "admitted", basis: "reserved" });
  });

  test("another owner's environment of the same id is refused", () => {
    const verdict = decide({ live: [{ env: "pr-9", owners: ["api"] }] });
    expect(verdict).toMatchObject({ verdict: "refused", limit: "owner-mismatch" });
    expect(verdict.reason).toContain("pr-9 already exists for owner api, not web");
  });

  test("paused provisioning refuses a new environment, with when, who and why", () => {
    const change = { paused: true, source: "budget-alert" as const, reason: "the platform budget alerted", by: "reaper", at: "2026-05-01T11:00:00.000Z" };
    const verdict = decide({ provisioning: { paused: true, lapsed: false, change } });
    expect(verdict).toMatchObject({ verdict: "refused", limit: "provisioning-paused" });
    expect(verdict.reason).toContain("provisioning is paused (since 2026-05-01T11:00:00.000Z, by budget-alert: the platform budget alerted)");
    expect(verdict.reason).toContain("ephemera provisioning resume");
  });

  test("a ttl over the max TTL and a budget over the max budget are refused, even for a live environment", () => {
    const live = [{ env: "pr-9", owners: ["web"] }];
    expect(decide({ live }, { ttlMs: 25 * HOUR })).toMatchObject({ verdict: "refused", limit: "max-ttl", reason: expect.stringContaining("the ttl 1d1h is over the max TTL of 1d (EPHEMERA_MAX_TTL)") });
    expect(decide({ live }, { budgetUsd: 250 })).toMatchObject({ verdict: "refused", limit: "max-budget", reason: expect.stringContaining("$250 is over the max budget of $100 (EPHEMERA_MAX_BUDGET_USD)") });
    expect(decide({}, { budgetUsd: 100 })).toMatchObject({ verdict: "admitted" });
  });

  test("an isolation level the platform does not offer is refused, naming the setting and what is offered, even for a live environment", () => {
    const live = [{ env: "pr-9", owners: ["web"] }];
    const verdict = decide({ live }, { isolation: "kata" });
    expect(verdict).toMatchObject({ verdict: "refused", limit: "isolation-not-offered" });
    expect(verdict.reason).toBe(
      'the isolation "kata" is not offered here: this platform offers "none", "gvisor" (EPHEMERA_OFFERED_ISOLATION); ask for one of those, or ask the platform team to build kata nodes and offer it',
    );
    expect(decide({}, { isolation: "gvisor" })).toMatchObject({ verdict: "admitted", basis: "new" });
  });

  test("no isolation asked for is none, refused where the platform offers only sandboxes", () => {
    const sandboxesOnly = { ...LIMITS, offeredIsolation: ["gvisor"] as const };
    expect(decide({ limits: sandboxesOnly })).toMatchObject({ verdict: "refused", limit: "isolation-not-offered", reason: expect.stringContaining('the isolation "none" is not offered here') });
    expect(decide({ limits: sandboxesOnly }, { isolation: "gvisor" })).toMatchObject({ verdict: "admitted" });
  });
});
