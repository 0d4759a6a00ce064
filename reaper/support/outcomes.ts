import type { KindName, ListingFailure, OperationResult } from "../contracts/kind-adapter";

type Facts = Readonly<Record<string, string | number | boolean>>;

/** The error code an AWS SDK v3 exception (its `name`), a Kubernetes error (its reason) or a socket error (`ECONNREFUSED`) carries. */
export function errorCode(err: unknown): string {
  if (typeof err !== "object" || err === null) return "Error";
  const { name, code, message } = err as { name?: unknown; code?: unknown; message?: unknown };
  // A service error's name is its code; a socket error is a plain Error whose code says what happened.
  const generic = typeof name !== "string" || name === "" || name === "Error" || name === "TypeError";
  if (generic && typeof code === "string" && code !== "") return code;
  // The SDK re-wraps an error it does not see as an Error (one from another realm, as under a test
  // runner's sandbox): the socket error's code then survives only in the wrapper's message.
  if (generic && typeof message === "string" && message.startsWith(SDK_WRAPPER)) {
    const wrapped = /\b(E[A-Z]{2,}(?:_[A-Z]+)?)\b/.exec(message.slice(SDK_WRAPPER.length))?.[1];
    if (wrapped !== undefined) return wrapped;
  }
  return typeof name === "string" && name !== "" ? name : "Error";
}

/** How the SDK's error wrapper begins its message. */
const SDK_WRAPPER = "AWS SDK error wrapper for ";

/** True when the error's code is one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes(errorCode(err));
}

export function requestIdOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { $metadata, auditId } = err as { $metadata?: { requestId?: unknown }; auditId?: unknown };
  const id = $metadata?.requestId ?? auditId;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** `Name: message`, for a one-line report of an error that stopped a whole run or command. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function messageOf(err: unknown): string {
  if (err instanceof Error && err.message !== "") return err.message;
  return String(err);
}

/** Network failures that can come after a request was sent, and so after it was carried out. */
const AFTER_SENDING = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "ESOCKETTIMEDOUT", "TimeoutError", "RequestTimeout", "RequestTimeoutException"];

/**
 * True when a failed call may still have been carried out: the connection was reset or
 * timed out after the request went out, or the service answered 500, 502 or 504 (it
 * had the request and did not say what became of it). A refused connection, a throttle
 * and every 4xx answer mean it was not.
 */
export function isAmbiguous(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  if ((err as { ambiguous?: unknown }).ambiguous === true) return true;
  if (AFTER_SENDING.includes(errorCode(err))) return true;
  // Under some runners the socket error is rewrapped and its code survives only in the message.
  if (/\b(ECONNRESET|EPIPE|ETIMEDOUT|socket hang up)\b/.test(messageOf(err))) return true;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return status === 500 || status === 502 || status === 504;
}

/** An operation's failure, with the API's own code and request id for the audit record; `ambiguous` when it may have happened. */
export function failed(err: unknown): OperationResult {
  const requestId = requestIdOf(err);
  return {
    ok: false,
    code: errorCode(err),
    message: messageOf(err),
    ...(requestId === undefined ? {} : { requestId }),
    ...(isAmbiguous(err) ? { ambiguous: true } : {}),
  };
}

/** A refusal decided here rather than by the API (an Object Lock bucket, a spot instance asked to pause). */
export function refused(code: string, message: string, facts?: Facts): OperationResult {
  return { ok: false, code, message, ...(facts === undefined ? {} : { facts }) };
}

/** Success; `requestId` is the last call's (the one that made the change). */
export function done(requestId?: string, facts?: Facts): OperationResult {
  return { ok: true, ...(requestId === undefined ? {} : { requestId }), ...(facts === undefined ? {} : { facts }) };
}

/** Nothing to do: the resource is already gone, stopped or scaled. */
export function alreadyDone(message: string, requestId?: string, facts?: Facts): OperationResult {
  return {
    ok: true,
    alreadyDone: true,
    message,
    ...(requestId === undefined ? {} : { requestId }),
    ...(facts === undefined ? {} : { facts }),
  };
}

/** Runs an adapter operation so that nothing it throws escapes: the sweep goes on and the error is reported. */
export async function attempt(operation: () => Promise<OperationResult>): Promise<OperationResult> {
  try {
    return await operation();
  } catch (err) {
    return failed(err);
  }
}

/** A listing that did not complete; `env` only when the failure can hide resources of that one environment. */
export function listingFailure(kind: KindName, scope: string, err: unknown, env?: string): ListingFailure {
  return { kind, scope, code: errorCode(err), message: messageOf(err), ...(env === undefined ? {} : { env }) };
}
