import { formatInstant, TAG } from "../../model";
import { claimPoolDatabase } from "../../pool/claim-database";
import type { Command } from "../parse-command";
import { renderActions, withSettingHints } from "../render";
import { type CommandContext, EXIT } from "../command-context";

/** `ephemera claim <env> --owner <owner>`: exit 0 when claimed, or when the pool is empty (restore a fresh database then). */
export async function claimCommand(c: CommandContext, command: Extract<Command, { name: "claim" }>): Promise<number> {
  const { env } = command;
  const runtime = c.runtime();
  // Who claims it, for the claim record and the audit trail.
  const claimant = await runtime.callerArn();
  c.progress(`Claiming a warm database for ${env}…`);
  const result = await claimPoolDatabase(runtime, {
    env,
    claimant,
    clock: c.clock,
    tags: { [TAG.owner]: command.owner, [TAG.ttl]: command.ttl, [TAG.createdAt]: formatInstant(new Date(Math.floor(c.clock().getTime() / 1000) * 1000)) },
  });
  if (command.json) {
    c.io.stdout(JSON.stringify({ ...result, fallback: result.status === "empty" ? "fresh-restore" : null }, null, 2));
  } else if (result.status === "claimed") {
    c.io.stdout([`${env}: claimed ${result.database} from pool ${result.pool} (secret ${result.secretArn ?? "unknown"}; audit run ${result.runId})`, ...renderActions(result.actions ?? [])].join("\n"));
  } else if (result.status === "empty") {
    c.io.stdout(`${env}: ${result.message}`);
  } else {
    c.io.stderr(`ephemera: claim ${env} ${result.status}: ${withSettingHints(result.message ?? "")}`);
    if (result.actions !== undefined) c.io.stderr(renderActions(result.actions).join("\n"));
  }
  return result.status === "claimed" || result.status === "empty" ? EXIT.ok : EXIT.failed;
}
