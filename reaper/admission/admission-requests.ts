import { ADMISSION_REQUEST_PREFIX, tryParseIsolation } from "../model";
import { keyTakenError, putIfAbsent } from "../state/put-if-absent";
import { admissionRequestKey } from "../state/state-keys";
import type { StateStore } from "../state/state-store";
import type { AdmissionRequest } from "./decide-admission";

/** An admit waiting its turn: everything another admit needs to decide it. */
export interface AdmissionTicket extends AdmissionRequest {
  /** A random UUID, in the request's key. */
  readonly id: string;
  /** The caller's ARN: the reservation's `by` when it is admitted. */
  readonly by: string;
}

/** A request S3 wrote longer ago than this is passed over: its admit has stopped waiting for it. */
export const REQUEST_WINDOW_MS = 90_000;
/** Waiting requests one decision reads, oldest first; later ones wait for the next. */
const MAX_READ = 200;
const KEY = /^(\d{13})-([0-9a-f-]{36})\.json$/;

/** The requests still waiting, oldest first: the order every admit decides them in. */
export interface Waiting {
  /** Their ids and keys, oldest first; S3's write time is the decision's `at`. */
  readonly queue: readonly { readonly id: string; readonly key: string; readonly writtenAt: Date }[];
  readonly skipped: readonly string[];
}

/**
 * Writes an admit's request (once: `admission-requests/<countdown of S3's instant>-<id>.json`),
 * so that whichever admit writes the reservations next decides it as well.
 */
export async function announce(store: StateStore, ticket: AdmissionTicket, at: Date): Promise<void> {
  const key = admissionRequestKey(at, ticket.id);
  const written = await putIfAbsent(store, key, JSON.stringify({ v: 1, ...ticket }));
  if (written.status !== "written") throw keyTakenError(key, "another request has this id");
}

/**
 * The requests written in the last REQUEST_WINDOW_MS (by S3's clock) that `decided` does not
 * name, at most MAX_READ of them: one listing, no read.
 */
export async function waitingRequests(store: StateStore, decided: ReadonlySet<string>): Promise<Waiting> {
  const listing = await store.scan(ADMISSION_REQUEST_PREFIX, { limit: 1000 });
  const now = listing.serverTime ?? new Date();
  const skipped: string[] = [];
  const recent = listing.keys.flatMap((k) => {
    const match = KEY.exec(k.key.slice(ADMISSION_REQUEST_PREFIX.length));
    if (match === null) {
      skipped.push(`${k.key}: not a request key (${ADMISSION_REQUEST_PREFIX}<13 digits>-<uuid>.json)`);
      return [];
    }
    const writtenAt = k.writtenAt ?? now;
    const id = match[2]!;
    return decided.has(id) || now.getTime() - writtenAt.getTime() > REQUEST_WINDOW_MS ? [] : [{ key: k.key, id, writtenAt }];
  });
  return { queue: recent.reverse().slice(0, MAX_READ), skipped };
}

/** The waiting requests' bodies, in queue order: one read each, but none for one in `cache` (requests are write-once). Unreadable ones are passed over and named. */
export async function readTickets(store: StateStore, waiting: Waiting, cache: Map<string, AdmissionTicket>): Promise<{ readonly tickets: readonly AdmissionTicket[]; readonly skipped: readonly string[] }> {
  const skipped: string[] = [];
  const tickets = await Promise.all(
    waiting.queue.map(async ({ key, id }) => {
      try {
        return cache.get(id) ?? (await readTicket(store, key, id, cache));
      } catch (err) {
        skipped.push(`${key}: ${err instanceof Error ? err.message : String(err)}; passed over`);
        return undefined;
      }
    }),
  );
  return { tickets: tickets.filter((t): t is AdmissionTicket => t !== undefined), skipped };
}

async function readTicket(store: StateStore, key: string, id: string, cache: Map<string, AdmissionTicket>): Promise<AdmissionTicket> {
  const ticket = parseTicket(JSON.parse(await store.get(key)), id);
  cache.set(id, ticket);
  return ticket;
}

function parseTicket(body: unknown, id: string): AdmissionTicket {
  const t = body as Partial<Record<keyof AdmissionTicket, unknown>> | null;
  const finite = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
  if (t === null || typeof t !== "object" || t.id !== id || typeof t.env !== "string" || typeof t.owner !== "string" || typeof t.by !== "string" || !finite(t.ttlMs) || (t.budgetUsd !== undefined && !finite(t.budgetUsd))) {
    throw new Error(`a malformed admission request: ${JSON.stringify(body).slice(0, 200)}`);
  }
  // A level this version does not know is malformed, never read as "none".
  const isolation = t.isolation === undefined ? undefined : tryParseIsolation(String(t.isolation));
  if (isolation?.ok === false) throw new Error(`a malformed admission request: ${isolation.error.message}`);
  return {
    id,
    env: t.env,
    owner: t.owner,
    by: t.by,
    ttlMs: t.ttlMs as number,
    ...(t.budgetUsd === undefined ? {} : { budgetUsd: t.budgetUsd as number }),
    ...(isolation === undefined ? {} : { isolation: isolation.value }),
  };
}
