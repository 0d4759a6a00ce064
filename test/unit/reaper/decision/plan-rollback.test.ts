import type { DiscoveredResource, Inventory } from "../../../../reaper/contracts/kind-adapter";
import type { PlannedAction } from "../../../../reaper/contracts/plan";
import { planRollback } from "../../../../reaper/decision/plan-rollback";
import { replacedCheckpointName, TAG } from "../../../../reaper/model";

const NOW = new Date("2026-12-07T00:40:37Z");
const TAGS = { [TAG.managedBy]: "ephemera", [TAG.env]: "pr-1", [TAG.owner]: "team@example.com", [TAG.ttl]: "8h", [TAG.createdAt]: "2026-12-06T20:00:00Z" };
const db = (id: string, more: Record<string, string> = {}, status = "available"): DiscoveredResource => ({
  kind: "rds-instance",
  id,
  region: "us-east-1",
  status,
  tags: { ...TAGS, [TAG.baseline]: "app-baseline-1", ...more },
  facts: { instanceClass: "db.t4g.micro", subnetGroup: "pr-1-database", securityGroups: "sg-0abc" },
});
const SECRET: DiscoveredResource = { kind: "secret", id: "ephemera-pr-1-database-credentials-2026", arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ephemera-pr-1-database-credentials-2026-AbCdEf", region: "us-east-1", tags: TAGS };
const checkpoint = (id: string, label: string, status = "available"): DiscoveredResource => ({ kind: "rds-snapshot", id, region: "us-east-1", status, tags: { ...TAGS, [TAG.checkpoint]: label } });
const inventory = (...resources: DiscoveredResource[]): Inventory => ({ resources, failures: [] });
const steps = (actions: readonly PlannedAction[]) => actions.map((a) => `${a.type} ${"resource" in a ? a.resource.id : ""}${a.type === "rename" ? ` → ${a.to}` : ""}`);
const plan = (inv: Inventory, to = "baseline") => planRollback("pr-1", inv, { to, now: NOW });
const actionsOf = (inv: Inventory, to?: string) => plan(inv, to).environments[0]!.phases.flatMap((p) => p.actions);

describe("planRollback", () => {
  test("restores beside, sets the password, swaps by identifier, keeps the replaced one as a checkpoint: each step a phase of its own", () => {
    const p = plan(inventory(db("pr-1-database"), SECRET, checkpoint("ephemera-pr-1-20261206210000", "before-migration")), "before-migration");
    expect(p.environments[0]!.phases.every((phase) => phase.actions.length === 1)).toBe(true);
    const actions = p.environments[0]!.phases.flatMap((phase) => phase.actions);
    expect(steps(actions)).toEqual([
      "restore-checkpoint pr-1-database-rollback",
      "set-password pr-1-database-rollback",
      "rename pr-1-database → pr-1-database-replaced",
      "rename pr-1-database-rollback → pr-1-database",
      "tag pr-1-database-replaced",
      "delete pr-1-database-replaced",
    ]);
    expect(actions[0]).toMatchObject({ from: { snapshot: "ephemera-pr-1-20261206210000", instanceClass: "db.t4g.micro", subnetGroup: "pr-1-database", securityGroupIds: ["sg-0abc"] } });
    expect(actions[0]!.type === "restore-checkpoint" && actions[0]!.resource.tags[TAG.restoredFrom]).toBe("ephemera-pr-1-20261206210000");
    expect(actions[1]).toMatchObject({ secretArn: SECRET.arn });
    expect(actions[5]).toMatchObject({ finalSnapshotName: replacedCheckpointName("pr-1", NOW) });
  });

  test("the baseline is the snapshot the database was restored from", () => {
    expect(actionsOf(inventory(db("pr-1-database"), SECRET))[0]).toMatchObject({ from: { snapshot: "app-baseline-1" } });
  });

  test("a second rollback in the same second keeps the replaced database under a name of its own", () => {
    const first = replacedCheckpointName("pr-1", NOW);
    const actions = actionsOf(inventory(db("pr-1-database", { [TAG.restoredFrom]: "app-baseline-1" }), SECRET, checkpoint(first, "")));
    expect(actions.at(-1)).toMatchObject({ type: "delete", finalSnapshotName: `${first}-2` });
  });

  test("resumes from what exists: after the restore, between the renames, and before the replaced one is kept", () => {
    const staged = db("pr-1-database-rollback", { [TAG.restoredFrom]: "app-baseline-1" });
    expect(steps(actionsOf(inventory(db("pr-1-database"), staged, SECRET)))[0]).toBe("restore-checkpoint pr-1-database-rollback");
    expect(steps(actionsOf(inventory(staged, db("pr-1-database-replaced"), SECRET)))).toEqual([
      "rename pr-1-database-rollback → pr-1-database",
      "tag pr-1-database-replaced",
      "delete pr-1-database-replaced",
    ]);
    expect(steps(actionsOf(inventory(db("pr-1-database", { [TAG.restoredFrom]: "app-baseline-1" }), db("pr-1-database-replaced"), SECRET)))).toEqual([
      "tag pr-1-database-replaced",
      "delete pr-1-database-replaced",
    ]);
  });

  test("refuses with a note that names the fix, planning nothing", () => {
    const refusal = (inv: Inventory, to = "baseline") => {
      const p = plan(inv, to);
      expect(p.environments).toEqual([]);
      return p.notes[0]!;
    };
    expect(refusal(inventory(db("pr-1-database"), SECRET), "before-migration")).toMatchObject({ code: "unknown-checkpoint", message: expect.stringContaining("its checkpoints: baseline") });
    expect(refusal(inventory(db("pr-1-database"), SECRET, checkpoint("ephemera-pr-1-x", "wip", "creating")), "wip")).toMatchObject({ code: "unknown-checkpoint", message: expect.stringContaining("is creating, not available yet") });
    expect(refusal(inventory(db("pr-1-database")))).toMatchObject({ code: "no-database", message: expect.stringContaining("redeploy it") });
    expect(refusal(inventory(db("pr-1-database"), db("pr-1-cache"), SECRET))).toMatchObject({ code: "rollback-conflict", message: expect.stringContaining("2 databases") });
    expect(refusal(inventory(db("pr-1-database"), db("pr-1-database-rollback", { [TAG.restoredFrom]: "other-snap" }), SECRET))).toMatchObject({
      code: "rollback-conflict",
      message: expect.stringContaining("--to other-snap"),
    });
    expect(refusal(inventory(db("pr-1-database", { [TAG.protect]: "true" }), SECRET))).toMatchObject({ code: "protected" });
    expect(refusal(inventory(db("pr-1-database", { [TAG.state]: "reaping" }), SECRET))).toMatchObject({ code: "reaping" });
    expect(refusal({ resources: [db("pr-1-database"), SECRET], failures: [{ kind: "rds-snapshot", scope: "region us-east-1", message: "throttled" }] })).toMatchObject({ code: "fail-closed" });
  });
});
