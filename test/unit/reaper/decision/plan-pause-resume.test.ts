import { planPause, planResume } from "../../../../reaper/decision/plan-pause-resume";
import { TAG } from "../../../../reaper/model";
import { environment, inventory, NOW, steps } from "../../../support/reaper-fixtures";

const failure = { kind: "budget" as const, scope: "123456789012", message: "AccessDenied" };

describe("planPause and planResume", () => {
  test("a pause scales workloads and capacity to zero, stops the database, then marks every resource paused", () => {
    const plan = planPause("pr-1", inventory(environment("pr-1", { expiresInHours: 5 })), { now: NOW, reason: "budget alert" });
    expect(plan.environments[0]).toMatchObject({ env: "pr-1", intent: "pause", reason: "budget alert" });
    const ordered = steps(plan, "pr-1");
    expect(ordered.slice(0, 3)).toEqual(["namespace: pause k8s-namespace", "nodegroup: pause eks-nodegroup", "database: pause rds-instance"]);
    expect(ordered.slice(3)).toHaveLength(9);
    expect(ordered.slice(3).every((s) => s.endsWith("paused"))).toBe(true);
  });

  test("a resume is the exact reverse: database first, workloads last, then paused resources marked active", () => {
    const plan = planResume("pr-1", inventory(environment("pr-1", { expiresInHours: 5, state: "paused" })), { now: NOW });
    const ordered = steps(plan, "pr-1");
    expect(ordered.slice(0, 3)).toEqual(["database: resume rds-instance", "nodegroup: resume eks-nodegroup", "namespace: resume k8s-namespace"]);
    expect(ordered.slice(3).every((s) => s.endsWith(" active"))).toBe(true);
    expect(plan.environments[0]?.intent).toBe("resume");
  });

  test("resume marks active only what was paused", () => {
    const resources = environment("pr-1", { expiresInHours: 5, state: "paused" }).map((r) =>
      r.kind === "budget" ? { ...r, tags: { ...r.tags, [TAG.state]: "expiring" } } : r,
    );
    const plan = planResume("pr-1", inventory(resources), { now: NOW });
    expect(steps(plan, "pr-1").filter((s) => s.startsWith("mark")).some((s) => s.includes("budget"))).toBe(false);
  });

  test("other environments' resources are not part of a pause", () => {
    const plan = planPause("pr-1", inventory([...environment("pr-1"), ...environment("pr-2")]), { now: NOW });
    const ids = plan.environments.flatMap((e) => e.phases.flatMap((p) => p.actions.map((a) => (a.type === "notify" ? "" : a.resource.id))));
    expect(ids.some((id) => id.includes("pr-2"))).toBe(false);
  });

  test("a protected environment is neither paused nor resumed", () => {
    const resources = environment("pr-1").map((r, i) => (i === 0 ? { ...r, tags: { ...r.tags, [TAG.protect]: "true" } } : r));
    for (const plan of [planPause("pr-1", inventory(resources)), planResume("pr-1", inventory(resources))]) {
      expect(plan.environments).toEqual([]);
      expect(plan.notes.map((n) => n.code)).toEqual(["protected"]);
    }
  });

  test("an environment a listing failure may hide is not paused", () => {
    const plan = planPause("pr-1", inventory(environment("pr-1"), [failure]));
    expect(plan.environments).toEqual([]);
    expect(plan.notes[0]).toMatchObject({ code: "fail-closed", env: "pr-1" });
  });

  test("an unknown environment gives an empty plan that says so", () => {
    const plan = planPause("pr-9", inventory(environment("pr-1")));
    expect(plan).toMatchObject({ environments: [], notes: [{ code: "not-found", env: "pr-9" }] });
  });
});
