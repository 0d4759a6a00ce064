import { AUDIT_PREFIX } from "../../model";
import { verifyAudit, verifyAuditRun } from "../../audit/verify-audit";
import type { Command } from "../parse-command";
import { table } from "../render";
import { type CommandContext, EXIT } from "../command-context";

/** `ephemera audit verify [--run <id>]`: exit 1 when any run's chain does not hold. */
export async function auditVerifyCommand(c: CommandContext, command: Extract<Command, { name: "audit-verify" }>): Promise<number> {
  const bucket = c.settings.reaper.auditBucket;
  const s3 = c.runtime().ctx.s3;
  c.progress(`Reading audit records from s3://${bucket}/${AUDIT_PREFIX}…`);
  const runs = command.runId === undefined ? await verifyAudit(s3, bucket) : [await verifyAuditRun(s3, bucket, command.runId)];
  const ok = runs.every((r) => r.ok);
  if (command.json) {
    c.io.stdout(JSON.stringify({ ok, bucket, runs }, null, 2));
  } else if (runs.length === 0) {
    c.io.stdout(`No audit runs under s3://${bucket}/${AUDIT_PREFIX}.`);
  } else {
    const rows = [["RESULT", "RUN", "RECORDS", "PROBLEM"]];
    for (const r of runs) {
      const where = r.firstBroken === undefined ? "" : `record ${r.firstBroken.seq}${r.firstBroken.key ? ` (${r.firstBroken.key})` : ""}: ${r.firstBroken.problem}`;
      rows.push([r.ok ? "ok" : "BROKEN", r.runId, String(r.records), where]);
    }
    const broken = runs.filter((r) => !r.ok).length;
    c.io.stdout(`${table(rows)}\n\n${runs.length} run(s): ${runs.length - broken} verified, ${broken} broken.`);
  }
  return ok ? EXIT.ok : EXIT.failed;
}
