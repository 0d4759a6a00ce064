import type { S3Client } from "@aws-sdk/client-s3";
import { AUDIT_PREFIX } from "../model";
import { auditRunPrefix, parseAuditKey, parseAuditMarker } from "./audit-key";
import type { StateStore } from "../state/state-store";
import { runIdStart } from "./run-id";
import { S3StateStore } from "../state/s3-state-store";
import { type AuditRunVerification, type VerifyChainOptions, verifyAuditChain } from "./verify-audit-chain";

/** Checks the hash chain of one run's records in the audit bucket. */
export function verifyAuditRun(s3: S3Client, bucket: string, runId: string, options: VerifyChainOptions = {}): Promise<AuditRunVerification> {
  return verifyAuditRunIn(readOnly(s3, bucket), runId, options);
}

/**
 * Checks every run whose records are under `prefix` (a day, `audit/2026/05/01/`, or
 * everything, `audit/`), in run id order, and the links between runs: each run-start
 * names the last finished run before it, which must be there with the same final record.
 * A run named so but absent is reported as `missing` (only where it would be under `prefix`).
 */
export function verifyAudit(s3: S3Client, bucket: string, prefix: string = AUDIT_PREFIX, options: VerifyChainOptions = {}): Promise<AuditRunVerification[]> {
  return verifyAuditIn(readOnly(s3, bucket), prefix, options);
}

export async function verifyAuditRunIn(store: StateStore, runId: string, options: VerifyChainOptions = {}): Promise<AuditRunVerification> {
  const start = runIdStart(runId);
  let keys = start === undefined ? [] : await store.list(auditRunPrefix(runId, start));
  // A run id not made by newRunId does not say which day it is under: look everywhere.
  if (!keys.some((key) => parseAuditKey(key) !== undefined)) keys = await store.list(AUDIT_PREFIX);
  return verifyKeys(store, runId, keysOf(keys).get(runId) ?? { records: [] }, options);
}

/** A run's keys in a listing: its records, and its end marker when there is one. */
interface RunKeys {
  records: string[];
  end?: string;
}

function keysOf(listing: readonly string[]): Map<string, RunKeys> {
  const byRun = new Map<string, RunKeys>();
  const of = (runId: string) => byRun.get(runId) ?? byRun.set(runId, { records: [] }).get(runId)!;
  for (const key of listing) {
    const record = parseAuditKey(key);
    if (record !== undefined) of(record.runId).records.push(key);
    const marker = parseAuditMarker(key);
    if (marker?.marker === "end") of(marker.runId).end = key;
  }
  return byRun;
}

export async function verifyAuditIn(store: StateStore, prefix: string = AUDIT_PREFIX, options: VerifyChainOptions = {}): Promise<AuditRunVerification[]> {
  const byRun = keysOf(await store.list(prefix));
  const results = new Map<string, AuditRunVerification>();
  for (const runId of [...byRun.keys()].sort()) results.set(runId, await verifyKeys(store, runId, byRun.get(runId)!, options));
  return [...linked(results, prefix).values()].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
}

/** The runs, with the links between them checked: a run another names as its previous must be there, ending in the hash it saw. */
function linked(results: ReadonlyMap<string, AuditRunVerification>, prefix: string): Map<string, AuditRunVerification> {
  const out = new Map(results);
  for (const run of results.values()) {
    const previous = run.previous;
    if (previous === undefined || previous === null) continue;
    const named = out.get(previous.runId);
    if (named === undefined) {
      const start = runIdStart(previous.runId);
      // A run outside the prefix verified (another day) cannot be looked for here.
      if (start !== undefined && !auditRunPrefix(previous.runId, start).startsWith(prefix)) continue;
      out.set(previous.runId, {
        runId: previous.runId,
        ok: false,
        status: "missing",
        records: 0,
        firstBroken: { seq: 0, problem: `run ${run.runId} names it as the run before it, but none of its records is in the bucket (the whole run was removed)` },
      });
    } else if (named.ok && named.finalHash !== undefined && named.finalHash !== previous.hash) {
      out.set(previous.runId, {
        ...named,
        ok: false,
        status: "broken",
        firstBroken: { seq: named.records - 1, problem: `its final record is not the one run ${run.runId} saw when it started (altered or replaced)` },
      });
    }
  }
  return out;
}

async function verifyKeys(store: StateStore, runId: string, keys: RunKeys, options: VerifyChainOptions): Promise<AuditRunVerification> {
  const objects = [];
  for (const key of keys.records) {
    try {
      objects.push({ key, body: await store.get(key) });
    } catch (err) {
      const seq = parseAuditKey(key)?.seq ?? -1;
      const problem = `could not be read (${err instanceof Error ? err.name : String(err)})`;
      return { runId, ok: false, status: "broken", records: keys.records.length, firstBroken: { seq, key, problem } };
    }
  }
  const verification = verifyAuditChain(runId, objects, options);
  if (!verification.ok || keys.end === undefined) return verification;
  // The end marker, written after the chain's last record, says where it ended: a chain that stops short lost its tail.
  const end = await store.get(keys.end).then(
    (body) => JSON.parse(body) as { seq?: unknown; hash?: unknown },
    () => undefined,
  );
  if (end === undefined || typeof end.seq !== "number" || end.hash === verification.finalHash) return verification;
  return {
    ...verification,
    ok: false,
    status: "broken",
    firstBroken: {
      seq: Math.min(end.seq, verification.records),
      problem: `its end marker says the chain ended at record ${end.seq}, but the records end at ${verification.records - 1} with another hash (its tail was removed or replaced)`,
    },
  };
}

function readOnly(s3: S3Client, bucket: string): StateStore {
  const store = new S3StateStore(s3, bucket, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: false });
  return {
    put: () => Promise.reject(new Error("the verifier never writes")),
    list: (prefix) => store.list(prefix),
    scan: (prefix, options) => store.scan(prefix, options),
    get: (key) => store.get(key),
  };
}
