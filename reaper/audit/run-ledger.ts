import { errorCode, messageOf } from "../support/outcomes";
import { writeMarkers } from "./audit-log";
import { auditDayPrefix, auditKey, type AuditMarker, auditMarkerKey, parseAuditKey, parseAuditMarker } from "./audit-key";
import { type AuditRecord, sealRecord } from "./audit-record";
import { putIfAbsent } from "../state/put-if-absent";
import type { StateStore } from "../state/state-store";
import { runIdStart } from "./run-id";

const DAY = 86_400_000;

/** One run as a listing of the audit bucket shows it. */
interface RunOnRecord {
  readonly runId: string;
  readonly startedAt: Date;
  /** Seqs of its records, ascending. */
  readonly seqs: readonly number[];
  /** Its `end` marker is there: the chain ended in a run-summary or a closing record. */
  readonly ended: boolean;
  readonly unknown: readonly number[];
  readonly gone: readonly { readonly runId: string; readonly seq: number }[];
}

/** A run whose chain a later run closed. */
export interface ClosedRun {
  readonly runId: string;
  /** The closing record's seq. */
  readonly seq: number;
  /** Actions whose before-record has no after-record: what became of them is unknown. */
  readonly actionsWithUnknownOutcome: number;
}

/** An action whose outcome was recorded as unknown, and not yet confirmed gone by a later run. */
export interface UnknownOutcome {
  readonly runId: string;
  readonly seq: number;
  readonly env?: string;
  readonly resource: { readonly kind: string; readonly id: string };
}

/** What a new run learns from the audit bucket before it writes its own run-start. */
export interface RunOpening {
  /** The most recent run whose chain had ended: its id and its final record's hash, named in the new run-start. */
  readonly previous?: { readonly runId: string; readonly hash: string };
  readonly closed: readonly ClosedRun[];
  readonly unknownOutcomes: readonly UnknownOutcome[];
  /** What could not be read or written (the run goes on; its run-start says so). */
  readonly problem?: string;
}

export interface OpenRunOptions {
  /** The new run, which closes the others. */
  readonly runId: string;
  /** When the new run started. */
  readonly now: Date;
  /** Stamps the closing records. */
  readonly clock: () => Date;
  /** A run without an end that started this long ago has stopped for good, and is closed. */
  readonly unfinishedAfterMs: number;
  /** Days back (today included) whose runs are looked at. @default 2 */
  readonly days?: number;
}

/**
 * Opens a run against the audit trail: closes every recent run that stopped before its
 * run-summary (a crash, a timeout, an audit bucket that became unreachable), finds the
 * last run whose chain ended, for the new run-start to name, and collects the unknown
 * outcomes still to reconcile. Listings and a few reads; writes only closing records
 * and markers, each where no object is yet.
 */
export async function openRun(store: StateStore, options: OpenRunOptions): Promise<RunOpening> {
  const problems: string[] = [];
  let runs: RunOnRecord[];
  try {
    runs = (await recentRuns(store, options.now, options.days ?? 2)).filter((r) => r.runId !== options.runId);
  } catch (err) {
    return { closed: [], unknownOutcomes: [], problem: `the audit bucket could not be listed (${describe(err)})` };
  }

  const closed: ClosedRun[] = [];
  // Unknown outcomes the closing records just marked, beside those listed.
  const marked = new Map<string, readonly number[]>();
  const ended = new Set(runs.filter((r) => r.ended).map((r) => r.runId));
  for (const run of runs.filter((r) => !r.ended && r.seqs.length > 0)) {
    if (options.now.getTime() - run.startedAt.getTime() < options.unfinishedAfterMs) continue; // may still be running
    try {
      const outcome = await endRun(store, run, options.runId, options.clock);
      if (outcome === "ended" || outcome === "closed-by-another") ended.add(run.runId);
      else if (outcome !== "still-running") {
        ended.add(run.runId);
        closed.push(outcome.closed);
        marked.set(run.runId, outcome.unknown);
      }
    } catch (err) {
      problems.push(`run ${run.runId} could not be closed (${describe(err)})`);
    }
  }

  let previous: RunOpening["previous"];
  const last = runs.filter((r) => ended.has(r.runId)).pop();
  if (last !== undefined) {
    try {
      const end = JSON.parse(await store.get(auditMarkerKey({ marker: "end", runId: last.runId }, last.startedAt))) as { hash?: unknown };
      if (typeof end.hash === "string") previous = { runId: last.runId, hash: end.hash };
    } catch (err) {
      problems.push(`the end of run ${last.runId} could not be read (${describe(err)})`);
    }
  }

  const unknownOutcomes: UnknownOutcome[] = [];
  const resolved = new Set(runs.flatMap((r) => r.gone.map((g) => `${g.runId} ${g.seq}`)));
  for (const run of runs) {
    const unknown = [...new Set([...run.unknown, ...(marked.get(run.runId) ?? [])])].sort((a, b) => a - b);
    for (const seq of unknown.filter((s) => !resolved.has(`${run.runId} ${s}`))) {
      try {
        const marker = JSON.parse(await store.get(auditMarkerKey({ marker: "unknown", runId: run.runId, seq }, run.startedAt))) as Omit<UnknownOutcome, "runId" | "seq">;
        unknownOutcomes.push({ runId: run.runId, seq, ...(marker.env === undefined ? {} : { env: marker.env }), resource: marker.resource });
      } catch (err) {
        problems.push(`unknown outcome ${seq} of run ${run.runId} could not be read (${describe(err)})`);
      }
    }
  }
  return { ...(previous === undefined ? {} : { previous }), closed, unknownOutcomes, ...(problems.length === 0 ? {} : { problem: problems.join("; ") }) };
}

