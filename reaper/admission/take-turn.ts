import { randomUUID } from "node:crypto";
import { clockSkewError } from "../state/clock-skew";
import type { StateStore } from "../state/state-store";
import type { RegisterRead, VersionedRegister } from "../state/versioned-register";
import { announce, type AdmissionTicket, readTickets, REQUEST_WINDOW_MS, type Waiting, waitingRequests } from "./admission-requests";
import { type AdmissionInput, type AdmissionRequest, decideInTurn } from "./decide-admission";
import type { CountedFrom } from "./live-index";
import type { ProvisioningStatus } from "./provisioning";
import { type AdmissionDecision, decidedAt, heldAt, type Reservations, reservationRegister } from "./reservations";

/** What an admit knows before it takes its turn: the request, and what it counts against. */
export interface TurnContext extends Omit<AdmissionInput, "request" | "held" | "provisioning"> {
  /** The provisioning switch as it stands at S3's instant of a read. */
  readonly provisioningAt: (now: Date) => ProvisioningStatus;
  readonly store: StateStore;
  readonly request: AdmissionRequest & { readonly by: string };
  readonly countedFrom: CountedFrom;
  readonly maxClockSkewMs: number;
  readonly clock: () => Date;
}

/** How the turn ended: decided (by this admit or another), refused on a skewed clock, or not decided in time. */
export type Turn = (
  | { readonly decided: Pick<AdmissionDecision, "verdict" | "reservedUntil" | "countedFrom"> }
  | { readonly skew: string }
  | { readonly contention: { readonly waitedMs: number; readonly polls: number } }
) & { readonly skipped: readonly string[] };

/** How long an admit waits for its turn before it answers `contention`. */
const WAIT_MS = 40_000;
/**
 * How long the reservations may stand still before a waiting admit that is not first decides
 * for everyone: the second in the queue waits PATIENCE_MS, each later one STEP_MS more, so
 * when the first admit has died the next takes over, not all at once.
 */
const PATIENCE_MS = 3_000;
const STEP_MS = 500;
/** A waiting admit's polls back off from the first to the last delay (each with jitter) after every change, so waiters do not crowd the store. */
const FIRST_POLL_MS = 100;
const LAST_POLL_MS = 1_500;
/** Decisions are kept twice as long as a request can be seen waiting. */
const KEEP_MS = 2 * REQUEST_WINDOW_MS;

/**
 * The admission queue. An admit first tries alone: it reads the reservations, decides, and
 * writes the next version (compare-and-set); a refusal writes nothing. When another admit
 * wrote first, it does not race again: it writes its request (admission-requests.ts) and
 * waits its turn ({@link waitTurn}). So a burst of a hundred admits costs a few writes of
 * the register, not a hundred rounds of losers retrying, and every admit is answered.
 */
export async function takeTurn(context: TurnContext): Promise<Turn> {
  const { env, owner, ttlMs, budgetUsd, isolation, by } = context.request;
  const ticket: AdmissionTicket = { id: randomUUID(), env, owner, ttlMs, by, ...(budgetUsd === undefined ? {} : { budgetUsd }), ...(isolation === undefined ? {} : { isolation }) };
  const register = reservationRegister(context.store);
  const read = await register.read();
  const now = read.serverTime ?? context.clock();
  const skew = clockSkewError(read.serverTime, context.clock(), context.maxClockSkewMs);
  if (skew !== undefined) return { skew, skipped: read.skipped };
  const outcome = decide(context, read, now, [ticket], ticket);
  if (outcome.write === undefined) return { decided: outcome.own, skipped: read.skipped };
  const kept = decidedAt(read.entry?.value, now, KEEP_MS);
  if (await register.write(read, { holders: outcome.write.holders, decided: kept })) return { decided: outcome.own, skipped: read.skipped };
  await announce(context.store, ticket, now);
  return waitTurn(context, register, ticket);
}

