import type { NoteCode, Plan } from "../contracts/plan";
import type { ReaperRuntime } from "./reaper-runtime";
import { actWithAudit } from "./act-with-audit";

/** A decision that acts on no resource (an admission, provisioning paused or resumed), as it is audited. */
export interface Decision {
  readonly code: Extract<NoteCode, "admission" | "provisioning">;
  readonly env?: string;
  /** One sentence: what was decided and why, with the figures it was decided on. */
  readonly message: string;
}

/**
 * Records a decision as an audited run of its own: a run-start record whose plan holds the
 * decision as its one note, and a run-summary, chained and verified like every run.
 * Returns the run id, or the reason the record could not be written.
 */
export async function auditDecision(runtime: ReaperRuntime, decision: Decision, clock: () => Date): Promise<{ readonly runId: string; readonly error?: string }> {
  const plan: Plan = {
    version: 1,
    createdAt: clock().toISOString(),
    environments: [],
    deferred: [],
    notes: [{ level: "info", code: decision.code, ...(decision.env === undefined ? {} : { env: decision.env }), message: decision.message }],
  };
  const result = await actWithAudit(runtime, plan, { clock, dryRun: false, lookBack: false });
  const problems = [...(result.error === undefined ? [] : [result.error]), ...result.auditErrors];
  return { runId: result.runId, ...(problems.length === 0 ? {} : { error: problems.join("; ") }) };
}
