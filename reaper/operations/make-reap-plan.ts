import type { AdapterTable } from "../action/act";
import { canonicalJson } from "../audit/canonical-json";
import type { Inventory } from "../contracts/kind-adapter";
import type { KindContext } from "../contracts/kind-context";
import { planFileOf, type ReapPlanFile, reviewedPlanOf } from "../decision/reviewed-plan";
import { systemClock } from "../model";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { keyTakenError, putIfAbsent } from "../state/put-if-absent";
import { planKey } from "../state/state-keys";
import { runSweep, type SweepRunResult } from "./run-sweep";

export interface MakeReapPlanRequest {
  /** Only these environments (`--env`). @default - all */
  readonly envs?: readonly string[];
  /** The real clock: a reviewed plan is never decided on a simulated one. @default the system clock */
  readonly clock?: () => Date;
  readonly adapters?: AdapterTable<KindContext>;
  readonly onDiscovered?: (inventory: Inventory) => void;
}

/** A reviewed plan made and stored, or the dry run's result when it made none (the account guard, a discovery crash). */
export type MadeReapPlan = { readonly ok: true; readonly sweep: SweepRunResult; readonly file: ReapPlanFile } | { readonly ok: false; readonly sweep: SweepRunResult; readonly error: string };

/**
 * `ephemera reap --plan-out`: a dry run's decisions on the real clock, kept as a reviewed
 * plan and stored once in the audit bucket at `plans/<hash>.json`. Content-addressed, so
 * making the same plan again (a retry) writes nothing new. Acts on nothing.
 */
export async function makeReapPlan(runtime: ReaperRuntime, request: MakeReapPlanRequest = {}): Promise<MadeReapPlan> {
  const clock = request.clock ?? systemClock;
  let inventory: Inventory | undefined;
  const sweep = await runSweep(runtime, {
    dryRun: true,
    clock,
    ...(request.envs === undefined ? {} : { envs: request.envs }),
    ...(request.adapters === undefined ? {} : { adapters: request.adapters }),
    onDiscovered: (found) => {
      inventory = found;
      request.onDiscovered?.(found);
    },
  });
  if (sweep.plan === undefined || sweep.accountId === undefined || inventory === undefined) return { ok: false, sweep, error: sweep.error ?? "no plan was made" };
  const plan = reviewedPlanOf({ plan: sweep.plan, inventory, accountId: sweep.accountId, region: runtime.settings.aws.region, auditBucket: runtime.config.auditBucket, envs: request.envs });
  const file = planFileOf(plan);
  const key = planKey(file.hash);
  const stored = await putIfAbsent(runtime.auditStore(clock), key, canonicalJson(plan));
  // The key is the body's hash: another body there was not written by --plan-out.
  if (stored.status === "taken") throw keyTakenError(key, "it holds another body than the plan whose hash names it");
  return { ok: true, sweep, file };
}
