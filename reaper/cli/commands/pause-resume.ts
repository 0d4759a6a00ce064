import { renderPlan } from "../../decision/render-plan";
import { runOperatorPlan } from "../../operations/run-operator-plan";
import type { Command } from "../parse-command";
import { printResultJson, renderActions, withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

const DONE = { pause: "paused", resume: "resumed", release: "released" } as const;

/**
 * `ephemera pause|resume|release <env>`. Each action's reason records who asked: the
 * caller's ARN, and the MCP client when the command came through `ephemera mcp`.
 */
export async function operatorCommand(c: CommandContext, command: Extract<Command, { name: "pause" | "resume" | "release" }>): Promise<number> {
  const { env, name: intent } = command;
  c.progress(`Discovering ${env}…`);
  const runtime = c.runtime();
  const by = await c.requestedBy();
  const discardData = command.name === "release" && command.discardData;
  const reason =
    intent === "release"
      ? `released by ${by} (ephemera release${discardData ? " --discard-data" : ""}): its task is finished`
      : `${DONE[intent]} by ${by} (ephemera ${intent})`;
  const result = await runOperatorPlan(runtime, {
    intent,
    env,
    clock: c.clock,
    reason,
    ...(discardData ? { discardData } : {}),
    ...(c.adapters === undefined ? {} : { adapters: c.adapters }),
  });
  if (command.json) {
    printResultJson(c, result);
  } else {
    switch (result.status) {
      case "not-found":
      case "refused":
        c.io.stderr(`ephemera: ${intent} ${env} refused: ${withSettingHints(result.message ?? "")}`);
        break;
      case "dry-run":
        c.io.stdout(`${renderPlan(result.plan!)}\n\nDry run: nothing was changed and no audit records were written.`);
        break;
      case "done":
        c.io.stdout([`${env}: ${DONE[intent]} (audit run ${result.runId})`, ...renderActions(result.actions ?? [])].join("\n"));
        break;
      case "failed":
        c.io.stderr(
          [`ephemera: ${intent} ${env} failed at step ${result.outcome?.failedStep ?? "?"} (audit run ${result.runId}):`, ...renderActions(result.actions ?? [])].join("\n"),
        );
        break;
    }
    for (const e of result.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
  }
  if (result.status === "not-found") return EXIT.usage;
  return result.ok ? EXIT.ok : EXIT.failed;
}
