import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  paginateListObjectsV2,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { AuditLockMode } from "../config/reaper-config";
import { allPages } from "../support/all-pages";
import type { Listing, ListOptions, StateStore } from "./state-store";
import { systemClock } from "../model";

const DAY = 86_400_000;

export interface S3StateStoreOptions {
  /** Days each object is locked from the moment it is written. */
  readonly retentionDays: number;
  readonly lockMode: AuditLockMode;
  /** Send the retention with each PutObject (needs `s3:PutObjectRetention`); otherwise rely on the bucket default. */
  readonly perObjectRetention: boolean;
  /** Stamps each object's retention. @default the system clock */
  readonly clock?: () => Date;
}

/**
 * The state store in an S3 bucket with Object Lock (the audit bucket): each object is
 * written once and retained for `retentionDays`. Listings carry S3's own clock (the
 * response's `Date` header) and each key's `LastModified`.
 */
export class S3StateStore implements StateStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly options: S3StateStoreOptions,
  ) {}

  async put(key: string, body: string, options: { exclusive?: boolean } = {}): Promise<{ requestId?: string; versionId?: string }> {
    const now = (this.options.clock ?? systemClock)();
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
    if (options.limit !== undefined) return (await this.scan(prefix, options)).keys.map((k) => k.key);
    const input = { Bucket: this.bucket, Prefix: prefix, ...(options.startAfter === undefined ? {} : { StartAfter: options.startAfter }) };
    const objects = await allPages(paginateListObjectsV2({ client: this.s3 }, input), (page) => page.Contents);
    return objects.flatMap((object) => (object.Key === undefined ? [] : [object.Key])).sort();
  }

  async scan(prefix: string, options: ListOptions = {}): Promise<Listing> {
    const command = new ListObjectsV2Command({
      Bucket: this.bucket,
      Prefix: prefix,
      MaxKeys: Math.min(options.limit ?? 1000, 1000),
      ...(options.startAfter === undefined ? {} : { StartAfter: options.startAfter }),
    });
    let serverTime: Date | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        serverTime = dateHeader((result.response as { headers?: Record<string, string> }).headers);
        return result;
      },
      { step: "deserialize", name: "ephemeraServerTime" },
    );
    const out: ListObjectsV2CommandOutput = await this.s3.send(command);
    // Without S3's time nothing that expires can be judged: fail closed.
    if (serverTime === undefined) throw new Error(`s3://${this.bucket} answered a listing without a Date header; S3's time is unknown`);
    const keys = (out.Contents ?? [])
      .flatMap((object) => (object.Key === undefined ? [] : [{ key: object.Key, ...(object.LastModified === undefined ? {} : { writtenAt: object.LastModified }) }]))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { keys: options.limit === undefined ? keys : keys.slice(0, options.limit), serverTime };
  }

  async get(key: string): Promise<string> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (out.Body === undefined) throw new Error(`s3://${this.bucket}/${key} has no body`);
    return out.Body.transformToString("utf-8");
  }
}

function dateHeader(headers: Record<string, string> | undefined): Date | undefined {
  const text = headers?.date ?? headers?.Date;
  const ms = text === undefined ? NaN : Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
