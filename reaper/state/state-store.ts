export interface ListOptions {
  /** Only keys after this one. @default - from the first */
  readonly startAfter?: string;
  /** At most this many keys. @default - all */
  readonly limit?: number;
}

/** A key as a listing shows it. */
export interface StoredKey {
  readonly key: string;
  /** When the store wrote it, by the store's own clock (S3's `LastModified`). */
  readonly writtenAt?: Date;
}

/** A listing, with the store's own time when it answered. */
export interface Listing {
  /** In key order. */
  readonly keys: readonly StoredKey[];
  /**
   * The store's clock when it answered (S3's `Date` header). Coordination judges every
   * expiry against it, never against a host's clock. Undefined only for a store that
   * has no clock of its own (a test double): callers then use the host's.
   */
  readonly serverTime?: Date;
}

/**
 * Where everything that coordinates runs is kept: the audit bucket (an Object Lock S3
 * bucket) in production, a map in unit tests. Nothing in it is overwritten or deleted:
 * every coordinating write goes through `putIfAbsent` (reaper/state/put-if-absent.ts).
 */
export interface StateStore {
  /**
   * Stores one object; resolves only once it is durably written. `exclusive`: only if no
   * object has the key yet (S3's `If-None-Match: *`); otherwise it rejects with
   * `PreconditionFailed` (or S3's `ConditionalRequestConflict` for a concurrent write).
   * Callers use `putIfAbsent`, which says what such a rejection means.
   */
  put(key: string, body: string, options?: { readonly exclusive?: boolean }): Promise<{ readonly requestId?: string; readonly versionId?: string }>;
  /** Every key under `prefix`, in key order; with `startAfter`, only keys after it; with `limit`, at most that many (the first). */
  list(prefix: string, options?: ListOptions): Promise<string[]>;
  /** Like `list`, with each key's write time and the store's time: one request for a `limit` of up to 1,000. */
  scan(prefix: string, options?: ListOptions): Promise<Listing>;
  /** The current body of one key. */
  get(key: string): Promise<string>;
}
