import type { ActionOutcome, EnvironmentOutcome } from "../action/act";
import type { Plan, PlanNote } from "../contracts/plan";
import { planPause, planRelease, planResume } from "../decision/manual-plans";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { actWithAudit, allSucceeded } from "../runtime/act-with-audit";
import { lookAtEnvironment, type OperatorRequest } from "./operator-request";

/** `reason` defaults to "requested by an operator (ephemera <intent>)". */
export interface OperatorPlanRequest extends OperatorRequest {
  readonly intent: "pause" | "resume" | "release";
  /** A release of an environment whose on-expiry is pause discards its data instead of being refused (see planRelease). @default false */
  readonly discardData?: boolean;
}

/**
 * What became of a pause or resume. `status`: `done`, `failed` (see `actions`),
 * `refused` (account guard, protected, a listing failure: see `message`), `not-found`, `dry-run`.
 */
export interface OperatorPlanResult {
  readonly env: string;
  readonly intent: "pause" | "resume" | "release";
  readonly status: "done" | "failed" | "refused" | "not-found" | "dry-run";
  readonly ok: boolean;
  readonly message?: string;
  /** Why it was refused or not found: the plan note's code (`protected`, `fail-closed`, `keeps-data`, `malformed-on-expiry`, `not-found`). */
  readonly code?: PlanNote["code"];
  readonly accountId?: string;
  readonly runId?: string;
  readonly plan?: Plan;
  readonly outcome?: EnvironmentOutcome;
  readonly actions?: readonly ActionOutcome[];
  readonly auditErrors?: readonly string[];
}

/** `ephemera pause|resume|release <env>`: account guard → discover the environment → planPause/planResume/planRelease → act (an audited run). */
export async function runOperatorPlan(runtime: ReaperRuntime, request: OperatorPlanRequest): Promise<OperatorPlanResult> {
  const { env, intent } = request;
  const look = await lookAtEnvironment(runtime, request);
  if (!look.ok) return { env, intent, status: "refused", ok: false, message: look.message };
  const { clock, dryRun, accountId, lookedAt, inventory } = look;
  const options = {
    now: clock(),
    auditBucket: runtime.config.auditBucket,
    reason: request.reason ?? `requested by an operator (ephemera ${intent})`,
    ...(request.discardData === undefined ? {} : { discardData: request.discardData }),
  };
  const planner = { pause: planPause, resume: planResume, release: planRelease }[intent];
  const plan = planner(env, inventory, options);
  if (plan.environments.length === 0) {
    const note: PlanNote | undefined = plan.notes[0];
    const status = note?.code === "not-found" ? "not-found" : "refused";
    return { env, intent, status, ok: false, ...(note === undefined ? {} : { code: note.code }), accountId, plan, message: note?.message ?? `nothing to ${intent}` };
  }
  if (dryRun) return { env, intent, status: "dry-run", ok: true, accountId, plan };

  const result = await actWithAudit(runtime, plan, { clock, lookedAt, dryRun: false, ...(request.adapters ? { adapters: request.adapters } : {}) });
  const ok = allSucceeded(result) && result.auditErrors.length === 0;
  return {
    env,
    intent,
    status: allSucceeded(result) ? "done" : "failed",
    ok,
    accountId,
    runId: result.runId,
    plan,
    ...(result.environments[0] === undefined ? {} : { outcome: result.environments[0] }),
    actions: result.actions,
    auditErrors: result.auditErrors,
    ...(result.error === undefined ? {} : { message: result.error }),
  };
}