/** Every run with records under the day prefixes of `now` and the `days - 1` days before it, oldest first. */
async function recentRuns(store: StateStore, now: Date, days: number): Promise<RunOnRecord[]> {
  type Draft = { seqs: number[]; ended: boolean; unknown: number[]; gone: { runId: string; seq: number }[] };
  const byRun = new Map<string, Draft>();
  const draft = (runId: string) => byRun.get(runId) ?? byRun.set(runId, { seqs: [], ended: false, unknown: [], gone: [] }).get(runId)!;
  for (let back = days - 1; back >= 0; back--) {
    for (const key of await store.list(auditDayPrefix(new Date(now.getTime() - back * DAY)))) {
      const record = parseAuditKey(key);
      if (record !== undefined) {
        draft(record.runId).seqs.push(record.seq);
        continue;
      }
      const marker: AuditMarker | undefined = parseAuditMarker(key);
      if (marker?.marker === "end") draft(marker.runId).ended = true;
      else if (marker?.marker === "unknown") draft(marker.runId).unknown.push(marker.seq);
      else if (marker?.marker === "gone") draft(marker.runId).gone.push(marker.of);
    }
  }
  return [...byRun.keys()].sort().flatMap((runId) => {
    const startedAt = runIdStart(runId);
    const d = byRun.get(runId)!;
    return startedAt === undefined ? [] : [{ runId, startedAt, ...d, seqs: d.seqs.sort((a, b) => a - b) }];
  });
}

/**
 * Ends the chain of a run that stopped: when its last record is its run-summary, only its
 * end marker was missing, and is written; otherwise a closing record is appended: the next
 * seq, chained to its last record, saying who closed it and what is known. Written only
 * where no record is yet: when the run wrote on after all, or another run closed it
 * first, nothing is written.
 */
async function endRun(
  store: StateStore,
  run: RunOnRecord,
  closedBy: string,
  clock: () => Date,
): Promise<{ closed: ClosedRun; unknown: readonly number[] } | "ended" | "closed-by-another" | "still-running"> {
  const records = await Promise.all(run.seqs.map(async (seq) => JSON.parse(await store.get(auditKey(run.runId, run.startedAt, seq))) as AuditRecord));
  const last = records[records.length - 1]!;
  if (last.type === "run-summary" || last.type === "run-closed") {
    await writeMarkers(store, run.startedAt, last);
    return "ended";
  }
  const befores = records.filter((r) => r.type === "action" && r.phase === "before");
  // Each after-record answers the earliest open before-record of the same action on the same resource.
  const pending = new Map<string, AuditRecord[]>();
  const actionOf = (r: AuditRecord) => `${r.env} ${r.action} ${r.resource?.kind} ${r.resource?.id}`;
  for (const r of records.filter((x) => x.type === "action")) {
    const list = pending.get(actionOf(r)) ?? [];
    if (r.phase === "before") pending.set(actionOf(r), [...list, r]);
    else if (r.phase === "after") pending.set(actionOf(r), list.slice(1));
  }
  const open = [...pending.values()].flat().sort((a, b) => a.seq - b.seq);
  const unknown = records.filter((r) => r.type === "action" && r.outcome === "unknown");
  const record = sealRecord({
    type: "run-closed",
    v: 1,
    runId: run.runId,
    seq: last.seq + 1,
    time: clock().toISOString(),
    prevHash: last.hash,
    reason: "the run stopped before its run-summary (a crash, a timeout, or an audit bucket it could no longer reach)",
    details: {
      closedBy,
      lastRecord: { seq: last.seq, type: last.type, time: last.time },
      records: records.length,
      actionsStarted: befores.length,
      // Started, never recorded as finished: they may or may not have happened.
      actionsWithUnknownOutcome: [...open, ...unknown].map((r) => ({ seq: r.seq, env: r.env, action: r.action, resource: r.resource })),
    },
  });
  const written = await putIfAbsent(store, auditKey(run.runId, run.startedAt, record.seq), JSON.stringify(record));
  // Taken: the run wrote on after all (it is still going), or another run closed it.
  if (written.status === "taken") return (await isEnded(store, run)) ? "closed-by-another" : "still-running";
  await writeMarkers(store, run.startedAt, record);
  // The actions it left open become unknown outcomes, for the next sweeps to reconcile.
  const marked: number[] = [];
  for (const action of open.filter((r) => r.resource !== undefined)) {
    const key = auditMarkerKey({ marker: "unknown", runId: run.runId, seq: action.seq }, run.startedAt);
    const body = JSON.stringify({ env: action.env, resource: action.resource, action: action.action });
    if ((await putIfAbsent(store, key, body).catch(() => undefined))?.status === "written") marked.push(action.seq);
  }
  return { closed: { runId: run.runId, seq: record.seq, actionsWithUnknownOutcome: open.length + unknown.length }, unknown: marked };
}

async function isEnded(store: StateStore, run: RunOnRecord): Promise<boolean> {
  return store.get(auditMarkerKey({ marker: "end", runId: run.runId }, run.startedAt)).then(
    () => true,
    () => false,
  );
}

function describe(err: unknown): string {
  return `${errorCode(err)}: ${messageOf(err)}`;
}
