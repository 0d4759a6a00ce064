import type { ActionOutcome } from "../action/act";
import type { Plan } from "../contracts/plan";
import { type CheckpointRefusal, planCheckpoint } from "../decision/plan-checkpoint";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { actWithAudit, allSucceeded } from "../runtime/act-with-audit";
import { lookAtEnvironment, type OperatorRequest } from "./operator-request";

/** `reason` defaults to "checkpoint asked for by an operator". */
export interface CheckpointRequest extends OperatorRequest {
  /** The checkpoint's label (`--name`). @default - none: a label-less checkpoint */
  readonly name?: string;
}

/**
 * What became of a checkpoint. `status`:
 * - `created`: the snapshot was taken (RDS goes on creating it; `ephemera checkpoints` shows its progress), and any checkpoint it replaced deleted
 * - `partly-created`: the snapshot was taken, but a label-less checkpoint it replaced could not be deleted (the next checkpoint tries again)
 * - `failed`: no snapshot was taken, and nothing was deleted
 * - `refused`: see `code`; nothing changed
 * - `dry-run`: planned only
 */
export interface CheckpointResult {
  readonly env: string;
  readonly status: "created" | "partly-created" | "failed" | "refused" | "dry-run";
  readonly ok: boolean;
  readonly message?: string;
  /** Why it was refused: a {@link CheckpointRefusal}, or `account`. */
  readonly code?: CheckpointRefusal | "account";
  readonly accountId?: string;
  /** The new snapshot's identifier. */
  readonly snapshot?: string;
  readonly label?: string;
  /** The database it is a snapshot of. */
  readonly database?: string;
  /** The label-less checkpoints deleted to stay within EPHEMERA_MAX_CHECKPOINTS, oldest first. */
  readonly replaced?: readonly string[];
  readonly runId?: string;
  readonly plan?: Plan;
  readonly actions?: readonly ActionOutcome[];
  readonly auditErrors?: readonly string[];
}

/**
 * `ephemera checkpoint`: account guard → discover the environment → planCheckpoint → act
 * (one audited run, under the environment's lease): the snapshot first, then, past the
 * limit, the deletes of the oldest label-less checkpoints.
 */
export async function checkpointEnvironment(runtime: ReaperRuntime, request: CheckpointRequest): Promise<CheckpointResult> {
  const { env } = request;
  const look = await lookAtEnvironment(runtime, request);
  if (!look.ok) return { env, status: "refused", ok: false, code: look.code, message: look.message };
  const { clock, dryRun, accountId, lookedAt, inventory } = look;
  const decision = planCheckpoint(env, inventory, {
    now: clock(),
    maxCheckpoints: runtime.settings.maxCheckpoints,
    auditBucket: runtime.config.auditBucket,
    ...(request.name === undefined ? {} : { label: request.name }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  });
  if (decision.status === "refused") return { env, status: "refused", ok: false, code: decision.code, message: decision.message, accountId };
  const { snapshot, label, database, replaced, plan } = decision;
  const base = { env, accountId, snapshot, ...(label === undefined ? {} : { label }), database, replaced, plan };
  if (dryRun) return { ...base, status: "dry-run", ok: true };

  const result = await actWithAudit(runtime, plan, { clock, lookedAt, dryRun: false, ...(request.adapters ? { adapters: request.adapters } : {}) });
  const taken = result.actions.some((a) => a.action === "checkpoint" && (a.outcome === "done" || a.outcome === "already-done"));
  const status = !taken ? "failed" : allSucceeded(result) ? "created" : "partly-created";
  return {
    ...base,
    status,
    ok: status === "created" && result.auditErrors.length === 0,
    runId: result.runId,
    actions: result.actions,
    auditErrors: result.auditErrors,
    ...(result.error ? { message: result.error } : {}),
  };
}
