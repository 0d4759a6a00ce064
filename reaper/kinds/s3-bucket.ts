import { paginateGetResources, type ResourceTagMapping } from "@aws-sdk/client-resource-groups-tagging-api";
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  GetObjectLockConfigurationCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
} from "@aws-sdk/client-s3";
import { isManagedByEphemera, MANAGED_BY_VALUE, TAG } from "../model";
import { refersToAuditBucket } from "../contracts/refers-to-audit-bucket";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, hasCode, listingFailure, refused } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import { DELETABLE_BUCKETS, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const s3BucketRow = {
  what: "S3 buckets (the Resource Groups Tagging API); emptied, then deleted; never the audit bucket or a bucket with Object Lock",
  how: {
    find: "Resource Groups Tagging API `GetResources` (type `s3`, 100 per page)",
    delete: "Deletes every object version, every delete marker and every unfinished multipart upload, then `DeleteBucket`. Refuses the audit bucket (`AuditBucketProtected`) and any bucket with Object Lock (`ObjectLockEnabled`).",
  },
  deletePhase: "resources",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["tag:GetResources"],
    // S3 does not evaluate aws:ResourceTag for these (unless ABAC is switched on per bucket): by name, in this account.
    tag: { actions: ["s3:GetBucketTagging", "s3:PutBucketTagging"], on: DELETABLE_BUCKETS, scope: "name" },
    delete: {
      actions: [
        "s3:GetBucketObjectLockConfiguration",
        "s3:ListBucketVersions",
        "s3:ListBucketMultipartUploads",
        "s3:DeleteBucket",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:AbortMultipartUpload",
      ],
      on: DELETABLE_BUCKETS,
      scope: "name",
    },
  },
} satisfies KindRow;

/** DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 1000;
/** Rounds of list-then-delete before giving up on a bucket that does not empty (10 million versions). */
const MAX_ROUNDS = 10_000;

/**
 * S3 buckets owned by an environment.
 *
 * Discovery: the Resource Groups Tagging API (`GetResources`, resource type `s3`,
 * tag managed-by=ephemera, 100 per page), because S3 itself can only list every
 * bucket and then ask for each one's tags. The tagging API answers for the buckets
 * of the region it is called in, which is the region this reaper sweeps.
 *
 * Delete empties the bucket (every object version, delete marker and unfinished
 * multipart upload), then deletes it. It refuses the configured audit bucket and any
 * bucket with Object Lock enabled: locked data must outlive the environment, and
 * emptying such a bucket could only half succeed.
 */
export const s3BucketAdapter: KindAdapter<KindContext> = {
  kind: "s3-bucket",

  async list(ctx) {
    let mappings: ResourceTagMapping[];
    try {
      mappings = await taggedResources(ctx, ["s3"]);
    } catch (err) {
      return { resources: [], failures: [listingFailure("s3-bucket", `region ${ctx.region} (tagging API)`, err)] };
    }
    const resources: DiscoveredResource[] = [];
    for (const mapping of mappings) {
      const arn = mapping.ResourceARN ?? "";
      const bucket = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn)?.[1];
      const tags = tagsFromList(mapping.Tags);
      if (bucket === undefined || !isManagedByEphemera(tags)) continue;
      const resource: DiscoveredResource = { kind: "s3-bucket", id: bucket, arn, region: ctx.region, tags };
      if (!refersToAuditBucket(resource, ctx.auditBucket)) resources.push(resource);
    }
    return { resources, failures: [] };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      if (refersToAuditBucket(resource, ctx.auditBucket)) return auditBucketRefusal(resource.id);
      // PutBucketTagging replaces the whole set, so merge onto what is there.
      let current: Record<string, string> = {};
      try {
        current = { ...tagsFromList((await ctx.s3.send(new GetBucketTaggingCommand({ Bucket: resource.id }))).TagSet) };
      } catch (err) {
        if (!hasCode(err, "NoSuchTagSet")) throw err;
      }
      const out = await ctx.s3.send(
        new PutBucketTaggingCommand({ Bucket: resource.id, Tagging: { TagSet: tagList({ ...current, ...tags }) } }),
      );
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      const bucket = resource.id;
      if (refersToAuditBucket(resource, ctx.auditBucket)) return auditBucketRefusal(bucket);
      try {
        const lock = await ctx.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
        if (lock.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled") {
          return refused("ObjectLockEnabled", `bucket ${bucket} has Object Lock enabled; the reaper never empties or deletes it`);
        }
      } catch (err) {
        if (hasCode(err, "NoSuchBucket")) return alreadyDone("the bucket no longer exists");
        // Any other error means the lock state is unknown: refuse, by rethrowing it.
        if (!hasCode(err, "ObjectLockConfigurationNotFoundError")) throw err;
      }
      try {
        const removed = await empty(ctx, bucket);
        const out = await ctx.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
        return done(out.$metadata.requestId, removed);
      } catch (err) {
        if (hasCode(err, "NoSuchBucket")) return alreadyDone("the bucket no longer exists");
        throw err;
      }
    });
  },
};

function auditBucketRefusal(bucket: string) {
  return refused("AuditBucketProtected", `bucket ${bucket} is the audit bucket; the reaper never touches it`);
}

/** Every page of the Tagging API's answer for managed-by=ephemera; any failed page fails the whole listing. */
async function taggedResources(ctx: KindContext, resourceTypes: string[]): Promise<ResourceTagMapping[]> {
  const input = { TagFilters: [{ Key: TAG.managedBy, Values: [MANAGED_BY_VALUE] }], ResourceTypeFilters: resourceTypes };
  return allPages(paginateGetResources({ client: ctx.tagging, pageSize: 100 }, input), (page) => page.ResourceTagMappingList);
}

/**
 * Deletes every object version and delete marker, first page first until none is
 * left (what was deleted no longer lists, so no markers are needed), then aborts
 * unfinished multipart uploads. Any per-key error stops it with that error's code.
 */
async function empty(ctx: KindContext, bucket: string): Promise<{ versionsDeleted: number; uploadsAborted: number }> {
  let versionsDeleted = 0;
  for (let round = 0; ; round++) {
    if (round === MAX_ROUNDS) throw new Error(`bucket ${bucket} still lists object versions after ${round} rounds of deletes`);
    const page = await ctx.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: DELETE_BATCH }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((o) => o.Key !== undefined)
      .map((o) => ({ Key: o.Key as string, ...(o.VersionId === undefined ? {} : { VersionId: o.VersionId }) }));
    if (objects.length === 0) break;
    for (let at = 0; at < objects.length; at += DELETE_BATCH) {
      const batch = objects.slice(at, at + DELETE_BATCH);
      const out = await ctx.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
      const first = out.Errors?.[0];
      if (first !== undefined) {
        const err = new Error(
          `${out.Errors?.length} of ${batch.length} object versions in ${bucket} could not be deleted; ` +
            `first: ${first.Key} (${first.VersionId ?? "no version"}): ${first.Message ?? first.Code}`,
        );
        err.name = first.Code ?? "DeleteObjectsError";
        Object.assign(err, { $metadata: out.$metadata });
        throw err;
      }
      versionsDeleted += batch.length;
    }
  }
  let uploadsAborted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const page = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    const uploads = (page.Uploads ?? []).filter((u) => u.Key !== undefined && u.UploadId !== undefined);
    if (uploads.length === 0) break;
    for (const upload of uploads) {
      try {
        await ctx.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
      } catch (err) {
        if (!hasCode(err, "NoSuchUpload")) throw err;
      }
      uploadsAborted++;
    }
    if (!page.IsTruncated) break;
  }
  return { versionsDeleted, uploadsAborted };
}
