/**
 * A Kubernetes API call that did not succeed. `name` is the Status `reason`
 * (`NotFound`, `Conflict`, `Forbidden`, ...) so adapters report it the way they
 * report an AWS error code.
 */
export class KubeApiError extends Error {
  constructor(
    /** The Status reason, or `HTTP<status>` when the server sent none; `NetworkError` when there was no answer. */
    readonly reason: string,
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** The API server's `Audit-Id` response header: the request id to quote in the audit record. */
    readonly auditId?: string,
    /**
     * The request may have been carried out: the answer was lost after it was sent (a
     * reset, a timeout), or the server failed with 500, 502 or 504.
     * @default - from the status: 500, 502 and 504 are ambiguous
     */
    readonly ambiguous: boolean = status === 500 || status === 502 || status === 504,
  ) {
    super(message);
    this.name = reason;
  }
}
