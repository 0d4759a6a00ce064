import { createHash } from "node:crypto";
import { canonicalJson } from "../../../../reaper/audit/canonical-json";
import { decide } from "../../../../reaper/decision/decide";
import { planHash, planToRun, readPlanFile, readStoredPlan, REAP_PLAN_FORMAT, reviewedPlanOf, type ReviewedPlan } from "../../../../reaper/decision/reviewed-plan";
import type { EnvironmentPlan, Plan } from "../../../../reaper/contracts/plan";
import { AUDIT_BUCKET, CONFIG, environment, inventory, NOW } from "../../../support/reaper-fixtures";

const found = inventory([...environment("pr-old", { expiresInHours: -2, state: "expiring" }), ...environment("pr-fresh", { expiresInHours: 6 })]);
const decided = decide({ inventory: found, now: NOW, config: CONFIG });
const reviewed = reviewedPlanOf({ plan: decided, inventory: found, accountId: "123456789012", region: "us-east-1", auditBucket: AUDIT_BUCKET, envs: undefined });
const fileText = (plan: ReviewedPlan, hash = planHash(plan)) => JSON.stringify({ format: REAP_PLAN_FORMAT, hash, plan }, null, 2);

describe("reviewedPlanOf", () => {
  it("keeps the decided environments, where and when, and every resource of each planned environment as seen (and none of the others)", () => {
    expect(reviewed).toMatchObject({ accountId: "123456789012", region: "us-east-1", auditBucket: AUDIT_BUCKET, decidedAt: NOW.toISOString(), envs: null });
    expect(reviewed.environments.map((e) => `${e.env} ${e.intent}`)).toEqual(["pr-old reap"]);
    expect(Object.keys(reviewed.seen)).toEqual(["pr-old"]);
    expect(reviewed.seen["pr-old"]).toHaveLength(environment("pr-old").length);
    expect(reviewed.seen["pr-old"]).toContainEqual({ kind: "rds-instance", id: "pr-old-db", tags: expect.objectContaining({ "ephemera:env": "pr-old" }), status: "available" });
    expect(reviewed.seen["pr-old"]).toContainEqual(expect.objectContaining({ kind: "secret", id: "pr-old/db-password", status: null }));
  });

  it("leaves the warm pool's refill out, with a note saying the scheduled sweep does it", () => {
    const refill: EnvironmentPlan = { env: "pool:default", intent: "refill", reason: "below its size", phases: [] };
    const withPool: Plan = { ...decided, environments: [...decided.environments, refill] };
    const plan = reviewedPlanOf({ plan: withPool, inventory: found, accountId: "123456789012", region: "us-east-1", auditBucket: AUDIT_BUCKET, envs: ["pr-old"] });
    expect(plan.environments.map((e) => e.env)).toEqual(["pr-old"]);
    expect(plan.envs).toEqual(["pr-old"]);
    expect(plan.notes).toContainEqual(expect.objectContaining({ code: "pool", env: "pool:default", message: expect.stringContaining("the scheduled sweep does it") }));
  });

  it("planToRun is the run's plan of its environments, decided when the plan was", () => {
    expect(planToRun(reviewed)).toEqual({ version: 1, createdAt: NOW.toISOString(), environments: reviewed.environments, deferred: [], notes: reviewed.notes });
    expect(planToRun(reviewed, []).environments).toEqual([]);
  });
});

describe("planHash", () => {
  it("is the sha256 of the plan's canonical JSON, whatever its key order or layout", () => {
    expect(planHash(reviewed)).toBe(createHash("sha256").update(canonicalJson(reviewed)).digest("hex"));
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(reviewed).reverse()))) as ReviewedPlan;
    expect(planHash(reordered)).toBe(planHash(reviewed));
    expect(planHash({ ...reviewed, decidedAt: "2026-05-01T12:00:01.000Z" })).not.toBe(planHash(reviewed));
  });
});

describe("readPlanFile", () => {
  it("reads back what was written", () => {
    const read = readPlanFile(fileText(reviewed), "plan.json");
    expect(read).toEqual({ ok: true, file: { format: REAP_PLAN_FORMAT, hash: planHash(reviewed), plan: reviewed } });
  });

  it.each([
    ["not JSON", "{", "plan.json is not JSON"],
    ["not an object", "[1]", "plan.json is not a plan file"],
    ["another format", JSON.stringify({ format: "ephemera-reap-plan/v2", hash: "a", plan: {} }), 'format is "ephemera-reap-plan/v2", not "ephemera-reap-plan/v1"'],
    ["a hash that is not a sha256", JSON.stringify({ format: REAP_PLAN_FORMAT, hash: "abc", plan: {} }), "hash is not a sha256 in hex"],
    ["no plan", JSON.stringify({ format: REAP_PLAN_FORMAT, hash: "a".repeat(64) }), "plan is missing or not an object"],
  ])("refuses %s, naming the problem", (_what, text, problem) => {
    const read = readPlanFile(text, "plan.json");
    expect(read.ok).toBe(false);
    expect(!read.ok && read.problem).toContain(problem);
  });

  it("refuses a plan changed after its hash was taken, naming both hashes", () => {
    const changed = { ...reviewed, environments: reviewed.environments.map((e) => ({ ...e, intent: "pause" as const })) };
    const read = readPlanFile(fileText(changed, planHash(reviewed)), "plan.json");
    expect(!read.ok && read.problem).toBe(
      `plan.json: its hash ${planHash(reviewed)} is not its plan's (sha256 of the plan's canonical JSON is ${planHash(changed)}): the file was changed since --plan-out wrote it; make a new plan`,
    );
  });

  it("refuses a plan whose fields are not what --plan needs, even with a matching hash", () => {
    const cases: [Partial<Record<keyof ReviewedPlan, unknown>>, string][] = [
      [{ accountId: "12345" }, "plan.accountId is not a 12-digit account id"],
      [{ decidedAt: "yesterday" }, "plan.decidedAt is not an ISO-8601 instant"],
      [{ envs: "pr-old" }, "plan.envs is neither null nor a list"],
      [{ seen: {} }, "plan.seen has no list of the resources of pr-old"],
    ];
    for (const [change, problem] of cases) {
      const plan = { ...reviewed, ...change } as ReviewedPlan;
      const read = readPlanFile(fileText(plan), "plan.json");
      expect(!read.ok && read.problem).toContain(problem);
    }
  });

  it("refuses an action on a resource the plan did not see in its environment", () => {
    const other = environment("pr-fresh")[0]!;
    const environments = reviewed.environments.map((e) => ({ ...e, phases: [...e.phases, { name: "resources" as const, actions: [{ type: "delete" as const, resource: other, reason: "forged" }] }] }));
    const plan = { ...reviewed, environments };
    const read = readPlanFile(fileText(plan), "plan.json");
    expect(!read.ok && read.problem).toContain(`its delete of ${other.kind} ${other.id} acts on a resource not seen in pr-old`);
  });

  it("readStoredPlan reads the stored body as a file of the hash it is stored under", () => {
    const hash = planHash(reviewed);
    expect(readStoredPlan(canonicalJson(reviewed), hash, "s3://b/plans/x.json")).toMatchObject({ ok: true, file: { hash } });
    const other = readStoredPlan(canonicalJson({ ...reviewed, envs: ["pr-old"] }), hash, "s3://b/plans/x.json");
    expect(!other.ok && other.problem).toContain(`its hash ${hash} is not its plan's`);
  });
});
