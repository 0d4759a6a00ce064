export interface ListOptions {
  /** Only keys after this one. @default - from the first */
  readonly startAfter?: string;
  /** At most this many keys. @default - all */
  readonly limit?: number;
}

/** Where audit records are kept: an Object Lock S3 bucket in production, a map in unit tests. */
export interface AuditStore {
  /**
   * Stores one object; resolves only once it is durably written. `exclusive`: only if no
   * object has the key yet (S3's `If-None-Match: *`); otherwise it rejects with
   * `PreconditionFailed`, so two writers never both think they wrote the same key.
   */
  put(key: string, body: string, options?: { readonly exclusive?: boolean }): Promise<{ readonly requestId?: string; readonly versionId?: string }>;
  /** Every key under `prefix`, in key order; with `startAfter`, only keys after it; with `limit`, at most that many (the first). */
  list(prefix: string, options?: ListOptions): Promise<string[]>;
  /** The current body of one key. */
  get(key: string): Promise<string>;
}
