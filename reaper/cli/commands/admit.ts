import { admitEnvironment } from "../../admission/admit-environment";
import type { Command } from "../parse-command";
import { withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera admit <env> --owner <owner>`: exit 0 admitted (deploy), 1 refused or not audited (do not deploy). */
export async function admitCommand(c: CommandContext, command: Extract<Command, { name: "admit" }>): Promise<number> {
  const { env, owner } = command;
  const runtime = c.runtime();
  c.progress(`Counting live environments before admitting ${env}…`);
  const result = await admitEnvironment(runtime, {
    env,
    owner,
    ttlMs: command.ttlMs,
    ...(command.budgetUsd === undefined ? {} : { budgetUsd: command.budgetUsd }),
    ...(command.isolation === undefined ? {} : { isolation: command.isolation }),
    by: await c.requestedBy(),
    clock: c.clock,
  });
  if (command.json) {
    c.io.stdout(JSON.stringify(result, null, 2));
  } else if (result.status === "admitted") {
    c.io.stdout(`${env}: ${result.reason}${result.reservedUntil === undefined ? "" : ` (counts until ${result.reservedUntil} unless its resources exist)`} (audit run ${result.runId})`);
  } else {
    c.io.stderr(`ephemera: admit ${env} refused (${result.limit}): ${withSettingHints(result.reason)}`);
  }
  for (const e of result.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
  return result.ok ? EXIT.ok : EXIT.failed;
}
