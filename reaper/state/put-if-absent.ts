import { errorCode } from "../support/outcomes";
import type { StateStore } from "./state-store";

/**
 * - `written`: the object holds this body because this call wrote it (or an earlier try of
 *   the same call whose answer was lost: the stored body is byte for byte ours);
 * - `taken`: another writer got the key first; `stored` is its body when it could be read.
 */
export type PutIfAbsentResult = { readonly status: "written" } | { readonly status: "taken"; readonly stored?: string };

/** S3's answers to a conditional write whose key another writer has (412) or is writing (409). */
const TAKEN = new Set(["PreconditionFailed", "ConditionalRequestConflict"]);

/**
 * The one write-once primitive: every object that coordinates runs (leases, registers,
 * claims, spend readings, audit records) is written through it. Writes `body` at `key`
 * only where no object is (`If-None-Match: *`). A 412 or 409 means "taken", never a
 * failure; it is "mine" only when the stored body is exactly ours, which is how a write
 * whose answer was lost (and that the SDK retried) is told from a rival's. Any other
 * error rejects: the caller must fail closed.
 */
export async function putIfAbsent(store: StateStore, key: string, body: string): Promise<PutIfAbsentResult> {
  try {
    await store.put(key, body, { exclusive: true });
    return { status: "written" };
  } catch (err) {
    if (!TAKEN.has(errorCode(err))) {
      // A write that failed after it was sent may have landed: then it stands.
      if ((await readOrUndefined(store, key)) === body) return { status: "written" };
      throw err;
    }
    const stored = await readOrUndefined(store, key);
    if (stored === body) return { status: "written" };
    return stored === undefined ? { status: "taken" } : { status: "taken", stored };
  }
}

async function readOrUndefined(store: StateStore, key: string): Promise<string | undefined> {
  return store.get(key).catch(() => undefined);
}

/** The error of a write that had to land and found its key taken (named as S3 names a 412). */
export function keyTakenError(key: string, why: string): Error {
  return Object.assign(new Error(`${key} is taken: ${why}`), { name: "PreconditionFailed" });
}
