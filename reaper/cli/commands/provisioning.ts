import { provisioningRegister, provisioningStatus } from "../../admission/provisioning";
import { switchProvisioning } from "../../admission/switch-provisioning";
import { checkAccount } from "../../runtime/account-guard";
import type { Command } from "../parse-command";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera provisioning status|pause|resume`. */
export async function provisioningCommand(c: CommandContext, command: Extract<Command, { name: "provisioning" }>): Promise<number> {
  const runtime = c.runtime();
  if (command.action === "status") {
    const guard = await checkAccount(runtime.config, runtime.callerAccount);
    if (!guard.ok) {
      c.io.stderr(`ephemera: provisioning status refused: ${guard.error}`);
      return EXIT.failed;
    }
    const read = await provisioningRegister(runtime.auditStore(c.clock)).read();
    const status = provisioningStatus(read.entry, read.serverTime ?? c.clock());
    if (command.json) c.io.stdout(JSON.stringify({ ok: true, ...status }, null, 2));
    else c.io.stdout(status.paused ? `provisioning is paused since ${status.change!.at} by ${status.change!.source} (${status.change!.by}): ${status.change!.reason}` : `provisioning is open${status.lapsed ? ` (a budget alert's pause of ${status.change!.at} lapsed with its month)` : ""}`);
    return EXIT.ok;
  }
  const paused = command.action === "pause";
  const by = await c.requestedBy();
  const result = await switchProvisioning(runtime, {
    paused,
    source: "operator",
    reason: command.reason ?? `ephemera provisioning ${command.action}`,
    by,
    clock: c.clock,
  });
  if (command.json) c.io.stdout(JSON.stringify(result, null, 2));
  else if (result.status === "refused") c.io.stderr(`ephemera: provisioning ${command.action} refused: ${result.message}`);
  else c.io.stdout(result.status === "unchanged" ? `provisioning was ${result.paused ? "paused" : "open"} already; nothing changed` : `provisioning ${result.status} (audit run ${result.runId})`);
  for (const e of result.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
  return result.ok ? EXIT.ok : EXIT.failed;
}
