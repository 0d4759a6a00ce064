import { AUDIT_PREFIX } from "../../model";
import { verifyAudit, verifyAuditRun } from "../../audit/verify-audit";
import type { AuditRunStatus } from "../../audit/verify-audit-chain";
import type { Command } from "../parse-command";
import { table } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera audit verify [--run <id>]`: exit 1 when any run's chain does not hold. */
export async function auditVerifyCommand(c: CommandContext, command: Extract<Command, { name: "audit-verify" }>): Promise<number> {
  const bucket = c.settings.reaper.auditBucket;
  const s3 = c.runtime().ctx.s3;
  c.progress(`Reading audit records from s3://${bucket}/${AUDIT_PREFIX}…`);
  const options = { now: c.clock(), unfinishedAfterMs: c.settings.reaper.unfinishedRunAfterMs };
  const runs = command.runId === undefined ? await verifyAudit(s3, bucket, undefined, options) : [await verifyAuditRun(s3, bucket, command.runId, options)];
  const ok = runs.every((r) => r.ok);
  if (command.json) {
    c.io.stdout(JSON.stringify({ ok, bucket, runs }, null, 2));
  } else if (runs.length === 0) {
    c.io.stdout(`No audit runs under s3://${bucket}/${AUDIT_PREFIX}.`);
  } else {
    const rows = [["RESULT", "RUN", "RECORDS", "PROBLEM"]];
    const results: Record<AuditRunStatus, string> = { complete: "ok", closed: "closed", "in-progress": "in progress", unfinished: "UNFINISHED", missing: "MISSING", broken: "BROKEN" };
    for (const r of runs) {
      const where =
        r.status === "closed"
          ? `unfinished, closed by ${r.closedBy}`
          : r.firstBroken === undefined
            ? ""
            : `record ${r.firstBroken.seq}${r.firstBroken.key ? ` (${r.firstBroken.key})` : ""}: ${r.firstBroken.problem}`;
      rows.push([results[r.status], r.runId, String(r.records), where]);
    }
    const broken = runs.filter((r) => !r.ok).length;
    c.io.stdout(`${table(rows)}\n\n${runs.length} run(s): ${runs.length - broken} verified, ${broken} broken.`);
  }
  return ok ? EXIT.ok : EXIT.failed;
}
