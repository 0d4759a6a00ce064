import { DISCARDED_ON_REQUEST, planPause, planRelease, planResume } from "../../../../reaper/decision/manual-plans";
import type { DeleteAction } from "../../../../reaper/contracts/plan";
import { TAG } from "../../../../reaper/model";
import { allActions, environment, inventory, NOW, steps } from "../../../support/reaper-fixtures";

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

describe("planRelease", () => {
  const finalSnapshot = (plan: ReturnType<typeof planRelease>) =>
    (allActions(plan).find((a) => a.action.type === "delete" && a.action.resource.kind === "rds-instance")?.action as DeleteAction | undefined)?.finalSnapshotName;

  test("an environment not yet expired, whose owner was never warned, is reaped now: marked reaping, then deleted in dependency order, with no notification", () => {
    const plan = planRelease("pr-1", inventory(environment("pr-1", { expiresInHours: 6 })), { now: NOW, reason: "released by arn:aws:iam::123456789012:role/ci" });
    expect(plan.environments[0]).toMatchObject({ env: "pr-1", intent: "release", reason: "released by arn:aws:iam::123456789012:role/ci" });
    const ordered = steps(plan, "pr-1");
    expect(ordered.some((s) => s.includes("notify"))).toBe(false);
    const marks = ordered.filter((s) => s.startsWith("mark"));
    expect(marks).toHaveLength(9);
    expect(marks.every((s) => /^mark: tag \S+ reaping$/.test(s))).toBe(true);
    expect(ordered.slice(0, 9)).toEqual(marks);
    const deletes = ordered.slice(9);
    expect(deletes[0]).toBe("namespace: delete k8s-namespace");
    expect(deletes.indexOf("database: delete rds-instance")).toBeLessThan(deletes.indexOf("database-dependencies: delete db-subnet-group"));
    expect(deletes.slice(-2).sort()).toEqual(["billing: delete budget", "billing: delete scheduler-schedule"]);
  });

  test("on-expiry delete takes no final snapshot; snapshot-delete does", () => {
    expect(finalSnapshot(planRelease("pr-1", inventory(environment("pr-1")), { now: NOW }))).toBeUndefined();
    expect(finalSnapshot(planRelease("pr-1", inventory(environment("pr-1", { onExpiry: "snapshot-delete" })), { now: NOW }))).toBe("ephemera-pr-1-final-202605011200");
  });

  test("on-expiry pause (keep the data) refuses the release, naming --discard-data and why; nothing is planned", () => {
    const plan = planRelease("pr-1", inventory(environment("pr-1", { onExpiry: "pause" })), { now: NOW, reason: "released by arn:aws:iam::123456789012:role/ci" });
    expect(plan.environments).toEqual([]);
    expect(plan.notes).toEqual([expect.objectContaining({ level: "warning", code: "keeps-data", env: "pr-1" })]);
    const message = plan.notes[0]!.message;
    expect(message).toContain("ephemera:on-expiry is pause on pr-1: its owner asked for its data to be kept");
    expect(message).toContain("release refused");
    expect(message).toContain("--discard-data");
    expect(message).toContain("ephemera pause pr-1");
  });

  test("one resource's on-expiry pause is enough to refuse: the safest on-expiry wins", () => {
    const mixed = environment("pr-1", { onExpiry: "delete" }).map((r) => (r.kind === "s3-bucket" ? { ...r, tags: { ...r.tags, [TAG.onExpiry]: "pause" } } : r));
    expect(planRelease("pr-1", inventory(mixed), { now: NOW }).notes).toEqual([expect.objectContaining({ code: "keeps-data" })]);
  });

  test("with discardData, an on-expiry pause environment is released as snapshot-delete, and every reason says its data was discarded on request", () => {
    const given = "released by arn:aws:iam::123456789012:role/ci (ephemera release --discard-data): its task is finished";
    const plan = planRelease("pr-1", inventory(environment("pr-1", { onExpiry: "pause" })), { now: NOW, reason: given, discardData: true });
    expect(plan.notes).toEqual([]);
    expect(finalSnapshot(plan)).toBe("ephemera-pr-1-final-202605011200");
    const reason = `${given}; ${DISCARDED_ON_REQUEST}`;
    expect(reason).toContain("its data was discarded on request (--discard-data)");
    expect(plan.environments[0]).toMatchObject({ env: "pr-1", intent: "release", reason });
    const deleted = allActions(plan).filter((a) => a.action.type === "delete");
    expect(deleted.map((a) => a.action.type === "delete" && a.action.resource.kind)).toEqual(expect.arrayContaining(["s3-bucket", "k8s-namespace", "rds-instance"]));
    expect(allActions(plan).every((a) => a.action.reason === reason)).toBe(true);
  });

  test("discardData changes nothing for an environment that asked for no data to be kept", () => {
    for (const onExpiry of [undefined, "delete", "snapshot-delete"]) {
      const options = { now: NOW, reason: "released by x" };
      const env = environment("pr-1", onExpiry === undefined ? {} : { onExpiry });
      expect(planRelease("pr-1", inventory(env), { ...options, discardData: true })).toEqual(planRelease("pr-1", inventory(env), options));
    }
  });

  test("a malformed on-expiry refuses the release: the reaper never deletes on a guess", () => {
    const plan = planRelease("pr-1", inventory(environment("pr-1", { onExpiry: "shred" })), { now: NOW });
    expect(plan.environments).toEqual([]);
    expect(plan.notes[0]).toMatchObject({ code: "malformed-on-expiry", env: "pr-1" });
    expect(plan.notes[0]!.message).toContain("release refused");
  });

  test("a protected environment, or one a listing failure may hide, is not released", () => {
    const protectedOne = environment("pr-1").map((r, i) => (i === 2 ? { ...r, tags: { ...r.tags, [TAG.protect]: "true" } } : r));
    expect(planRelease("pr-1", inventory(protectedOne)).notes).toEqual([expect.objectContaining({ code: "protected", message: expect.stringContaining("release refused") })]);
    expect(planRelease("pr-1", inventory(environment("pr-1"), [failure])).notes).toEqual([expect.objectContaining({ code: "fail-closed" })]);
    expect(planRelease("pr-9", inventory(environment("pr-1"))).notes).toEqual([expect.objectContaining({ code: "not-found" })]);
  });
});
