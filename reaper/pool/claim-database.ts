import type { ActionOutcome } from "../action/act";
import type { Plan } from "../contracts/plan";
import { KIND_ADAPTERS } from "../kinds";
import { findCredentialsSecret } from "../kinds/rds-instance";
import type { DiscoveredResource } from "../contracts/kind-adapter";
import { formatInstant, isManagedByEphemera, poolMemberSecurityGroupName, systemClock, TAG } from "../model";
import { actWithAudit, allSucceeded } from "../runtime/act-with-audit";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { isClaimable, securityGroupsOf } from "./pool-members";
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
  /**
   * The environment's credentials secret (DatabaseCredentials JSON), which the claim created,
   * tagged the environment's, and wrote the new password to: its apply imports it
   * (`EPHEMERA_CLAIMED_SECRET`), and it is the environment's `database_secret_arn`.
   */
  readonly secretArn?: string;
  /**
   * The database's own security group (it admits nothing until then), tagged the
   * environment's: its apply imports it (`EPHEMERA_CLAIMED_SECURITY_GROUP`) and adds its rules.
   */
  readonly securityGroupId?: string;
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
 * database and the other moves on. The winner then sets the database's master password,
 * writing it to the environment's credentials secret (created by the claim), and tags the
 * database and its security group the environment's, as one audited run.
 */
export async function claimPoolDatabase(runtime: ReaperRuntime, request: ClaimRequest): Promise<ClaimResult> {
  const { env } = request;
  const clock = request.clock ?? systemClock;
  const pool = runtime.settings.pool;
  if (pool === undefined) return { status: "refused", ok: false, env, message: "no warm database pool is configured (EPHEMERA_DATABASE_POOL): restore a fresh database" };
  const refused = (message: string, limit?: ClaimResult["limit"]): ClaimResult => ({ status: "refused", ok: false, env, pool: pool.name, message, ...(limit === undefined ? {} : { limit }) });

  const admitted = await admitEnvironment(runtime, { ...request.admission, env, by: request.claimant, clock });
  if (!admitted.ok) return refused(`admission ${admitted.status === "refused" ? `refused (${admitted.limit})` : "could not be audited"}: ${admitted.reason}${admitted.auditErrors === undefined ? "" : `; ${admitted.auditErrors.join("; ")}`}`, admitted.limit);

  const [listed, groups] = await Promise.all([KIND_ADAPTERS["rds-instance"].list(runtime.ctx), KIND_ADAPTERS["security-group"].list(runtime.ctx)]);
  const failures = [...listed.failures, ...groups.failures];
  if (failures.length > 0) return refused(`the databases and their security groups could not be listed (${failures.map((f) => f.code ?? f.message).join("; ")})`);
  const ofPool = listed.resources.filter((r) => r.tags[TAG.pool] === pool.name);
  const ownGroup = (db: DiscoveredResource) => ownSecurityGroup(groups.resources, db, pool.name, env);
  const held = ofPool.find((r) => r.tags[TAG.env] === env);
  if (held !== undefined) return existingClaim(runtime, held, ownGroup(held), env, pool.name);

  const store = runtime.auditStore(clock);
  // Only a database with a security group of its own: one restored into the pool's shared group (before each had its own) is the refill's to replace.
  const candidates = await claimOrder(runtime, store, pool, ofPool.filter((db) => isClaimable(db) && ownGroup(db) !== undefined), env);
  for (const candidate of candidates) {
    const taken = await takeClaim(store, { pool: pool.name, database: candidate.id, env, claimant: request.claimant, at: clock().toISOString() });
    if (taken === "other") continue;
    return finish(runtime, { database: candidate, securityGroup: ownGroup(candidate)! }, request, pool.name, clock);
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

/**
 * A pool database's own security group: named after it, the group it is in, managed, and the
 * pool's (warm) or this environment's (claimed), never another environment's.
 */
function ownSecurityGroup(groups: readonly DiscoveredResource[], database: DiscoveredResource, pool: string, env: string): DiscoveredResource | undefined {
  const isIn = securityGroupsOf(database);
  return groups.find(
    (g) =>
      g.facts?.groupName === poolMemberSecurityGroupName(database.id) &&
      isIn.includes(g.id) &&
      isManagedByEphemera(g.tags) &&
      (g.tags[TAG.env] === undefined ? g.tags[TAG.pool] === pool : g.tags[TAG.env] === env),
  );
}

/** The database the environment already holds, as it is: a second claim changes nothing. */
async function existingClaim(runtime: ReaperRuntime, database: DiscoveredResource, securityGroup: DiscoveredResource | undefined, env: string, pool: string): Promise<ClaimResult> {
  const secretArn = await secretOf(runtime, database.id, env);
  return {
    status: "claimed",
    ok: true,
    env,
    pool,
    database: database.id,
    existing: true,
    ...(secretArn === undefined ? {} : { secretArn }),
    ...(securityGroup === undefined ? {} : { securityGroupId: securityGroup.id }),
    message: `${env} already holds ${database.id}; nothing was changed`,
  };
}

/** The environment's credentials secret of the database, if the claim got as far as creating it; best effort. */
function secretOf(runtime: ReaperRuntime, database: string, env: string): Promise<string | undefined> {
  return findCredentialsSecret(runtime.ctx, database, env).catch(() => undefined);
}

async function finish(runtime: ReaperRuntime, claimed: { readonly database: DiscoveredResource; readonly securityGroup: DiscoveredResource }, request: ClaimRequest, pool: string, clock: () => Date): Promise<ClaimResult> {
  const { env } = request;
  const { database, securityGroup } = claimed;
  const tags = { ...request.tags, [TAG.managedBy]: "ephemera", [TAG.env]: env, [TAG.state]: "active" };
  const reason = `claimed from pool ${pool} by ${request.claimant} at ${formatInstant(clock())}`;
  const plan: Plan = {
    version: 1,
    createdAt: clock().toISOString(),
    environments: [
      {
        env,
        intent: "claim",
        reason,
        // The new password (and the secret that keeps it) first, then the database's tags: a database tagged the environment's is the environment's. Its
        // security group's tags last: should they fail, the environment's apply, which imports the group, writes them, and a
        // group left to the pool whose database is gone is the refill's to delete.
        phases: [
          { name: "database", actions: [{ type: "rotate-credentials", resource: database, secret: { env, tags }, reason }] },
          { name: "mark", actions: [{ type: "tag", resource: database, tags, reason }] },
          { name: "network", actions: [{ type: "tag", resource: securityGroup, tags, reason }] },
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
  const secretArn = await secretOf(runtime, database.id, env);
  const ok = finished && result.auditErrors.length === 0;
  const why = result.error ?? (finished ? undefined : "an action did not finish");
  return {
    status: finished ? "claimed" : "failed",
    ok,
    env,
    pool,
    database: database.id,
    ...(secretArn === undefined ? {} : { secretArn }),
    securityGroupId: securityGroup.id,
    runId: result.runId,
    actions: result.actions,
    ...(why === undefined ? {} : { message: `${why}${released ? `; ${database.id} was released: claim again` : ""}` }),
  };
}
