import type { AdapterTable } from "../action/act";
import type { Inventory } from "../contracts/kind-adapter";
import type { KindContext } from "../contracts/kind-context";
import { systemClock } from "../model";
import { checkAccount } from "../runtime/account-guard";
import type { ReaperRuntime } from "../runtime/reaper-runtime";

/** What an operator's command on one environment (extend, pause, resume, release, checkpoint, rollback) is asked with, besides its own fields. */
export interface OperatorRequest {
  readonly env: string;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** @default the settings' dryRun */
  readonly dryRun?: boolean;
  /** Who asked and how, recorded with each action. @default - the operation's own ("extended by an operator", ...) */
  readonly reason?: string;
  /** @default KIND_ADAPTERS */
  readonly adapters?: AdapterTable<KindContext>;
}

/** The environment as an operator's command sees it before it plans: its account, and what discovery found, when. */
export interface EnvironmentLook {
  readonly ok: true;
  readonly clock: () => Date;
  readonly dryRun: boolean;
  readonly accountId: string;
  /** When the discovery began (the leases' `lookedAt`). */
  readonly lookedAt: Date;
  readonly inventory: Inventory;
}

/** The account guard, then a discovery of the environment alone; refused (code `account`) when the guard says no. */
export async function lookAtEnvironment(runtime: ReaperRuntime, request: OperatorRequest): Promise<EnvironmentLook | { readonly ok: false; readonly code: "account"; readonly message: string }> {
  const clock = request.clock ?? systemClock;
  const guard = await checkAccount(runtime.config, runtime.callerAccount);
  if (!guard.ok) return { ok: false, code: "account", message: guard.error };
  const lookedAt = clock();
  const inventory = await runtime.discover([request.env]);
  return { ok: true, clock, dryRun: request.dryRun ?? runtime.settings.dryRun, accountId: guard.accountId, lookedAt, inventory };
}
