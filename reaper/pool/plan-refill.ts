import { randomBytes } from "node:crypto";
import { type DBSnapshot, DescribeDBSnapshotsCommand, paginateDescribeDBSnapshots, type RDSClient } from "@aws-sdk/client-rds";
import { groupEnvironments } from "../decision/group-environments";
import type { EnvironmentPlan, PlannedAction, PlanNote } from "../contracts/plan";
import type { DiscoveredResource, Inventory } from "../contracts/kind-adapter";
import { baselineSnapshotPrefixes, MANAGED_BY_VALUE, POOL_STATE, poolMemberIdentifier, poolMemberSecurityGroupName, TAG } from "../model";
import { allPages } from "../support/all-pages";
import { errorCode } from "../support/outcomes";
import { type Baseline, decidePool } from "./decide-pool";
import { poolMemberOf } from "./pool-members";
import type { DatabasePoolSettings } from "../config/pool-settings";

/** The plan environment a pool's refill runs under: `pool:<name>`, which no environment id can be. */
export function poolPlanEnv(pool: string): string {
  return `pool:${pool}`;
}

export interface RefillInput {
  readonly settings: DatabasePoolSettings;
  readonly inventory: Inventory;
  readonly baseline: Baseline;
  readonly now: Date;
  readonly region: string;
  readonly auditBucket: string;
  /** The 8 hex characters that make a new member's identifier unique. @default random */
  readonly suffix?: () => string;
}

/**
 * The refill of the warm pool as a plan (run with the sweep's, audited like any other):
 * restores to bring it to its size, deletes of stale or broken warm databases. Nothing
 * when a database listing failed: a pool that cannot be seen is not refilled.
 */
export function planRefill(input: RefillInput): { readonly plan?: EnvironmentPlan; readonly notes: readonly PlanNote[] } {
  const { settings } = input;
  const env = poolPlanEnv(settings.name);
  if (input.inventory.failures.some((f) => f.kind === "rds-instance")) {
    return { notes: [{ level: "warning", code: "fail-closed", env, message: "the database listing failed, so the pool cannot be seen: no refill this run" }] };
  }
  const grouped = groupEnvironments(input.inventory, input.auditBucket);
  const members = grouped.pools[settings.name] ?? [];
  const decision = decidePool(settings, members.map((m) => poolMemberOf(m, settings.securityGroupIds)), input.baseline, input.now);
  const notes: PlanNote[] = decision.note === undefined ? [] : [{ level: "warning", code: "pool", env, message: decision.note }];
  const suffix = input.suffix ?? (() => randomBytes(4).toString("hex"));
  const actions: PlannedAction[] = [];
  for (let i = 0; i < decision.restore; i++) {
    const id = poolMemberIdentifier(settings.name, suffix());
    const tags = { [TAG.managedBy]: MANAGED_BY_VALUE, [TAG.pool]: settings.name, [TAG.state]: POOL_STATE, [TAG.baseline]: decision.from! };
    const resource: DiscoveredResource = { kind: "rds-instance", id, region: input.region, tags };
    actions.push({
      type: "restore",
      resource,
      from: { snapshot: decision.from!, instanceClass: settings.instanceClass, subnetGroup: settings.subnetGroup, securityGroup: { vpcId: settings.vpcId, name: poolMemberSecurityGroupName(id) } },
      reason: `pool ${settings.name} holds ${decision.fresh - decision.restore} fresh of ${settings.size}`,
    });
  }
  for (const { id, reason } of decision.remove) {
    const resource = members.find((m) => m.id === id);
    if (resource !== undefined) actions.push({ type: "delete", resource, reason: `replaced: ${reason}` });
  }
  const orphans = orphanedSecurityGroups(input.inventory, grouped.poolSecurityGroups[settings.name] ?? [], settings.name).map(
    (resource): PlannedAction => ({ type: "delete", resource, reason: `its database ${String(resource.facts?.groupName)} is gone, and no environment claimed it` }),
  );
  if (actions.length === 0 && orphans.length === 0) return { notes };
  const reason = `refill pool ${settings.name}: ${decision.restore} to restore, ${decision.remove.length} to replace${orphans.length === 0 ? "" : `, ${orphans.length} orphaned security group${orphans.length === 1 ? "" : "s"} to delete`}`;
  const phases = [...(actions.length === 0 ? [] : [{ name: "database" as const, actions }]), ...(orphans.length === 0 ? [] : [{ name: "network" as const, actions: orphans }])];
  return { plan: { env, intent: "refill", reason, phases }, notes };
}

/**
 * A pool database's own security group whose database no longer exists (deleted by the
 * refill, or a restore that failed after the group was made) and that no environment claimed
 * (a claimed one carries the environment's tags, so it is not among the pool's groups). A
 * database still being deleted keeps its group until a later sweep; deleting a group a
 * database still uses would only fail with DependencyViolation.
 */
function orphanedSecurityGroups(inventory: Inventory, groups: readonly DiscoveredResource[], pool: string): DiscoveredResource[] {
  const databases = new Set(inventory.resources.filter((r) => r.kind === "rds-instance").map((r) => r.id));
  const prefix = poolMemberIdentifier(pool, "");
  return groups.filter((group) => {
    const name = group.facts?.groupName;
    return typeof name === "string" && name.startsWith(prefix) && !databases.has(name);
  });
}

/** The newest available snapshot of the pool's baseline, or why there is none. */
export async function newestBaseline(rds: RDSClient, baseline: DatabasePoolSettings["baseline"]): Promise<Baseline> {
  try {
    const snapshots: DBSnapshot[] =
      "snapshot" in baseline
        ? ((await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: baseline.snapshot }))).DBSnapshots ?? [])
        : await allPages(paginateDescribeDBSnapshots({ client: rds }, { DBInstanceIdentifier: baseline.sourceDbInstance }), (page) => page.DBSnapshots);
    // Of a source instance's snapshots, only those the reaper's role may restore from (see baselineSnapshotPrefixes).
    const allowed = "snapshot" in baseline ? () => true : (id: string) => baselineSnapshotPrefixes(baseline.sourceDbInstance).some((prefix) => id.startsWith(prefix));
    const newest = snapshots
      .filter((s) => s.Status === "available" && s.DBSnapshotIdentifier !== undefined && allowed(s.DBSnapshotIdentifier))
      .sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0))[0];
    if (newest === undefined) return { unknown: `no available snapshot of ${"snapshot" in baseline ? baseline.snapshot : baseline.sourceDbInstance}` };
    return { snapshot: newest.DBSnapshotIdentifier!, createdAt: (newest.SnapshotCreateTime ?? new Date(0)).toISOString() };
  } catch (err) {
    return { unknown: errorCode(err) ?? "the snapshot lookup failed" };
  }
}
