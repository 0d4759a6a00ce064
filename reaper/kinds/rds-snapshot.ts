import { AddTagsToResourceCommand, type DBSnapshot, DeleteDBSnapshotCommand, paginateDescribeDBSnapshots } from "@aws-sdk/client-rds";
import { isManagedByEphemera, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import type { MeteredUsage } from "../contracts/metered-usage";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** IAM's test that a snapshot is a checkpoint: it carries `ephemera:checkpoint` (a final or baseline snapshot does not). */
const IS_CHECKPOINT = { Null: { [`aws:ResourceTag/${TAG.checkpoint}`]: "false" } } as const;

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const rdsSnapshotRow = {
  what: "RDS manual DB snapshots that are an environment's checkpoints (tagged managed and `ephemera:checkpoint`); never final or baseline snapshots",
  how: {
    find: "`DescribeDBSnapshots` (manual), filtered on `TagList`: managed and carrying `ephemera:checkpoint`",
    delete:
      "`DeleteDBSnapshot`. A snapshot already gone counts as done; one still `creating` is refused by RDS (`InvalidDBSnapshotState`): a failed action the next sweep retries.",
  },
  deletePhase: "resources",
  holdsData: false,
  reportsSpend: false,
  metered: true,
  iam: {
    discover: ["rds:DescribeDBSnapshots"],
    tag: { actions: ["rds:AddTagsToResource"], on: [inRegion("rds", "snapshot:*")], scope: "managed", condition: IS_CHECKPOINT },
    // Only checkpoints: the final snapshots carry the environment's managed tags too (CopyTagsToSnapshot), never ephemera:checkpoint.
    delete: { actions: ["rds:DeleteDBSnapshot"], on: [inRegion("rds", "snapshot:*")], scope: "managed", condition: IS_CHECKPOINT },
  },
} satisfies KindRow;

/**
 * RDS manual DB snapshots that are checkpoints of an environment (`ephemera checkpoint`).
 *
 * Discovery: DescribeDBSnapshots of the manual snapshots, paginated, filtered here on
 * its TagList: `ephemera:managed-by=ephemera` and an `ephemera:checkpoint` key (its
 * value is the label, empty for a label-less checkpoint). A final snapshot carries the
 * environment's tags (CopyTagsToSnapshot) but never `ephemera:checkpoint`, and a
 * baseline snapshot is no environment's: neither is ever listed, so neither is deleted.
 *
 * Delete: DeleteDBSnapshot. Already gone is done. A snapshot still `creating` is refused
 * by RDS (`InvalidDBSnapshotState`): reported as failed, and the next sweep retries.
 *
 * Metered: its storage, at its allocated size (AWS bills snapshot storage
 * incrementally, so this is an upper bound), from its creation.
 */
export const rdsSnapshotAdapter: KindAdapter<KindContext> = {
  kind: "rds-snapshot",

  async list(ctx) {
    try {
      const snapshots = await allPages(paginateDescribeDBSnapshots({ client: ctx.rds, pageSize: 100 }, { SnapshotType: "manual" }), (page) => page.DBSnapshots);
      const checkpoints = snapshots.filter((s) => isCheckpoint(tagsFromList(s.TagList)));
      return { resources: checkpoints.map((s) => toResource(ctx, s)), failures: [], usage: checkpoints.flatMap((s) => toUsage(ctx, s) ?? []) };
    } catch (err) {
      return { resources: [], failures: [listingFailure("rds-snapshot", `region ${ctx.region}`, err)] };
    }
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const arn = resource.arn ?? `arn:aws:rds:${ctx.region}:${await ctx.accountId()}:snapshot:${resource.id}`;
      const out = await ctx.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: resource.id }));
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "DBSnapshotNotFoundFault", "DBSnapshotNotFound")) return alreadyDone("the snapshot no longer exists");
        throw err;
      }
    });
  },
};

/** A checkpoint's tags: managed, and carrying `ephemera:checkpoint` (whatever its value). */
function isCheckpoint(tags: Readonly<Record<string, string>>): boolean {
  return isManagedByEphemera(tags) && Object.prototype.hasOwnProperty.call(tags, TAG.checkpoint);
}

/** Its storage, at its allocated size, from its creation: an upper bound of what AWS bills (incrementally). */
function toUsage(ctx: KindContext, s: DBSnapshot): MeteredUsage | undefined {
  if (s.DBSnapshotIdentifier === undefined || s.SnapshotCreateTime === undefined || s.AllocatedStorage === undefined || s.AllocatedStorage <= 0) return undefined;
  const since = s.SnapshotCreateTime.toISOString();
  return {
    kind: "rds-snapshot",
    id: s.DBSnapshotIdentifier,
    region: ctx.region,
    tags: tagsFromList(s.TagList),
    status: s.Status ?? "unknown",
    charging: false,
    runStart: since,
    storage: { gb: s.AllocatedStorage, product: { kind: "rds-snapshot", region: ctx.region }, since },
  };
}

function toResource(ctx: KindContext, s: DBSnapshot): DiscoveredResource {
  const facts: Record<string, string | number | boolean> = {};
  if (s.DBInstanceIdentifier !== undefined) facts.dbInstanceIdentifier = s.DBInstanceIdentifier;
  if (s.SnapshotCreateTime !== undefined) facts.createdAt = s.SnapshotCreateTime.toISOString();
  if (s.AllocatedStorage !== undefined) facts.allocatedStorageGb = s.AllocatedStorage;
  if (s.PercentProgress !== undefined) facts.percentProgress = s.PercentProgress;
  if (s.Engine !== undefined) facts.engine = s.Engine;
  return {
    kind: "rds-snapshot",
    id: s.DBSnapshotIdentifier ?? "",
    ...(s.DBSnapshotArn === undefined ? {} : { arn: s.DBSnapshotArn }),
    region: ctx.region,
    tags: tagsFromList(s.TagList),
    ...(s.Status === undefined ? {} : { status: s.Status }),
    facts,
  };
}
