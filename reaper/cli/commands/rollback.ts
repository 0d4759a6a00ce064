import { renderPlan } from "../../decision/render-plan";
import { rollbackEnvironment, type RollbackResult } from "../../operations/rollback-environment";
import type { Command } from "../parse-command";
import { printResultJson, renderActions, withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** Refusals that are the caller's input (an unknown environment or checkpoint): exit 2, like any bad argument. */
const BAD_INPUT = new Set(["not-found", "unknown-checkpoint"]);

/** `ephemera rollback <env> --to <checkpoint>`: the reason records who asked (the caller's ARN, and the MCP client through `ephemera mcp`). */
export async function rollbackCommand(c: CommandContext, command: Extract<Command, { name: "rollback" }>): Promise<number> {
  const { env, to } = command;
  c.progress(`Discovering ${env}…`);
  const result = await rollbackEnvironment(c.runtime(), {
    env,
    to,
    clock: c.clock,
    reason: `rolled back by ${await c.requestedBy()} (ephemera rollback)`,
    ...(c.adapters === undefined ? {} : { adapters: c.adapters }),
  });
  if (command.json) {
    printResultJson(c, result);
  } else {
    render(c, result);
  }
  if (result.status === "refused" && BAD_INPUT.has(result.code ?? "")) return EXIT.usage;
  return result.ok ? EXIT.ok : EXIT.failed;
}

function render(c: CommandContext, result: RollbackResult): void {
  const { env, to } = result;
  const paused = result.paused ? " Its database was started for the swap and stopped again: the environment stays paused." : "";
  switch (result.status) {
    case "refused":
      c.io.stderr(`ephemera: rollback ${env} refused: ${withSettingHints(result.message ?? "")}`);
      return;
    case "dry-run":
      c.io.stdout(`${renderPlan(result.plan!)}\n\nDry run: nothing was changed and no audit records were written.`);
      return;
    case "failed":
      c.io.stderr([`ephemera: rollback ${env} to ${to} stopped: ${result.message ?? ""} (audit run ${result.runId})`, ...renderActions(result.actions ?? [])].join("\n"));
      return;
    case "rolled-back":
      c.io.stdout(
        [
          `${env}: rolled back to ${to}${result.snapshot ? ` (snapshot ${result.snapshot})` : ""}; same endpoint and credentials secret.` +
            `${result.keptAs ? ` The replaced database is kept as checkpoint ${result.keptAs}.` : ""}${paused} (audit run ${result.runId})`,
          ...renderActions(result.actions ?? []),
        ].join("\n"),
      );
      for (const e of result.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
  }
}
