import { planRefill } from "../../../../reaper/pool/plan-refill";
import { parseDatabasePool } from "../../../../reaper/config/pool-settings";
import { TAG } from "../../../../reaper/model";
import { AUDIT_BUCKET, inventory, NOW, resource } from "../../../support/reaper-fixtures";

const SETTINGS = parseDatabasePool(
  JSON.stringify({ name: "default", size: 2, maxAge: "1d", instanceClass: "db.t4g.micro", subnetGroup: "ephemera-pool", securityGroupIds: ["sg-0abc1234"], baseline: { sourceDbInstance: "app" } }),
);
const BASELINE = { snapshot: "app-2", createdAt: "2026-05-01T00:00:00Z" };
const member = (id: string, baseline: string) =>
  resource("rds-instance", id, { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: baseline }, { status: "available", facts: { createdAt: "2026-05-01T10:00:00.000Z" } });
let n = 0;
const input = (resources: ReturnType<typeof member>[], failures: Parameters<typeof inventory>[1] = []) => ({
  settings: SETTINGS,
  inventory: inventory(resources, failures),
  baseline: BASELINE,
  now: NOW,
  region: "us-east-1",
  auditBucket: AUDIT_BUCKET,
  suffix: () => String(++n).padStart(8, "0"),
});

describe("the pool's refill plan", () => {
  test("restores under the pool's names and tags, from the newest baseline, as the pool's class into its subnet group and security group", () => {
    n = 0;
    const { plan } = planRefill(input([]));
    expect(plan).toMatchObject({ env: "pool:default", intent: "refill", reason: "refill pool default: 2 to restore, 0 to replace" });
    expect(plan!.phases[0]!.actions[0]).toEqual({
      type: "restore",
      resource: { kind: "rds-instance", id: "ephemera-pool-default-00000001", region: "us-east-1", tags: { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: "app-2" } },
      from: { snapshot: "app-2", instanceClass: "db.t4g.micro", subnetGroup: "ephemera-pool", securityGroupIds: ["sg-0abc1234"] },
      reason: "pool default holds 0 fresh of 2",
    });
  });

  test("deletes stale databases once enough fresh ones are ready", () => {
    const { plan } = planRefill(input([member("ephemera-pool-default-a", "app-1"), member("ephemera-pool-default-b", "app-2"), member("ephemera-pool-default-c", "app-2")]));
    expect(plan!.phases[0]!.actions.map((a) => `${a.type} ${"resource" in a ? a.resource.id : ""}`)).toEqual(["delete ephemera-pool-default-a"]);
  });

  test("a full, fresh pool needs no plan", () => {
    expect(planRefill(input([member("ephemera-pool-default-b", "app-2"), member("ephemera-pool-default-c", "app-2")]))).toEqual({ notes: [] });
  });

  test("when the database listing failed, the pool cannot be seen: no plan, and the note says why", () => {
    const result = planRefill(input([], [{ kind: "rds-instance", scope: "region us-east-1", code: "Throttling", message: "slow down" }]));
    expect(result.plan).toBeUndefined();
    expect(result.notes).toEqual([{ level: "warning", code: "fail-closed", env: "pool:default", message: "the database listing failed, so the pool cannot be seen: no refill this run" }]);
  });
});
