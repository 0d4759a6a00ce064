import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import type { ActionOutcome } from "../action/act";
import type { AuditStore } from "../audit/audit-store";
import type { Plan } from "../decision/plan";
import { KIND_ADAPTERS } from "../kinds";
import type { DiscoveredResource } from "../kinds/kind-adapter";
import { CLAIM_PREFIX, formatInstant, TAG } from "../model";
import { actWithAudit, allSucceeded } from "../operations/act-with-audit";
import { checkAccount } from "../runtime/account-guard";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { errorCode } from "../support/outcomes";
import { isClaimable } from "./pool-members";

export interface ClaimRequest {
  /** The environment that takes the database. */
  readonly env: string;
  /**
   * The environment's tags the database takes at once (`ephemera:owner`, `ephemera:ttl`,
   * `ephemera:created-at`, ...), so the reaper knows whose it is and when it expires
   * before the environment's own apply writes the rest.
   */
  readonly tags: Readonly<Record<string, string>>;
  /** Who claims it (the caller's ARN), for the audit trail and the claim record. */
  readonly claimant: string;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/**
 * - `claimed`: the database is the environment's now (tagged, password rotated, audited)
 * - `empty`: no warm database was free: restore a fresh one instead (the outputs say so)
 * - `failed`: a database was taken, but tagging or rotating it failed: run the claim again, it resumes
 * - `refused`: no pool is configured, or the account guard said no
 */
export interface ClaimResult {
  readonly status: "claimed" | "empty" | "failed" | "refused";
  readonly ok: boolean;
  readonly env: string;
  readonly pool?: string;
  /** The claimed database's identifier. */
  readonly database?: string;
  /** The secret RDS keeps its master credentials in. */
  readonly secretArn?: string;
  readonly message?: string;
  readonly runId?: string;
  readonly actions?: readonly ActionOutcome[];
}

/** The claim record: written once per database (`If-None-Match: *`), so two claims never take the same one. */
export function claimKey(pool: string, database: string): string {
  return `${CLAIM_PREFIX}${pool}/${database}.json`;
}

/**
 * Claims one warm database of the configured pool for an environment. The oldest warm
 * database is tried first; the claim record in the audit bucket is the lock (written
 * only where none is), so of two concurrent claims exactly one gets each database and
 * the other moves on to the next. The winner then tags the database the environment's
 * and rotates its master password, as one audited run. A claim that stopped half-way is
 * resumed by claiming again for the same environment.
 */
export async function claimPoolDatabase(runtime: ReaperRuntime, request: ClaimRequest): Promise<ClaimResult> {
  const { env } = request;
  const clock = request.clock ?? (() => new Date());
  const pool = runtime.settings.pool;
  if (pool === undefined) return { status: "refused", ok: false, env, message: "no warm database pool is configured (EPHEMERA_DATABASE_POOL): restore a fresh database" };
  const guard = await checkAccount(runtime.config, runtime.callerAccount);
  if (!guard.ok) return { status: "refused", ok: false, env, pool: pool.name, message: guard.error };

  const listed = await KIND_ADAPTERS["rds-instance"].list(runtime.ctx);
  if (listed.failures.length > 0) {
    return { status: "refused", ok: false, env, pool: pool.name, message: `the databases could not be listed (${listed.failures.map((f) => f.code ?? f.message).join("; ")})` };
  }
  const ofPool = listed.resources.filter((r) => r.tags[TAG.pool] === pool.name);
  // Resuming: a database this environment already holds.
  const held = ofPool.find((r) => r.tags[TAG.env] === env);
  const candidates = [...(held === undefined ? [] : [held]), ...ofPool.filter(isClaimable).sort(byAge)];

  const store = runtime.auditStore(clock);
  for (const candidate of candidates) {
    const taken = await takeClaim(store, pool.name, candidate.id, { env, claimant: request.claimant, at: clock().toISOString() });
    if (taken === "other") continue;
    return finish(runtime, candidate, request, pool.name, clock);
  }
  return { status: "empty", ok: true, env, pool: pool.name, message: `pool ${pool.name} has no warm database free: restore a fresh one` };
}

/** `mine` when this environment holds the claim record (written now, or by an earlier try), `other` when another does. */
async function takeClaim(store: AuditStore, pool: string, database: string, claim: { env: string; claimant: string; at: string }): Promise<"mine" | "other"> {
  const key = claimKey(pool, database);
  try {
    await store.put(key, JSON.stringify({ v: 1, pool, database, ...claim }), { exclusive: true });
    return "mine";
  } catch (err) {
    const code = errorCode(err);
    if (code !== "PreconditionFailed" && code !== "ConditionalRequestConflict") throw err;
    const stored = await store.get(key).catch(() => undefined);
    const holder = stored === undefined ? undefined : (JSON.parse(stored) as { env?: string }).env;
    return holder === claim.env ? "mine" : "other";
  }
}

async function finish(runtime: ReaperRuntime, database: DiscoveredResource, request: ClaimRequest, pool: string, clock: () => Date): Promise<ClaimResult> {
  const { env } = request;
  const reason = `claimed from pool ${pool} by ${request.claimant} at ${formatInstant(clock())}`;
  const plan: Plan = {
    version: 1,
    createdAt: clock().toISOString(),
    environments: [
      {
        env,
        intent: "claim",
        reason,
        phases: [
          { name: "mark", actions: [{ type: "tag", resource: database, tags: { ...request.tags, [TAG.managedBy]: "ephemera", [TAG.env]: env, [TAG.state]: "active" }, reason }] },
          { name: "database", actions: [{ type: "rotate-credentials", resource: database, reason }] },
        ],
      },
    ],
    deferred: [],
    notes: [],
  };
  const result = await actWithAudit(runtime, plan, { clock, dryRun: false });
  const described = await runtime.ctx.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: database.id })).catch(() => undefined);
  const secretArn = described?.DBInstances?.[0]?.MasterUserSecret?.SecretArn;
  const ok = allSucceeded(result) && result.auditErrors.length === 0;
  return {
    status: allSucceeded(result) ? "claimed" : "failed",
    ok,
    env,
    pool,
    database: database.id,
    ...(typeof secretArn === "string" ? { secretArn } : {}),
    runId: result.runId,
    actions: result.actions,
    ...(result.error === undefined ? {} : { message: result.error }),
  };
}

function byAge(a: DiscoveredResource, b: DiscoveredResource): number {
  return String(a.facts?.createdAt ?? "").localeCompare(String(b.facts?.createdAt ?? "")) || a.id.localeCompare(b.id);
}
