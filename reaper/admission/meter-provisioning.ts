import type { SpendReport } from "../spend/spend-meter";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { switchProvisioning, type SwitchResult } from "./switch-provisioning";

/**
 * After a full acting sweep: the spend meter's total over the live environments against
 * the platform budget (`EPHEMERA_PLATFORM_BUDGET_USD`). At or over it, provisioning pauses;
 * back under it, a pause the meter made is lifted (a budget alert's or an operator's is not).
 * A total that may be low (a listing failed, a resource had no price) can pause, never resume.
 */
export async function meterProvisioning(runtime: ReaperRuntime, spend: SpendReport, complete: boolean, clock: () => Date): Promise<SwitchResult | undefined> {
  const limit = runtime.settings.admission.platformBudgetUsd;
  if (limit === undefined) return undefined;
  const total = Math.round(spend.totals.estimatedUsd * 100) / 100;
  const figures = `the spend meter's total over ${spend.totals.environments} live environments is $${total.toFixed(2)}, against the platform budget of $${limit.toFixed(2)}`;
  if (total >= limit) return switchProvisioning(runtime, { paused: true, source: "spend-meter", reason: figures, by: "reaper", clock });
  if (!complete || spend.totals.unknown > 0) return undefined;
  return switchProvisioning(runtime, { paused: false, source: "spend-meter", reason: `${figures}: back under it`, by: "reaper", onlyIfSource: "spend-meter", clock });
}
