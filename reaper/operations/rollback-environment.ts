import type { ActionOutcome } from "../action/act";
import type { Plan } from "../contracts/plan";
import { planRollback } from "../decision/plan-rollback";
import { actWithAudit, allSucceeded } from "../runtime/act-with-audit";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { lookAtEnvironment, type OperatorRequest } from "./operator-request";

/** `reason` defaults to "rolled back by an operator". */
export interface RollbackRequest extends OperatorRequest {
  /** The checkpoint: its label, its snapshot identifier, or `baseline`. */
  readonly to: string;
}

/**
 * What became of a rollback. `status`:
 * - `rolled-back`: the database under the environment's identifier holds the checkpoint's data,
 *   and the one it replaced is kept as the checkpoint `keptAs`
 * - `failed`: a step failed or ran out of time; what was done stays done, and the same
 *   command resumes from there (`actions` says which step)
 * - `refused`: unknown environment or checkpoint, protected, being reaped, a listing failed, an
 *   unfinished rollback to another checkpoint, or the account guard; nothing was changed
 * - `dry-run`: planned only
 */
export interface RollbackResult {
  readonly env: string;
  readonly to: string;
  readonly status: "rolled-back" | "failed" | "refused" | "dry-run";
  readonly ok: boolean;
  /** Why it was refused: the plan note's code (`not-found`, `protected`, `unknown-checkpoint`, ...) or `account`. */
  readonly code?: string;
  readonly message?: string;
  readonly accountId?: string;
  /** The snapshot the database is restored from. */
  readonly snapshot?: string;
  /** The checkpoint the replaced database is kept as (its final snapshot). */
  readonly keptAs?: string;
  /** True when the environment is paused: its restored database is stopped again at the end. */
  readonly paused?: boolean;
  readonly runId?: string;
  readonly plan?: Plan;
  readonly actions?: readonly ActionOutcome[];
  readonly auditErrors?: readonly string[];
}

/**
 * `ephemera rollback`: account guard → discover the environment → planRollback → act, as one
 * audited run that holds the environment's lease throughout (its waits renew it), so no sweep,
 * claim or second rollback acts on the environment meanwhile.
 */
export async function rollbackEnvironment(runtime: ReaperRuntime, request: RollbackRequest): Promise<RollbackResult> {
  const { env, to } = request;
  const look = await lookAtEnvironment(runtime, request);
  if (!look.ok) return { env, to, status: "refused", ok: false, code: look.code, message: look.message };
  const { clock, dryRun, accountId, lookedAt, inventory } = look;
  const plan = planRollback(env, inventory, { to, now: clock(), auditBucket: runtime.config.auditBucket, reason: request.reason ?? "rolled back by an operator" });
  const envPlan = plan.environments[0];
  if (envPlan === undefined) {
    const note = plan.notes[0];
    return { env, to, status: "refused", ok: false, accountId, code: note?.code ?? "not-found", message: note?.message ?? `nothing to roll back in ${env}` };
  }
  const actions = envPlan.phases.flatMap((p) => p.actions);
  const restore = actions.find((a) => a.type === "restore-checkpoint");
  const retire = actions.find((a) => a.type === "delete");
  const base = {
    env,
    to,
    accountId,
    plan,
    ...(restore?.type === "restore-checkpoint" ? { snapshot: restore.from.snapshot } : {}),
    ...(retire?.type === "delete" && retire.finalSnapshotName !== undefined ? { keptAs: retire.finalSnapshotName } : {}),
    ...(actions.some((a) => a.type === "pause") ? { paused: true } : {}),
  };
  if (dryRun) return { ...base, status: "dry-run", ok: true };

  const result = await actWithAudit(runtime, plan, { clock, lookedAt, dryRun: false, ...(request.adapters ? { adapters: request.adapters } : {}) });
  const ok = allSucceeded(result);
  const stopped = result.actions.find((a) => a.outcome !== "done" && a.outcome !== "already-done" && a.outcome !== "not-applicable");
  return {
    ...base,
    status: ok ? "rolled-back" : "failed",
    ok: ok && result.auditErrors.length === 0,
    runId: result.runId,
    actions: result.actions,
    auditErrors: result.auditErrors,
    ...(ok ? {} : { message: result.error ?? `step ${stopped?.action ?? "?"} on ${stopped?.target.id ?? "?"} ${stopped?.outcome ?? "failed"}: ${stopped?.message ?? ""}; run the same rollback again to resume` }),
  };
}
