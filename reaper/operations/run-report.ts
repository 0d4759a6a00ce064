import type { PlanNote } from "../contracts/plan";
import type { SweepResult } from "./sweep";
import type { SpendTotals } from "../spend/spend-meter";
import type { SweepRunResult } from "./run-sweep";

/** A run as the Lambda handler reports it: the sweep's outcome, counted. */
export interface RunReport {
  readonly runId: string;
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly accountId?: string;
  readonly error?: string;
  readonly environments: readonly { readonly env: string; readonly intent: string; readonly status: string }[];
  readonly deferred: number;
  readonly actions: Readonly<Record<string, number>>;
  /** Warnings of the plan (skipped environments, listing failures), for the log. */
  readonly warnings: readonly PlanNote[];
  readonly timings: SweepResult["timings"];
  /** The spend meter's totals over the environments it metered, when it ran. */
  readonly spend?: SpendTotals & { readonly readingKept: boolean };
  /** What the meter's total did to the provisioning switch (`EPHEMERA_PLATFORM_BUDGET_USD`). */
  readonly provisioning?: { readonly status: string; readonly ok: boolean; readonly paused?: boolean; readonly message?: string };
}

/** Counts a sweep's outcome: actions by outcome, each planned environment with what became of it. */
export function reportRun(result: SweepRunResult): RunReport {
  const actions: Record<string, number> = {};
  for (const action of result.result?.actions ?? []) actions[action.outcome] = (actions[action.outcome] ?? 0) + 1;
  const outcomes = new Map((result.result?.environments ?? []).map((e) => [e.env, e.status]));
  return {
    runId: result.runId,
    ok: result.ok && (result.provisioning?.ok ?? true),
    dryRun: result.dryRun,
    ...(result.accountId === undefined ? {} : { accountId: result.accountId }),
    ...(result.error === undefined ? {} : { error: result.error }),
    environments: (result.plan?.environments ?? []).map((e) => ({ env: e.env, intent: e.intent, status: outcomes.get(e.env) ?? "not-run" })),
    deferred: result.plan?.deferred.length ?? 0,
    actions,
    warnings: [
      ...(result.plan?.notes ?? []).filter((n) => n.level === "warning"),
      ...(result.spendError === undefined ? [] : [{ level: "warning" as const, code: "spend-meter" as const, message: result.spendError }]),
      ...(result.indexError === undefined ? [] : [{ level: "warning" as const, code: "admission" as const, message: result.indexError }]),
    ],
    timings: result.timings,
    ...(result.spend === undefined ? {} : { spend: { ...result.spend.totals, readingKept: !result.dryRun && result.spend.readings !== undefined && result.spendError === undefined } }),
    ...(result.provisioning === undefined ? {} : { provisioning: provisioningOf(result.provisioning) }),
  };
}

function provisioningOf(provisioning: NonNullable<SweepRunResult["provisioning"]>): NonNullable<RunReport["provisioning"]> {
  return {
    status: provisioning.status,
    ok: provisioning.ok,
    ...("paused" in provisioning ? { paused: provisioning.paused } : {}),
    ...(provisioning.message === undefined ? {} : { message: provisioning.message }),
  };
}
