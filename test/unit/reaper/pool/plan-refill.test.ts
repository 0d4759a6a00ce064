import { planRefill } from "../../../../reaper/pool/plan-refill";
import { parseDatabasePool } from "../../../../reaper/config/pool-settings";
import { TAG } from "../../../../reaper/model";
import { AUDIT_BUCKET, inventory, NOW, resource } from "../../../support/reaper-fixtures";

const SETTINGS = parseDatabasePool(
  JSON.stringify({ name: "default", size: 2, maxAge: "1d", instanceClass: "db.t4g.micro", subnetGroup: "ephemera-pool", vpcId: "vpc-0abc1234", securityGroupIds: ["sg-0abc1234"], baseline: { sourceDbInstance: "app" } }),
);
const BASELINE = { snapshot: "app-2", createdAt: "2026-05-01T00:00:00Z" };
const member = (id: string, baseline: string, securityGroups = `sg-own-${id.slice(-1)}`) =>
  resource("rds-instance", id, { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: baseline }, { status: "available", facts: { createdAt: "2026-05-01T10:00:00.000Z", securityGroups } });
/** A pool database's own security group, as discovery sees it (named after its database). */
const group = (id: string, database: string, tags: Record<string, string> = { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm" }) =>
  resource("security-group", id, tags, { facts: { groupName: database, vpcId: "vpc-0abc1234" } });
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
  test("restores under the pool's names and tags, from the newest baseline, as the pool's class into its subnet group, each in a security group of its own in the pool's VPC", () => {
    n = 0;
    const { plan } = planRefill(input([]));
    expect(plan).toMatchObject({ env: "pool:default", intent: "refill", reason: "refill pool default: 2 to restore, 0 to replace" });
    expect(plan!.phases[0]!.actions[0]).toEqual({
      type: "restore",
      resource: { kind: "rds-instance", id: "ephemera-pool-default-00000001", region: "us-east-1", tags: { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: "app-2" } },
      from: { snapshot: "app-2", instanceClass: "db.t4g.micro", subnetGroup: "ephemera-pool", securityGroup: { vpcId: "vpc-0abc1234", name: "ephemera-pool-default-00000001" } },
      reason: "pool default holds 0 fresh of 2",
    });
  });

  test("deletes stale databases once enough fresh ones are ready", () => {
    const { plan } = planRefill(input([member("ephemera-pool-default-a", "app-1"), member("ephemera-pool-default-b", "app-2"), member("ephemera-pool-default-c", "app-2")]));
    expect(plan!.phases[0]!.actions.map((a) => `${a.type} ${"resource" in a ? a.resource.id : ""}`)).toEqual(["delete ephemera-pool-default-a"]);
  });

  test("replaces a database restored into the pool's shared security group (before each had its own), once a fresh one is ready", () => {
    const legacy = member("ephemera-pool-default-a", "app-2", "sg-0abc1234");
    const waiting = planRefill(input([legacy, member("ephemera-pool-default-b", "app-2")])).plan!;
    expect(waiting.phases[0]!.actions.map((a) => a.type)).toEqual(["restore"]);
    const { plan } = planRefill(input([legacy, member("ephemera-pool-default-b", "app-2"), member("ephemera-pool-default-c", "app-2")]));
    expect(plan!.phases[0]!.actions).toEqual([expect.objectContaining({ type: "delete", resource: legacy, reason: "replaced: restored into the pool's shared security group, before each database had its own" })]);
  });

  test("deletes, after the databases, the security groups whose database is gone and that no environment claimed", () => {
    const orphan = group("sg-0rphan", "ephemera-pool-default-x");
    const claimed = group("sg-c1aimed", "ephemera-pool-default-y", { [TAG.managedBy]: "ephemera", [TAG.env]: "pr-1" });
    const notAMembers = group("sg-0ther", "payroll-db");
    const inUse = group("sg-own-b", "ephemera-pool-default-b");
    const result = planRefill(input([member("ephemera-pool-default-b", "app-2"), member("ephemera-pool-default-c", "app-2"), orphan, claimed, notAMembers, inUse]));
    expect(result.plan).toMatchObject({ reason: "refill pool default: 0 to restore, 0 to replace, 1 orphaned security group to delete" });
    expect(result.plan!.phases).toEqual([{ name: "network", actions: [{ type: "delete", resource: orphan, reason: "its database ephemera-pool-default-x is gone, and no environment claimed it" }] }]);
  });

  test("a group whose database is still being deleted stays until the database is gone", () => {
    const deleting = resource("rds-instance", "ephemera-pool-default-x", { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: "app-1" }, { status: "deleting" });
    const result = planRefill(input([member("ephemera-pool-default-b", "app-2"), member("ephemera-pool-default-c", "app-2"), deleting, group("sg-x", "ephemera-pool-default-x")]));
    expect(result).toEqual({ notes: [] });
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
