import { actionFailed, type ActResult, type AdapterTable } from "../action/act";
import { actAsAuditedRun } from "../action/audited-run";
import { canonicalJson } from "../audit/canonical-json";
import { newRunId } from "../audit/run-id";
import type { Inventory } from "../contracts/kind-adapter";
import type { KindContext } from "../contracts/kind-context";
import type { EnvironmentPlan, Intent, Plan } from "../contracts/plan";
import { type Drift, planDrift } from "../decision/plan-drift";
import { type PlanRead, planToRun, type ReapPlanFile, readStoredPlan, type ReviewedPlan } from "../decision/reviewed-plan";
import { formatDuration, SETTINGS, systemClock } from "../model";
import { checkAccount } from "../runtime/account-guard";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { STORE_CLOCK_RESOLUTION_MS } from "../state/clock-skew";
import { putIfAbsent } from "../state/put-if-absent";
import { planKey, planRunKey } from "../state/state-keys";
import type { StateStore } from "../state/state-store";
import { describeError, errorCode } from "../support/outcomes";
import { KIND_ADAPTERS } from "../kinds";

export interface ExecuteReapPlanRequest {
  /** The plan, as readPlanFile or readStoredPlan read it: its hash is its plan's. */
  readonly file: ReapPlanFile;
  /** Check the plan and report what would run and what drifted; claim nothing, write nothing. @default the settings' dryRun */
  readonly dryRun?: boolean;
  /** @default the system clock */
  readonly clock?: () => Date;
  readonly adapters?: AdapterTable<KindContext>;
}

/** Why a plan was not executed at all. */
export type PlanRefusalCode = "account" | "elsewhere" | "not-stored" | "stale" | "executed";

export interface PlanRefusal {
  readonly status: "refused";
  readonly ok: false;
  readonly code: PlanRefusalCode;
  readonly message: string;
  readonly planHash: string;
  readonly accountId?: string;
}

/** A planned environment left out because it is no longer what the plan saw: never re-decided. */
export interface SkippedEnvironment {
  readonly env: string;
  readonly intent: Intent;
  readonly drift: readonly Drift[];
}

export interface PlanExecution {
  readonly status: "dry-run" | "executed" | "failed";
  /** Every planned environment ran and no action failed; false as soon as one drifted. */
  readonly ok: boolean;
  readonly planHash: string;
  readonly runId: string;
  readonly accountId: string;
  readonly decidedAt: string;
  /** The plan's age when it was checked, by S3's clock. */
  readonly ageMs: number;
  /** What this run executes: the plan's environments that did not drift, exactly as planned. */
  readonly plan: Plan;
  readonly skipped: readonly SkippedEnvironment[];
  readonly result?: ActResult;
  /** Why it stopped after claiming the plan (discovery failed). */
  readonly error?: string;
}

/**
 * `ephemera reap --plan`: executes a reviewed plan exactly as reviewed, once. Refused unless
 * the caller's account is allowed and is the plan's, the plan is the one stored in this
 * audit bucket under its hash, and it is younger than EPHEMERA_MAX_PLAN_AGE by S3's clock;
 * then the plan is claimed (a plan runs once), its environments discovered again, and each
 * that still matches what the plan saw is acted on as planned; a drifted one is skipped.
 */
export async function executeReapPlan(runtime: ReaperRuntime, request: ExecuteReapPlanRequest): Promise<PlanExecution | PlanRefusal> {
  const clock = request.clock ?? systemClock;
  const dryRun = request.dryRun ?? runtime.settings.dryRun;
  const { hash, plan } = request.file;
  const store = runtime.auditStore(clock);
  const admitted = await admitPlan(runtime, store, request.file, clock);
  if (admitted.status === "refused") return admitted;
  const startedAt = clock();
  const runId = newRunId(startedAt);
  if (!dryRun) {
    const taken = await claimPlan(store, hash, runId);
    if (taken !== undefined) return refusal(hash, "executed", taken, admitted.accountId);
  }
  const base = { planHash: hash, runId, accountId: admitted.accountId, decidedAt: plan.decidedAt, ageMs: admitted.ageMs };
  const lookedAt = clock();
  let inventory: Inventory;
  try {
    inventory = plan.environments.length === 0 ? { resources: [], failures: [] } : await runtime.discover(plan.environments.map((e) => e.env));
  } catch (err) {
    const error = `discovery failed (${describeError(err)}); nothing was done${dryRun ? "" : `, and plan ${hash} is spent (claimed by run ${runId}): make a new plan`}`;
    return { ...base, status: "failed", ok: false, plan: planToRun(plan, []), skipped: [], error };
  }
  const { kept, skipped } = splitByDrift(plan, inventory);
  const result = await actAsAuditedRun({
    store,
    runId,
    startedAt,
    clock,
    config: runtime.config,
    dryRun,
    lookedAt,
    plan: planToRun(plan, kept),
    adapters: request.adapters ?? KIND_ADAPTERS,
    ctx: runtime.ctx,
    notifier: runtime.notifier,
    runDetails: { reviewedPlan: { hash, decidedAt: plan.decidedAt, skipped } },
  });
  const failed = result.error !== undefined || result.auditErrors.length > 0 || result.actions.some((a) => actionFailed(a.outcome));
  return { ...base, status: dryRun ? "dry-run" : failed ? "failed" : "executed", ok: !failed && skipped.length === 0, plan: result.plan, skipped, result };
}

