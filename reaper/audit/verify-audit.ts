import type { S3Client } from "@aws-sdk/client-s3";
import { AUDIT_PREFIX } from "../model";
import { auditRunPrefix, parseAuditKey } from "./audit-key";
import type { AuditStore } from "./audit-store";
import { runIdStart } from "./run-id";
import { S3AuditStore } from "./s3-audit-store";
import { type AuditRunVerification, verifyAuditChain } from "./verify-audit-chain";

/** Checks the hash chain of one run's records in the audit bucket. */
export function verifyAuditRun(s3: S3Client, bucket: string, runId: string): Promise<AuditRunVerification> {
  return verifyAuditRunIn(readOnly(s3, bucket), runId);
}

/**
 * Checks every run whose records are under `prefix` (a day, `audit/2026/05/01/`, or
 * everything, `audit/`), in run id order.
 */
export function verifyAudit(s3: S3Client, bucket: string, prefix: string = AUDIT_PREFIX): Promise<AuditRunVerification[]> {
  return verifyAuditIn(readOnly(s3, bucket), prefix);
}

export async function verifyAuditRunIn(store: AuditStore, runId: string): Promise<AuditRunVerification> {
  const start = runIdStart(runId);
  let keys = start === undefined ? [] : await store.list(auditRunPrefix(runId, start));
  // A run id not made by newRunId does not say which day it is under: look everywhere.
  if (keys.length === 0) keys = (await store.list(AUDIT_PREFIX)).filter((key) => parseAuditKey(key)?.runId === runId);
  return verifyKeys(store, runId, keys);
}

export async function verifyAuditIn(store: AuditStore, prefix: string = AUDIT_PREFIX): Promise<AuditRunVerification[]> {
  const byRun = new Map<string, string[]>();
  for (const key of await store.list(prefix)) {
    const runId = parseAuditKey(key)?.runId;
    if (runId === undefined) continue;
    byRun.set(runId, [...(byRun.get(runId) ?? []), key]);
  }
  const results: AuditRunVerification[] = [];
  for (const runId of [...byRun.keys()].sort()) results.push(await verifyKeys(store, runId, byRun.get(runId)!));
  return results;
}

async function verifyKeys(store: AuditStore, runId: string, keys: readonly string[]): Promise<AuditRunVerification> {
  const objects = [];
  for (const key of keys) {
    try {
      objects.push({ key, body: await store.get(key) });
    } catch (err) {
      const seq = parseAuditKey(key)?.seq ?? -1;
      const problem = `could not be read (${err instanceof Error ? err.name : String(err)})`;
      return { runId, ok: false, records: keys.length, firstBroken: { seq, key, problem } };
    }
  }
  return verifyAuditChain(runId, objects);
}

function readOnly(s3: S3Client, bucket: string): AuditStore {
  const store = new S3AuditStore(s3, bucket, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: false });
  return {
    put: () => Promise.reject(new Error("the verifier never writes")),
    list: (prefix) => store.list(prefix),
    get: (key) => store.get(key),
  };
}
