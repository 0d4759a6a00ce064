import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import type { ActionOutcome } from "../action/act";
import type { Plan } from "../contracts/plan";
import { KIND_ADAPTERS } from "../kinds";
import type { DiscoveredResource } from "../contracts/kind-adapter";
import { formatInstant, systemClock, TAG } from "../model";
import { actWithAudit, allSucceeded } from "../runtime/act-with-audit";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { isClaimable } from "./pool-members";
import { admitEnvironment, type AdmitResult } from "../admission/admit-environment";
import type { AdmissionRequest } from "../admission/decide-admission";
import type { StateStore } from "../state/state-store";
import { readClaim, releaseClaim, takeClaim } from "./claim-record";
import { newestBaseline } from "./plan-refill";
import type { DatabasePoolSettings } from "../config/pool-settings";

export interface ClaimRequest {
  /** The environment that takes the database. */
  readonly env: string;
  /**
   * What admission checks (owner, TTL, budget): a claim makes the environment live, so it
   * passes the same gate as `admit` (caps, the provisioning switch, max TTL, max budget).
   * An environment already admitted (its reservation still counts) or live passes at once.
   */
  readonly admission: AdmissionRequest;
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
 * - `claimed`: the database is the environment's now (tagged, password rotated, audited);
 *   `existing` when it already was, and nothing was changed
 * - `empty`: no warm database was free: restore a fresh one instead (the outputs say so)
 * - `failed`: a database was taken, but tagging or rotating it failed: run the claim again, it resumes
 * - `refused`: no pool is configured, admission refused (`limit`), or the account guard said no
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
  /** True when the environment already held the database: nothing was rotated, tagged or moved. */
  readonly existing?: boolean;
  /** What refused it, when admission did (see AdmitResult.limit). */
  readonly limit?: AdmitResult["limit"];
  readonly message?: string;
  readonly runId?: string;
  readonly actions?: readonly ActionOutcome[];
}

/**
 * Claims one warm database of the configured pool for an environment, after admission.
 * A second claim for an environment that holds a database returns it untouched. Otherwise
 * a database whose claim record is already this environment's (a claim that stopped
 * half-way) is resumed first, then the freshest warm database of the newest baseline is
 * tried: the claim record is the lock (written only where none is, and also written by a
 * refill before it deletes a member), so of two concurrent claims exactly one gets each
 * database and the other moves on. The winner then tags the database the environment's
 * and rotates its master password, as one audited run.
 */
export async function claimPoolDatabase(runtime: ReaperRuntime, request: ClaimRequest): Promise<ClaimResult> {
  const { env } = request;
  const clock = request.clock ?? systemClock;
  const pool = runtime.settings.pool;
  if (pool === undefined) return { status: "refused", ok: false, env, message: "no warm database pool is configured (EPHEMERA_DATABASE_POOL): restore a fresh database" };
  const refused = (message: string, limit?: ClaimResult["limit"]): ClaimResult => ({ status: "refused", ok: false, env, pool: pool.name, message, ...(limit === undefined ? {} : { limit }) });

  const admitted = await admitEnvironment(runtime, { ...request.admission, env, by: request.claimant, clock });
  if (!admitted.ok) return refused(`admission ${admitted.status === "refused" ? `refused (${admitted.limit})` : "could not be audited"}: ${admitted.reason}${admitted.auditErrors === undefined ? "" : `; ${admitted.auditErrors.join("; ")}`}`, admitted.limit);

  const listed = await KIND_ADAPTERS["rds-instance"].list(runtime.ctx);
  if (listed.failures.length > 0) return refused(`the databases could not be listed (${listed.failures.map((f) => f.code ?? f.message).join("; ")})`);
  const ofPool = listed.resources.filter((r) => r.tags[TAG.pool] === pool.name);
  const held = ofPool.find((r) => r.tags[TAG.env] === env);
  if (held !== undefined) return existingClaim(runtime, held, env, pool.name);

  const store = runtime.auditStore(clock);
  const candidates = await claimOrder(runtime, store, pool, ofPool.filter(isClaimable), env);
  for (const candidate of candidates) {
    const taken = await takeClaim(store, { pool: pool.name, database: candidate.id, env, claimant: request.claimant, at: clock().toISOString() });
    if (taken === "other") continue;
    return finish(runtime, candidate, request, pool.name, clock);
  }
  return { status: "empty", ok: true, env, pool: pool.name, message: `pool ${pool.name} has no warm database free: restore a fresh one` };
}

