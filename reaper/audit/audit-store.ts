/** Where audit records are kept: an Object Lock S3 bucket in production, a map in unit tests. */
export interface AuditStore {
  /** Stores one record; resolves only once it is durably written. */
  put(key: string, body: string): Promise<{ readonly requestId?: string; readonly versionId?: string }>;
  /** Every key under `prefix`, in key order. */
  list(prefix: string): Promise<string[]>;
  /** The current body of one key. */
  get(key: string): Promise<string>;
}
