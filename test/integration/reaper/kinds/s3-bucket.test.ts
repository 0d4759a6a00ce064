import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { s3BucketAdapter } from "../../../../reaper/kinds/s3-bucket";
import { asTagList, AUDIT_BUCKET, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

async function bucket(name: string, tags: Record<string, string> | undefined, options: { objectLock?: boolean } = {}) {
  await ctx().s3.send(new CreateBucketCommand({ Bucket: name, ...(options.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
  if (tags) await ctx().s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: asTagList(tags) } }));
}

async function exists(name: string): Promise<boolean> {
  try {
    await ctx().s3.send(new HeadBucketCommand({ Bucket: name }));
    return true;
  } catch {
    return false;
  }
}

async function versionCount(name: string): Promise<number> {
  const out = await ctx().s3.send(new ListObjectVersionsCommand({ Bucket: name }));
  return (out.Versions?.length ?? 0) + (out.DeleteMarkers?.length ?? 0);
}

async function seeded(): Promise<DiscoveredResource> {
  const env = uniqueEnv();
  await bucket(`${env}-assets`, managedTags(env));
  const [found] = ofEnv((await s3BucketAdapter.list(ctx())).resources, env);
  if (!found) throw new Error(`bucket of ${env} was not listed`);
  return found;
}

/** The audit bucket, tagged as if an environment owned it: it must still never be listed or touched. */
async function auditBucket(): Promise<void> {
  if (!(await exists(AUDIT_BUCKET))) await bucket(AUDIT_BUCKET, managedTags("pr-audit"));
}

describe("s3-bucket adapter", () => {
  it("lists buckets tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    await bucket(`${env}-assets`, managedTags(env));
    await bucket(`${env}-untagged`, undefined);
    await bucket(`${env}-theirs`, otherManagedTags(env));
    const { resources, failures } = await s3BucketAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-untagged`);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-theirs`);
    expect(ofEnv(resources, env)).toEqual([
      { kind: "s3-bucket", id: `${env}-assets`, arn: `arn:aws:s3:::${env}-assets`, region: "us-east-1", tags: managedTags(env) },
    ]);
  });

  it("never lists the audit bucket, even tagged managed-by=ephemera", async () => {
    await auditBucket();
    const { resources } = await s3BucketAdapter.list(ctx());
    expect(resources.map((r) => r.id)).not.toContain(AUDIT_BUCKET);
  });

  it("merges new tags into the bucket's existing tag set", async () => {
    const resource = await seeded();
    await ctx().s3.send(
      new PutBucketTaggingCommand({ Bucket: resource.id, Tagging: { TagSet: asTagList({ ...resource.tags, team: "web" }) } }),
    );
    expect(await s3BucketAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect(await s3BucketAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    const out = await ctx().s3.send(new GetBucketTaggingCommand({ Bucket: resource.id }));
    expect(Object.fromEntries(out.TagSet!.map((t) => [t.Key, t.Value]))).toEqual({
      ...resource.tags,
      team: "web",
      "ephemera:state": "reaping",
    });
  });

  it("delete empties every object version, delete marker and unfinished upload, then deletes the bucket", async () => {
    const resource = await seeded();
    const Bucket = resource.id;
    await ctx().s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
    for (const body of ["v1", "v2", "v3"]) await ctx().s3.send(new PutObjectCommand({ Bucket, Key: "report.json", Body: body }));
    await ctx().s3.send(new PutObjectCommand({ Bucket, Key: "other.txt", Body: "x" }));
    await ctx().s3.send(new DeleteObjectCommand({ Bucket, Key: "other.txt" }));
    await ctx().s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "big.bin" }));
    expect(await versionCount(Bucket)).toBe(5);

    const result = await s3BucketAdapter.delete(ctx(), resource, {});
    expect(result).toMatchObject({ ok: true, facts: { versionsDeleted: 5, uploadsAborted: 1 } });
    expect(await exists(Bucket)).toBe(false);
  });

  it("a second delete is already done", async () => {
    const resource = await seeded();
    await s3BucketAdapter.delete(ctx(), resource, {});
    expect(await s3BucketAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("delete refuses a bucket with Object Lock enabled and leaves it and its objects alone", async () => {
    const env = uniqueEnv();
    await bucket(`${env}-locked`, managedTags(env), { objectLock: true });
    await ctx().s3.send(new PutObjectCommand({ Bucket: `${env}-locked`, Key: "evidence.json", Body: "{}" }));
    const [resource] = ofEnv((await s3BucketAdapter.list(ctx())).resources, env);

    expect(await s3BucketAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: false, code: "ObjectLockEnabled" });
    expect(await versionCount(`${env}-locked`)).toBe(1);
  });

  it("delete and tag refuse the audit bucket, whatever the caller passes in", async () => {
    await auditBucket();
    const audit: DiscoveredResource = { kind: "s3-bucket", id: AUDIT_BUCKET, region: "us-east-1", tags: managedTags("pr-audit") };
    expect(await s3BucketAdapter.delete(ctx(), audit, {})).toMatchObject({ ok: false, code: "AuditBucketProtected" });
    expect(await s3BucketAdapter.tag(ctx(), audit, { "ephemera:state": "reaping" })).toMatchObject({
      ok: false,
      code: "AuditBucketProtected",
    });
    expect(await exists(AUDIT_BUCKET)).toBe(true);
  });

  it("a Tagging API page that fails after a good one is a listing failure with no buckets, not a partial list", async () => {
    const env = uniqueEnv();
    for (let i = 0; i < 3; i++) await bucket(`${env}-b${i}`, managedTags(env));
    let pages = 0;
    ctx().tagging.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetResourcesCommand" && ++pages === 2) {
          throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: {} });
        }
        const out = await next(args);
        // Page the answer one bucket at a time, so there is a second page to fail.
        const output = out.output as { ResourceTagMappingList?: unknown[]; PaginationToken?: string };
        if (pages === 1) {
          output.ResourceTagMappingList = output.ResourceTagMappingList?.slice(0, 1);
          output.PaginationToken = "page-2";
        }
        return out;
      },
      { step: "initialize", name: "failSecondPage" },
    );
    const inventory = await s3BucketAdapter.list(ctx());
    expect(inventory.resources).toEqual([]);
    expect(inventory.failures).toEqual([
      { kind: "s3-bucket", scope: "region us-east-1 (tagging API)", code: "ThrottlingException", message: "Rate exceeded" },
    ]);
    expect(pages).toBe(2);
  });
});
