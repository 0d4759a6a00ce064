import { createHash } from "node:crypto";
import { canonicalJson } from "../audit/canonical-json";
import type { DiscoveredResource, Inventory, KindName } from "../contracts/kind-adapter";
import type { EnvironmentPlan, Plan, PlanNote } from "../contracts/plan";
import { isAccountId, type Tags, TAG, tryParseInstant } from "../model";

/** The plan file's `format`: a reader refuses any other. */
export const REAP_PLAN_FORMAT = "ephemera-reap-plan/v1";

/** One resource of a planned environment as discovery saw it: the facts the plan was decided on, and that `--plan` checks again. */
export interface SeenResource {
  readonly kind: KindName;
  readonly id: string;
  readonly tags: Tags;
  /** The service's status word; null for a kind that has none. */
  readonly status: string | null;
}

/**
 * A reap plan made to be reviewed, then executed exactly as reviewed (`ephemera reap
 * --plan-out`, then `--plan`): the environments' decisions, every resource of each as it
 * was seen, and where and when they were decided. Its sha256 (of its canonical JSON) names it.
 */
export interface ReviewedPlan {
  /** The account it was decided in: `--plan` refuses to run it in any other. */
  readonly accountId: string;
  readonly region: string;
  /** The audit bucket it is stored in, at `plans/<hash>.json`. */
  readonly auditBucket: string;
  /** The real clock decide was given (ISO-8601 UTC); a simulated clock's plan is never made. */
  readonly decidedAt: string;
  /** The `--env` filter it was made with; null: every environment. */
  readonly envs: readonly string[] | null;
  /** What will run, per environment, in order: phases of actions, each with the resource it acts on. */
  readonly environments: readonly EnvironmentPlan[];
  /** Per planned environment, every resource discovery saw in it. */
  readonly seen: Readonly<Record<string, readonly SeenResource[]>>;
  readonly notes: readonly PlanNote[];
}

/** The plan file: the plan and its hash. */
export interface ReapPlanFile {
  readonly format: typeof REAP_PLAN_FORMAT;
  /** sha256, hex, of canonicalJson(plan). */
  readonly hash: string;
  readonly plan: ReviewedPlan;
}

/** The warm pool's refill is not part of a reviewed plan: the scheduled sweep does it. */
const POOL_ENV_PREFIX = "pool:";

/** What the plan is made from: a dry run's plan on the real clock and the inventory it was decided on. */
export interface ReviewedPlanInput {
  readonly plan: Plan;
  readonly inventory: Inventory;
  readonly accountId: string;
  readonly region: string;
  readonly auditBucket: string;
  readonly envs: readonly string[] | undefined;
}

/** The reviewed plan of a dry run: its environments' decisions (the pool's refill left out, with a note) and what each saw. */
export function reviewedPlanOf(input: ReviewedPlanInput): ReviewedPlan {
  const { plan, inventory } = input;
  const pool = plan.environments.filter((e) => e.env.startsWith(POOL_ENV_PREFIX));
  const environments = plan.environments.filter((e) => !e.env.startsWith(POOL_ENV_PREFIX));
  const poolNotes: PlanNote[] = pool.map((e) => ({
    level: "info",
    code: "pool",
    env: e.env,
    message: `the warm pool's ${e.intent} is left out of a reviewed plan; the scheduled sweep does it`,
  }));
  return {
    accountId: input.accountId,
    region: input.region,
    auditBucket: input.auditBucket,
    decidedAt: plan.createdAt,
    envs: input.envs === undefined ? null : [...input.envs],
    environments,
    seen: Object.fromEntries(environments.map((e) => [e.env, seenIn(inventory, e.env)])),
    notes: [...plan.notes, ...poolNotes],
  };
}

/** A run's plan of the reviewed plan's environments (all of them by default): as they were decided, at the instant they were. */
export function planToRun(plan: ReviewedPlan, environments: readonly EnvironmentPlan[] = plan.environments): Plan {
  return { version: 1, createdAt: plan.decidedAt, environments, deferred: [], notes: plan.notes };
}

/** Every resource of `env` in the inventory, as the plan keeps it, in a stable order. */
export function seenIn(inventory: Inventory, env: string): SeenResource[] {
  return inventory.resources
    .filter((r) => r.tags[TAG.env] === env)
    .map(seenResource)
    .sort((a, b) => compareText(`${a.kind} ${a.id}`, `${b.kind} ${b.id}`));
}

