import type { ActionOutcome } from "../action/act";
import { moveExpirySchedule, type ScheduleMove } from "../action/expiry-schedule";
import { expiryScheduleName } from "../model";
import type { Plan } from "../contracts/plan";
import { planExtend } from "../decision/plan-extend";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { actWithAudit, allSucceeded } from "../runtime/act-with-audit";
import { lookAtEnvironment, type OperatorRequest } from "./operator-request";

/** `reason` defaults to "extended by an operator". */
export interface ExtendRequest extends OperatorRequest {
  /** Milliseconds, parsed with the ttl grammar. */
  readonly by: number;
}

/**
 * What became of an extension. `status`:
 * - `extended`: every resource carries the new `ephemera:extended-until` (see `actions`)
 * - `partly-extended`: some tag writes failed; the expiry still moved (it is the latest over all resources)
 * - `failed`: no tag was written
 * - `unchanged`: the cap left nothing to add
 * - `refused`: not found, protected, unknown expiry, being reaped, or the account guard
 * - `dry-run`: planned only
 */
export interface ExtendResult {
  readonly env: string;
  readonly status: "extended" | "partly-extended" | "failed" | "unchanged" | "refused" | "dry-run";
  readonly ok: boolean;
  readonly message?: string;
  /** Why it was refused: `not-found`, `protected`, `unknown-expiry`, `reaping` or `account`. */
  readonly code?: string;
  readonly accountId?: string;
  readonly previousExpiresAt?: string;
  /** The new expiry: what the expiry schedule is moved to. */
  readonly expiresAt?: string;
  readonly capped?: boolean;
  readonly runId?: string;
  readonly plan?: Plan;
  readonly actions?: readonly ActionOutcome[];
  readonly auditErrors?: readonly string[];
  /** The one-shot `ephemera-expiry-<env>` schedule, moved to the new expiry when it exists. */
  readonly schedule?: ScheduleMove;
}

/**
 * `ephemera extend`: account guard → discover the environment → planExtend → act (an
 * audited run) → move the expiry schedule. The schedule is only a prompt to reap on
 * time (the reaper re-checks the expiry whenever it fires), so it is moved after the
 * tags, and only once the expiry really moved.
 */
export async function extendEnvironment(runtime: ReaperRuntime, request: ExtendRequest): Promise<ExtendResult> {
  const { env } = request;
  const look = await lookAtEnvironment(runtime, request);
  if (!look.ok) return { env, status: "refused", ok: false, code: look.code, message: look.message };
  const { clock, dryRun, accountId, lookedAt, inventory } = look;
  const decision = planExtend(env, inventory, {
    now: clock(),
    by: request.by,
    maxTtlMs: runtime.config.maxTtlMs,
    auditBucket: runtime.config.auditBucket,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  });
  if (decision.status === "refused") return { env, status: "refused", ok: false, code: decision.code, message: decision.message, accountId };
  if (decision.status === "unchanged") {
    return { env, status: "unchanged", ok: true, message: decision.message, accountId, previousExpiresAt: decision.previousExpiresAt, expiresAt: decision.expiresAt };
  }
  const base = { env, accountId, previousExpiresAt: decision.previousExpiresAt, expiresAt: decision.expiresAt, capped: decision.capped, plan: decision.plan };
  if (dryRun) return { ...base, status: "dry-run", ok: true };

  const result = await actWithAudit(runtime, decision.plan, { clock, lookedAt, dryRun: false, ...(request.adapters ? { adapters: request.adapters } : {}) });
  const written = result.actions.filter((a) => a.outcome === "done").length;
  const status = allSucceeded(result) ? "extended" : written > 0 ? "partly-extended" : "failed";
  const out = { ...base, runId: result.runId, actions: result.actions, auditErrors: result.auditErrors, ...(result.error ? { message: result.error } : {}) };
  if (status === "failed") return { ...out, status, ok: false };

  // The schedule lives in the environment's own schedule group when discovery saw it there, else in the configured group.
  const name = expiryScheduleName(env);
  const groups = inventory.resources
    .filter((r) => r.kind === "scheduler-schedule" && r.id.endsWith(`/${name}`))
    .map((r) => r.id.slice(0, -name.length - 1));
  const schedule = await moveExpirySchedule(runtime.ctx.scheduler, env, new Date(decision.expiresAt), [...groups, runtime.settings.expiryScheduleGroup]);
  return { ...out, status, ok: status === "extended" && schedule.status !== "failed" && result.auditErrors.length === 0, schedule };
}
