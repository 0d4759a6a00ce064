import { auditDecision } from "../runtime/audit-decision";
import { checkAccount } from "../runtime/account-guard";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { clockSkewError } from "../state/clock-skew";
import { type CasStep, compareAndSet } from "../state/compare-and-set";
import { type ProvisioningChange, type ProvisioningSource, provisioningRegister, provisioningStatus } from "./provisioning";
import { systemClock } from "../model";

export interface SwitchRequest {
  /** True to pause provisioning, false to resume it. */
  readonly paused: boolean;
  readonly source: ProvisioningSource;
  readonly reason: string;
  /** The caller's ARN, or `reaper`. */
  readonly by: string;
  /** Change only a pause this source made (the meter resumes only its own pause). @default - any */
  readonly onlyIfSource?: ProvisioningSource;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/**
 * - `paused` / `resumed`: this call changed the switch (and audited it: `runId`)
 * - `unchanged`: it already was so, or the pause in force is another source's (`onlyIfSource`)
 * - `refused`: the account guard said no, or the register could not be read or written (`message`)
 */
export interface SwitchResult {
  readonly status: "paused" | "resumed" | "unchanged" | "refused";
  readonly ok: boolean;
  /** Whether provisioning is paused after this call. */
  readonly paused: boolean;
  readonly change?: ProvisioningChange;
  readonly runId?: string;
  readonly message?: string;
  readonly auditErrors?: readonly string[];
}

/** Pauses or resumes provisioning: one compare-and-set on the register (by S3's clock), then an audited record of the change. */
export async function switchProvisioning(runtime: ReaperRuntime, request: SwitchRequest): Promise<SwitchResult> {
  const clock = request.clock ?? systemClock;
  const guard = await checkAccount(runtime.config, runtime.callerAccount);
  if (!guard.ok) return { status: "refused", ok: false, paused: false, message: guard.error };
  const outcome = await compareAndSet(provisioningRegister(runtime.auditStore(clock)), (read): CasStep<ProvisioningChange, SwitchResult | ProvisioningChange> => {
    const hostNow = clock();
    const skew = clockSkewError(read.serverTime, hostNow, runtime.config.maxClockSkewMs);
    if (skew !== undefined) return { done: { status: "refused", ok: false, paused: false, message: skew } };
    const now = read.serverTime ?? hostNow;
    const status = provisioningStatus(read.entry, now);
    const foreign = request.onlyIfSource !== undefined && status.change?.source !== request.onlyIfSource;
    if (status.paused === request.paused || (!request.paused && foreign)) {
      return { done: { status: "unchanged", ok: true, paused: status.paused, ...(status.change === undefined ? {} : { change: status.change }) } };
    }
    const change: ProvisioningChange = { paused: request.paused, source: request.source, reason: request.reason, by: request.by, at: now.toISOString() };
    return { write: change, then: change };
  });
  if (!outcome.ok) return { status: "refused", ok: false, paused: false, message: `the provisioning switch changed under this call ${outcome.attempts} times in a row; try again` };
  if ("status" in outcome.result) return outcome.result;
  const change = outcome.result;
  const verb = request.paused ? "paused" : "resumed";
  const audited = await auditDecision(runtime, { code: "provisioning", message: `provisioning ${verb} by ${request.source} (${request.by}): ${request.reason}` }, clock);
  return {
    status: verb,
    ok: audited.error === undefined,
    paused: request.paused,
    change,
    runId: audited.runId,
    ...(audited.error === undefined ? {} : { auditErrors: [audited.error] }),
  };
}