/** Each planned environment kept when it is exactly as the plan saw it, else skipped with how it drifted. */
export function splitByDrift(plan: ReviewedPlan, inventory: Inventory): { kept: EnvironmentPlan[]; skipped: SkippedEnvironment[] } {
  const kept: EnvironmentPlan[] = [];
  const skipped: SkippedEnvironment[] = [];
  for (const e of plan.environments) {
    const drift = planDrift(e.env, plan.seen[e.env] ?? [], inventory);
    if (drift.length === 0) kept.push(e);
    else skipped.push({ env: e.env, intent: e.intent, drift });
  }
  return { kept, skipped };
}

type Admitted = { readonly status: "admitted"; readonly accountId: string; readonly ageMs: number } | PlanRefusal;

/** The checks before anything is claimed: the account guard and the plan's account and place, its stored copy, its age by S3's clock. */
async function admitPlan(runtime: ReaperRuntime, store: StateStore, file: ReapPlanFile, clock: () => Date): Promise<Admitted> {
  const { hash, plan } = file;
  const guard = await checkAccount(runtime.config, runtime.callerAccount);
  if (!guard.ok) return refusal(hash, "account", guard.error, guard.accountId);
  const { accountId } = guard;
  if (plan.accountId !== accountId) return refusal(hash, "account", `plan ${hash} was made in account ${plan.accountId}, and this is account ${accountId}; nothing was done`, accountId);
  const here = { auditBucket: runtime.config.auditBucket, region: runtime.settings.aws.region };
  for (const field of ["auditBucket", "region"] as const) {
    if (plan[field] !== here[field]) return refusal(hash, "elsewhere", `plan ${hash} was made for ${field} ${plan[field]}, and this run's is ${here[field]}; nothing was done`, accountId);
  }
  const key = planKey(hash);
  const listing = await store.scan(key, { limit: 1 });
  const entry = listing.keys.find((k) => k.key === key);
  const stored = entry === undefined ? undefined : await store.get(key);
  if (entry === undefined || stored !== canonicalJson(plan)) {
    return refusal(hash, "not-stored", `plan ${hash} is not a plan ephemera reap --plan-out made in this account's audit bucket (${key} in ${here.auditBucket} ${entry === undefined ? "does not exist" : "holds another plan"}); nothing was done: make a new plan with --plan-out`, accountId);
  }
  // One clock: S3's, which wrote the plan and answered the listing; never this host's.
  const ageMs = (listing.serverTime ?? clock()).getTime() - (entry.writtenAt ?? new Date(0)).getTime();
  const maxMs = runtime.settings.maxPlanAgeMs;
  if (ageMs + STORE_CLOCK_RESOLUTION_MS > maxMs) {
    return refusal(
      hash,
      "stale",
      `plan ${hash} is ${ageText(ageMs)} old by S3's clock, older than ${SETTINGS.maxPlanAge.env}=${formatDuration(maxMs)}: ` +
        "what it saw may no longer hold; nothing was done: make a new plan with --plan-out",
      accountId,
    );
  }
  return { status: "admitted", accountId, ageMs };
}

/** Whole minutes, as the ttl grammar writes them. */
function ageText(ms: number): string {
  const minutes = Math.floor(Math.max(ms, 0) / 60_000);
  return minutes === 0 ? "under a minute" : formatDuration(minutes * 60_000);
}

/** Claims the plan for this run; says which run executed it when another did. */
async function claimPlan(store: StateStore, hash: string, runId: string): Promise<string | undefined> {
  const claim = await putIfAbsent(store, planRunKey(hash), canonicalJson({ planHash: hash, runId }));
  if (claim.status === "written") return undefined;
  const by = claim.stored === undefined ? "another run" : `run ${runIdOf(claim.stored)}`;
  return `plan ${hash} was executed already, by ${by}: a reviewed plan runs once; nothing was done. Make a new plan with --plan-out`;
}

function runIdOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { runId?: unknown };
    return typeof parsed.runId === "string" ? parsed.runId : "(unreadable claim)";
  } catch {
    return "(unreadable claim)";
  }
}

function refusal(planHash: string, code: PlanRefusalCode, message: string, accountId?: string): PlanRefusal {
  return { status: "refused", ok: false, code, message, planHash, ...(accountId === undefined ? {} : { accountId }) };
}

/**
 * The plan stored at `plans/<hash>.json` (`ephemera reap --plan-hash`, the MCP tool), read
 * with the checks of a plan file; `missing` when no plan is stored under that hash.
 */
export async function storedReapPlan(runtime: ReaperRuntime, hash: string): Promise<PlanRead | { readonly ok: false; readonly missing: true; readonly problem: string }> {
  const key = planKey(hash);
  const body = await runtime.auditStore().get(key).catch((err: unknown) => {
    if (errorCode(err) === "NoSuchKey") return undefined;
    throw err;
  });
  if (body === undefined) {
    return { ok: false, missing: true, problem: `no plan ${hash} is stored in ${runtime.config.auditBucket} (${key}): it was not made by ephemera reap --plan-out in this account's audit bucket; make one with --plan-out` };
  }
  return readStoredPlan(body, hash, `s3://${runtime.config.auditBucket}/${key}`);
}
