import { auditKey, type AuditMarker, auditMarkerKey } from "./audit-key";
import { type AuditEvent, type AuditRecord, genesisHash, sealRecord } from "./audit-record";
import { keyTakenError, putIfAbsent } from "../state/put-if-absent";
import type { StateStore } from "../state/state-store";
import { isUsableRunId } from "./run-id";
import { systemClock } from "../model";

export interface AuditLogOptions {
  /** Dates the run's folder; every record of the run goes under it. */
  readonly startedAt: Date;
  /** Stamps each record. @default the system clock */
  readonly clock?: () => Date;
}

/**
 * One run's hash-chained audit trail. Appends are serialised (environments are acted
 * on concurrently, but the chain is one sequence), and a failed write does not
 * advance the chain: the next append retries the same seq, so the chain never has a
 * hole the run itself made.
 */
export class AuditLog {
  private seq = 0;
  private prevHash: string;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly clock: () => Date;

  constructor(
    private readonly store: StateStore,
    readonly runId: string,
    private readonly options: AuditLogOptions,
  ) {
    if (!isUsableRunId(runId)) throw new Error(`run id ${JSON.stringify(runId)} cannot be used in an S3 key`);
    this.prevHash = genesisHash(runId);
    this.clock = options.clock ?? systemClock;
  }

  /** Records written so far. */
  get length(): number {
    return this.seq;
  }

  /** Where record `seq` of this run is kept. */
  keyOf(seq: number): string {
    return auditKey(this.runId, this.options.startedAt, seq);
  }

  /** Writes the next record of the chain; rejects (and leaves the chain as it was) when the store does. */
  append(event: AuditEvent): Promise<AuditRecord> {
    const written = this.tail.then(() => this.write(event));
    this.tail = written.catch(() => undefined);
    return written;
  }

  private async write(event: AuditEvent): Promise<AuditRecord> {
    const record = sealRecord({
      ...event,
      v: 1,
      runId: this.runId,
      seq: this.seq,
      time: this.clock().toISOString(),
      prevHash: this.prevHash,
    });
    // Exclusive: a seq already taken means a later run closed this run's chain; the chain stops here.
    const key = this.keyOf(record.seq);
    const body = JSON.stringify(record);
    // A write whose answer was lost but that landed stands, and the chain goes on from it.
    const written = await putIfAbsent(this.store, key, body);
    if (written.status === "taken") throw keyTakenError(key, "a later run closed this run's chain");
    this.seq += 1;
    this.prevHash = record.hash;
    await writeMarkers(this.store, this.options.startedAt, record);
    return record;
  }
}

/**
 * The markers a record calls for (see AuditMarker), written after it. A marker that
 * cannot be written is not fatal: a later run rebuilds the end marker from the records,
 * and an unknown outcome without its marker is still acted on again while its resource exists.
 */
export async function writeMarkers(store: StateStore, startedAt: Date, record: AuditRecord): Promise<void> {
  const put = (marker: AuditMarker, body: unknown) => putIfAbsent(store, auditMarkerKey(marker, startedAt), JSON.stringify(body)).then(() => undefined, () => undefined);
  if (record.type === "run-summary" || record.type === "run-closed") {
    await put({ marker: "end", runId: record.runId }, { seq: record.seq, type: record.type, hash: record.hash });
  } else if (record.type === "action" && record.outcome === "unknown" && record.resource !== undefined) {
    await put({ marker: "unknown", runId: record.runId, seq: record.seq }, { env: record.env, resource: record.resource, action: record.action });
  } else if (record.type === "confirmed-gone") {
    const of = (record.details?.unknownIn ?? {}) as { runId?: string; seq?: number };
    if (typeof of.runId === "string" && typeof of.seq === "number") await put({ marker: "gone", runId: record.runId, of: { runId: of.runId, seq: of.seq } }, { resource: record.resource });
  }
}
