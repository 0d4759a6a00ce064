import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";

/** The account the reaper's credentials belong to, for the sweep's account guard. */
export function stsCallerAccount(sts: STSClient): () => Promise<string> {
  return async () => {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (out.Account === undefined) throw new Error("STS GetCallerIdentity returned no account");
    return out.Account;
  };
}
