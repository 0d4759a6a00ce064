import type { EnvironmentPlan, PlanNote } from "../contracts/plan";
import type { StateStore } from "../state/state-store";
import { describeError } from "../support/outcomes";
import { takeClaim } from "./claim-record";
import { poolPlanEnv } from "./plan-refill";

export interface Refill {
  readonly plan?: EnvironmentPlan;
  readonly notes: readonly PlanNote[];
}

/**
 * Before a refill deletes a warm database it takes that database's claim record itself,
 * exactly as a claim does: whichever writes the record first wins the database. A delete
 * whose record a claim holds is dropped (the database is an environment's now, whatever
 * discovery saw), and so is one whose record could not be written (fail closed). A record
 * the refill took earlier is its own still, so a retired database is deleted by a later
 * sweep if this one does not get to it.
 */
/** A claim whose environment never got its database (it is not tagged the environment's) for this long is abandoned. */
export const ABANDONED_CLAIM_MS = 3_600_000;

export async function retireMembers(store: StateStore, refill: Refill, pool: string, claimant: string, at: Date, maxSkewMs?: number): Promise<Refill> {
  if (refill.plan === undefined) return refill;
  const env = poolPlanEnv(pool);
  const notes = [...refill.notes];
  const phases = [];
  for (const phase of refill.plan.phases) {
    const actions = [];
    for (const action of phase.actions) {
      // Only a database has a claim record: an orphaned security group's database is gone.
      if (action.type !== "delete" || action.resource.kind !== "rds-instance") {
        actions.push(action);
        continue;
      }
      const database = action.resource.id;
      // Only warm databases are planned for deletion, so a claim holding one never tagged it: after an hour it is abandoned.
      const taken = await takeClaim(store, { pool, database, env, claimant, at: at.toISOString() }, { abandonedAfterMs: ABANDONED_CLAIM_MS, ...(maxSkewMs === undefined ? {} : { maxSkewMs, clock: () => at }) }).catch((err: unknown) =>
        describeError(err),
      );
      if (taken === "mine") actions.push(action);
      else notes.push({ level: "warning", code: "pool", env, resource: { kind: action.resource.kind, id: database }, message: taken === "other" ? `${database} was claimed since the pool was listed: not deleted` : `${database}'s claim record could not be written (${taken}): not deleted this run` });
    }
    if (actions.length > 0) phases.push({ ...phase, actions });
  }
  return phases.length === 0 ? { notes } : { plan: { ...refill.plan, phases }, notes };
}
