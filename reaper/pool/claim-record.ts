import { putIfAbsent } from "../state/put-if-absent";
import { claimKey } from "../state/state-keys";
import type { StateStore } from "../state/state-store";

/**
 * Who holds a pool database: written once per database, by whichever comes first of a
 * claim (`env` is the environment) and the pool's refill retiring it before a delete
 * (`env` is `pool:<name>`). So a claim and a delete can never both win a database,
 * however their requests interleave or are delayed.
 */
export interface ClaimRecord {
  readonly pool: string;
  readonly database: string;
  /** The environment that holds it, or `pool:<name>` when the refill retired it. */
  readonly env: string;
  /** Who wrote it (an ARN, with the MCP client when there was one; or the reaper's run). */
  readonly claimant: string;
  /** ISO-8601 UTC, the writer's clock (for people; nothing is judged by it). */
  readonly at: string;
}

/** `mine` when `record.env` holds the database (written now, or by an earlier try for the same holder), `other` when another does. */
export async function takeClaim(store: StateStore, record: ClaimRecord): Promise<"mine" | "other"> {
  const written = await putIfAbsent(store, claimKey(record.pool, record.database), JSON.stringify({ v: 1, ...record }));
  if (written.status === "written") return "mine";
  return holderOf(written.stored) === record.env ? "mine" : "other";
}

/** Who holds the database, or undefined when nobody does. A read that fails (other than "no such key") rejects. */
export async function readClaim(store: StateStore, pool: string, database: string): Promise<string | undefined> {
  try {
    return holderOf(await store.get(claimKey(pool, database))) ?? "an unreadable claim record";
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

function holderOf(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  try {
    const env = (JSON.parse(body) as { env?: unknown }).env;
    return typeof env === "string" ? env : undefined;
  } catch {
    return undefined;
  }
}