/**
 * The order to try databases in: one whose claim record is already this environment's
 * first (resuming), then the free ones, freshest of the newest baseline first. One read
 * of a claim record per warm database: bounded by the pool's size, not its history.
 */
async function claimOrder(runtime: ReaperRuntime, store: StateStore, pool: DatabasePoolSettings, warm: readonly DiscoveredResource[], env: string): Promise<DiscoveredResource[]> {
  const holders = await Promise.all(warm.map((db) => readClaim(store, pool.name, db.id)));
  const resuming = warm.filter((_, i) => holders[i] === env);
  const free = warm.filter((_, i) => holders[i] === undefined);
  const baseline = await newestBaseline(runtime.ctx.rds, pool.baseline);
  const newest = "snapshot" in baseline ? baseline.snapshot : undefined;
  const rank = (db: DiscoveredResource) => (newest !== undefined && db.tags[TAG.baseline] === newest ? 0 : 1);
  const restoredAt = (db: DiscoveredResource) => String(db.facts?.createdAt ?? "");
  return [...resuming, ...[...free].sort((a, b) => rank(a) - rank(b) || restoredAt(b).localeCompare(restoredAt(a)) || a.id.localeCompare(b.id))];
}

/** The database the environment already holds, as it is: a second claim changes nothing. */
async function existingClaim(runtime: ReaperRuntime, database: DiscoveredResource, env: string, pool: string): Promise<ClaimResult> {
  const secretArn = await secretOf(runtime, database.id);
  return {
    status: "claimed",
    ok: true,
    env,
    pool,
    database: database.id,
    existing: true,
    ...(secretArn === undefined ? {} : { secretArn }),
    message: `${env} already holds ${database.id}; nothing was changed`,
  };
}

async function secretOf(runtime: ReaperRuntime, database: string): Promise<string | undefined> {
  const described = await runtime.ctx.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: database })).catch(() => undefined);
  const secretArn = described?.DBInstances?.[0]?.MasterUserSecret?.SecretArn;
  return typeof secretArn === "string" ? secretArn : undefined;
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
        // The new password first, the tags last: a database tagged the environment's is one whose claim finished.
        phases: [
          { name: "database", actions: [{ type: "rotate-credentials", resource: database, reason }] },
          { name: "mark", actions: [{ type: "tag", resource: database, tags: { ...request.tags, [TAG.managedBy]: "ephemera", [TAG.env]: env, [TAG.state]: "active" }, reason }] },
        ],
      },
    ],
    deferred: [],
    notes: [],
  };
  const result = await actWithAudit(runtime, plan, { clock, dryRun: false, lookBack: false });
  const finished = allSucceeded(result);
  // A claim that could not finish frees the database for the next claim (its own retry included); best effort: a claim left held is resumed by its environment, or taken over by the refill once abandoned.
  const released = finished ? false : await releaseClaim(runtime.auditStore(clock), pool, database.id, env, request.claimant, clock()).catch(() => false);
  const secretArn = await secretOf(runtime, database.id);
  const ok = finished && result.auditErrors.length === 0;
  const why = result.error ?? (finished ? undefined : "an action did not finish");
  return {
    status: finished ? "claimed" : "failed",
    ok,
    env,
    pool,
    database: database.id,
    ...(secretArn === undefined ? {} : { secretArn }),
    runId: result.runId,
    actions: result.actions,
    ...(why === undefined ? {} : { message: `${why}${released ? `; ${database.id} was released: claim again` : ""}` }),
  };
}