/**
 * A waiting admit polls the reservations' newest keys (one listing, no read). When they
 * change, it reads the reservations: its verdict is there, or it lists the queue, and when
 * its request is the oldest waiting one it reads every waiting request, decides them all in
 * order and writes every verdict in one version. When the reservations stand still past its
 * patience (the first admit died), it decides for everyone: the second in the queue first,
 * each later one a little later.
 */
async function waitTurn(context: TurnContext, register: VersionedRegister<Reservations>, ticket: AdmissionTicket): Promise<Turn> {
  const since = performance.now();
  let place = 1;
  const cache = new Map<string, AdmissionTicket>([[ticket.id, ticket]]);
  let mark: string | undefined;
  let movedAt = since;
  let polls = 0;
  let sinceMove = 0;
  let skipped: readonly string[] = [];
  while (performance.now() - since <= WAIT_MS) {
    await delay(Math.min(LAST_POLL_MS, FIRST_POLL_MS * 2 ** sinceMove++) * (0.5 + Math.random() / 2));
    polls += 1;
    const current = await register.mark();
    const stalled = performance.now() - movedAt > PATIENCE_MS + (place - 1) * STEP_MS;
    if (current === mark && !stalled) continue;
    if (current !== mark) [mark, movedAt, sinceMove] = [current, performance.now(), 0];
    const read = await register.read();
    const now = read.serverTime ?? context.clock();
    const kept = decidedAt(read.entry?.value, now, KEEP_MS);
    const mine = kept.find((d) => d.id === ticket.id);
    if (mine !== undefined) return { decided: mine, skipped };
    const waiting = await waitingRequests(context.store, new Set(kept.map((d) => d.id)));
    skipped = [...read.skipped, ...waiting.skipped];
    const index = waiting.queue.findIndex((q) => q.id === ticket.id);
    place = index < 0 ? waiting.queue.length : index;
    if (place > 0 && !stalled) continue;
    const bodies = await readTickets(context.store, waiting, cache);
    skipped = [...skipped, ...bodies.skipped];
    const tickets = bodies.tickets.some((t) => t.id === ticket.id) ? bodies.tickets : [...bodies.tickets, ticket];
    const outcome = decide(context, read, now, tickets, ticket, waiting);
    if (await register.write(read, { holders: outcome.write!.holders, decided: [...kept, ...outcome.write!.decided] })) return { decided: outcome.own, skipped };
  }
  return { contention: { waitedMs: Math.round(performance.now() - since), polls }, skipped };
}

/**
 * The verdicts of `tickets` in turn; `write` is what the reservations' next version must
 * hold: undefined for an admit alone whose verdict reserves nothing, and with every verdict
 * when it decides waiting requests.
 */
function decide(context: TurnContext, read: RegisterRead<Reservations>, now: Date, tickets: readonly AdmissionTicket[], own: AdmissionTicket, waiting?: Waiting) {
  const outcome = decideInTurn(tickets, { limits: context.limits, live: context.live, provisioning: context.provisioningAt(now), held: heldAt(read.entry?.value, now), now });
  const mine = outcome.verdicts.find((v) => v.request.id === own.id)!;
  const ownDecision = { verdict: mine.verdict, countedFrom: context.countedFrom, ...(mine.reservedUntil === undefined ? {} : { reservedUntil: mine.reservedUntil }) };
  if (waiting === undefined && mine.reservedUntil === undefined) return { own: ownDecision };
  const writtenAt = new Map((waiting?.queue ?? []).map((q) => [q.id, q.writtenAt]));
  const decided = waiting === undefined ? [] : outcome.verdicts.map(({ request, verdict, reservedUntil }): AdmissionDecision => ({
    id: request.id,
    at: (writtenAt.get(request.id) ?? now).toISOString(),
    verdict,
    countedFrom: context.countedFrom,
    ...(reservedUntil === undefined ? {} : { reservedUntil }),
  }));
  return { own: ownDecision, write: { holders: outcome.held, decided } };
}

function delay(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}