function seenResource(r: DiscoveredResource): SeenResource {
  return { kind: r.kind, id: r.id, tags: r.tags, status: r.status ?? null };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The plan's hash: sha256, hex, of its canonical JSON, which is also the body stored at `plans/<hash>.json`. */
export function planHash(plan: ReviewedPlan): string {
  return createHash("sha256").update(canonicalJson(plan)).digest("hex");
}

export function planFileOf(plan: ReviewedPlan): ReapPlanFile {
  return { format: REAP_PLAN_FORMAT, hash: planHash(plan), plan };
}

/** A sha256 in hex, as `--plan-hash` takes it. */
export function isPlanHash(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

export type PlanRead = { readonly ok: true; readonly file: ReapPlanFile } | { readonly ok: false; readonly problem: string };

/**
 * Reads a plan file, refusing anything `--plan-out` did not write as is: text that is not
 * JSON, another format, a hash that is not the plan's (the file was changed since), or a
 * plan whose fields are not what `--plan` needs. `source` names the file in the messages.
 */
export function readPlanFile(text: string, source: string): PlanRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return refused(`${source} is not JSON (${err instanceof Error ? err.message : String(err)}); give the file ephemera reap --plan-out wrote`);
  }
  if (!isObject(parsed)) return refused(`${source} is not a plan file: it holds no JSON object; give the file ephemera reap --plan-out wrote`);
  if (parsed.format !== REAP_PLAN_FORMAT) {
    return refused(`${source}: format is ${JSON.stringify(parsed.format ?? null)}, not "${REAP_PLAN_FORMAT}"; give a file ephemera reap --plan-out wrote`);
  }
  if (typeof parsed.hash !== "string" || !isPlanHash(parsed.hash)) return refused(`${source}: hash is not a sha256 in hex (64 characters 0-9a-f); the file was changed since --plan-out wrote it`);
  if (!isObject(parsed.plan)) return refused(`${source}: plan is missing or not an object; the file was changed since --plan-out wrote it`);
  const shape = shapeProblem(parsed.plan);
  if (shape !== undefined) return refused(`${source}: ${shape}; the file was changed since --plan-out wrote it`);
  const plan = parsed.plan as unknown as ReviewedPlan;
  const actual = planHash(plan);
  if (actual !== parsed.hash) {
    return refused(`${source}: its hash ${parsed.hash} is not its plan's (sha256 of the plan's canonical JSON is ${actual}): the file was changed since --plan-out wrote it; make a new plan`);
  }
  return { ok: true, file: { format: REAP_PLAN_FORMAT, hash: actual, plan } };
}

/** The plan stored at `plans/<hash>.json`, read as a file of that hash (so the same checks apply). */
export function readStoredPlan(body: string, hash: string, source: string): PlanRead {
  let plan: unknown;
  try {
    plan = JSON.parse(body);
  } catch {
    return refused(`${source} is not JSON; it was not written by ephemera reap --plan-out`);
  }
  return readPlanFile(JSON.stringify({ format: REAP_PLAN_FORMAT, hash, plan }), source);
}

function refused(problem: string): PlanRead {
  return { ok: false, problem };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What is wrong with the plan's fields, if anything: the first problem, naming the field. */
function shapeProblem(plan: Record<string, unknown>): string | undefined {
  if (typeof plan.accountId !== "string" || !isAccountId(plan.accountId)) return "plan.accountId is not a 12-digit account id";
  for (const field of ["region", "auditBucket"] as const) if (typeof plan[field] !== "string" || plan[field] === "") return `plan.${field} is not a name`;
  if (typeof plan.decidedAt !== "string" || !tryParseInstant(plan.decidedAt).ok) return "plan.decidedAt is not an ISO-8601 instant";
  if (plan.envs !== null && !(Array.isArray(plan.envs) && plan.envs.every((e) => typeof e === "string"))) return "plan.envs is neither null nor a list of environment ids";
  if (!Array.isArray(plan.notes)) return "plan.notes is not a list";
  if (!isObject(plan.seen)) return "plan.seen is not an object of environments";
  if (!Array.isArray(plan.environments)) return "plan.environments is not a list";
  for (const [i, e] of plan.environments.entries()) {
    const problem = environmentProblem(e, plan.seen as Record<string, unknown>, `plan.environments[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** An environment's plan must have the resources it acts on among those seen in it: `--plan` checks nothing else against AWS. */
function environmentProblem(e: unknown, seen: Record<string, unknown>, at: string): string | undefined {
  if (!isObject(e) || typeof e.env !== "string" || !Array.isArray(e.phases)) return `${at} is not an environment's plan (env, intent, phases)`;
  const resources = seen[e.env];
  if (!Array.isArray(resources) || !resources.every(isSeenResource)) return `plan.seen has no list of the resources of ${e.env}`;
  const known = new Set(resources.map((r) => `${r.kind} ${r.id}`));
  for (const phase of e.phases as unknown[]) {
    if (!isObject(phase) || !Array.isArray(phase.actions)) return `${at} has a phase without actions`;
    for (const action of phase.actions as unknown[]) {
      if (!isObject(action) || typeof action.type !== "string") return `${at} has an action without a type`;
      if (action.type === "notify") continue;
      const resource = isObject(action.resource) ? action.resource : undefined;
      if (resource === undefined || !known.has(`${String(resource.kind)} ${String(resource.id)}`)) {
        return `${at}: its ${action.type} of ${resource === undefined ? "nothing" : `${String(resource.kind)} ${String(resource.id)}`} acts on a resource not seen in ${e.env}`;
      }
    }
  }
  return undefined;
}

function isSeenResource(value: unknown): value is SeenResource {
  return isObject(value) && typeof value.kind === "string" && typeof value.id === "string" && isObject(value.tags) && (value.status === null || typeof value.status === "string");
}
