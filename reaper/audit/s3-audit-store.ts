import {
  GetObjectCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { AuditLockMode } from "../runtime/reaper-config";
import { allPages } from "../support/all-pages";
import { errorCode } from "../support/outcomes";
import type { AuditStore, ListOptions } from "./audit-store";

const DAY = 86_400_000;

export interface S3AuditStoreOptions {
  /** Days each record is locked from the moment it is written. */
  readonly retentionDays: number;
  readonly lockMode: AuditLockMode;
  /** Send the retention with each PutObject (needs `s3:PutObjectRetention`); otherwise rely on the bucket default. */
  readonly perObjectRetention: boolean;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** Audit records in an S3 bucket with Object Lock: each record is a new object, retained for `retentionDays`. */
export class S3AuditStore implements AuditStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly options: S3AuditStoreOptions,
  ) {}

  async put(key: string, body: string, options: { exclusive?: boolean } = {}): Promise<{ requestId?: string; versionId?: string }> {
    try {
      return await this.send(key, body, options);
    } catch (err) {
      const code = errorCode(err);
      if (!options.exclusive || (code !== "PreconditionFailed" && code !== "ConditionalRequestConflict")) throw err;
      // The key is taken. By this very write when an earlier attempt's answer was lost and
      // the SDK retried it: then the object holds exactly this body, and the write stands.
      const stored = await this.get(key).catch(() => undefined);
      if (stored === body) return {};
      // A concurrent write conflicted and neither landed: try once more.
      if (stored === undefined && code === "ConditionalRequestConflict") return this.send(key, body, options);
      throw err;
    }
  }

  private async send(key: string, body: string, options: { exclusive?: boolean }): Promise<{ requestId?: string; versionId?: string }> {
    const now = (this.options.clock ?? (() => new Date()))();
    const retention = this.options.perObjectRetention
      ? {
          ObjectLockMode: this.options.lockMode,
          ObjectLockRetainUntilDate: new Date(now.getTime() + this.options.retentionDays * DAY),
        }
      : {};
    const out = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        // Object Lock writes must carry an integrity checksum.
        ChecksumAlgorithm: "SHA256",
        ...(options.exclusive ? { IfNoneMatch: "*" } : {}),
        ...retention,
      }),
    );
    return {
      ...(out.$metadata.requestId === undefined ? {} : { requestId: out.$metadata.requestId }),
      ...(out.VersionId === undefined ? {} : { versionId: out.VersionId }),
    };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    const input = { Bucket: this.bucket, Prefix: prefix, ...(options.startAfter === undefined ? {} : { StartAfter: options.startAfter }) };
    if (options.limit !== undefined) {
      const out = await this.s3.send(new ListObjectsV2Command({ ...input, MaxKeys: options.limit }));
      return (out.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key])).sort().slice(0, options.limit);
    }
    const objects = await allPages(paginateListObjectsV2({ client: this.s3 }, input), (page) => page.Contents);
    return objects.flatMap((object) => (object.Key === undefined ? [] : [object.Key])).sort();
  }

  async get(key: string): Promise<string> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (out.Body === undefined) throw new Error(`s3://${this.bucket}/${key} has no body`);
    return out.Body.transformToString("utf-8");
  }
}
