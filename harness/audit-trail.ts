import type { AuditRecord } from "../reaper/audit/audit-record";
import { verifyAuditIn } from "../reaper/audit/verify-audit";
import type { AuditRunVerification } from "../reaper/audit/verify-audit-chain";
import { readSettings } from "../reaper/config/read-settings";
import { AUDIT_PREFIX } from "../reaper/model";
import { ReaperRuntime } from "../reaper/runtime/reaper-runtime";
import { EMULATOR_CREDENTIALS } from "./emulator";

/** One run's audit records in the emulator's audit bucket, and how the run verifies (undefined: no such run). */
export async function auditRun(settings: Record<string, string>, runId: string): Promise<{ verified: AuditRunVerification | undefined; records: AuditRecord[] }> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  try {
    const store = runtime.auditStore();
    const verified = (await verifyAuditIn(store)).find((r) => r.runId === runId);
    const keys = (await store.list(AUDIT_PREFIX)).filter((k) => k.includes(runId));
    return { verified, records: await Promise.all(keys.map(async (k) => JSON.parse(await store.get(k)) as AuditRecord)) };
  } finally {
    await runtime.destroy();
  }
}
