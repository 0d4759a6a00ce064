import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { describeError } from "../support/outcomes";
import type { ReaperConfig } from "../config/reaper-config";

/** Whether the caller may act here, and the account it is in when that could be established. */
export type AccountCheck =
  | { readonly ok: true; readonly accountId: string }
  | { readonly ok: false; readonly accountId?: string; readonly error: string };

/**
 * The reaper's first gate, shared by the sweep and every command that writes (extend,
 * pause, resume): the caller's account (STS) must be on `allowedAccounts`. An empty
 * list refuses everywhere, and so does an account that cannot be established.
 */
export async function checkAccount(
  config: Pick<ReaperConfig, "allowedAccounts">,
  callerAccount: () => Promise<string>,
): Promise<AccountCheck> {
  let accountId: string;
  try {
    accountId = await callerAccount();
  } catch (err) {
    return { ok: false, error: `refused to act: the caller's account could not be established (${describeError(err)})` };
  }
  if (!config.allowedAccounts.includes(accountId)) {
    const allowed = config.allowedAccounts.length === 0 ? "none configured" : config.allowedAccounts.join(", ");
    return { ok: false, accountId, error: `refused to act: account ${accountId} is not in allowedAccounts (${allowed}); nothing was done` };
  }
  return { ok: true, accountId };
}

/** The account the reaper's credentials belong to, for the sweep's account guard. */
export function stsCallerAccount(sts: STSClient): () => Promise<string> {
  return async () => {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (out.Account === undefined) throw new Error("STS GetCallerIdentity returned no account");
    return out.Account;
  };
}
