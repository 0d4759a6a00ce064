import { checkpointEnvironment, type CheckpointResult } from "../../operations/checkpoint-environment";
import { type CheckpointEntry, listCheckpoints } from "../../operations/list-checkpoints";
import type { Command } from "../parse-command";
import { printResultJson, renderActions, withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera checkpoint <env> [--name <label>]`. */
export async function checkpointCommand(c: CommandContext, command: Extract<Command, { name: "checkpoint" }>): Promise<number> {
  const { env } = command;
  c.progress(`Discovering ${env}…`);
  const result = await checkpointEnvironment(c.runtime(), {
    env,
    ...(command.label === undefined ? {} : { name: command.label }),
    // Who asked: the caller's ARN, and the MCP client through `ephemera mcp`.
    reason: `checkpoint asked for by ${await c.requestedBy()} (ephemera checkpoint)`,
    clock: c.clock,
    ...(c.adapters === undefined ? {} : { adapters: c.adapters }),
  });
  if (command.json) {
    printResultJson(c, result);
  } else {
    render(c, result);
  }
  // A refusal the caller can fix by what they typed (an unknown environment, a taken label) is bad input.
  if (result.status === "refused" && (result.code === "not-found" || result.code === "label")) return EXIT.usage;
  return result.ok ? EXIT.ok : EXIT.failed;
}

function render(c: CommandContext, result: CheckpointResult): void {
  const { env } = result;
  const what = `${result.snapshot}${result.label === undefined ? "" : ` (${result.label})`} of ${result.database}`;
  const replaced = (result.replaced ?? []).length === 0 ? "" : `; replaces the oldest label-less checkpoint(s) ${result.replaced!.join(", ")}`;
  switch (result.status) {
    case "refused":
      c.io.stderr(`ephemera: checkpoint ${env} refused: ${withSettingHints(result.message ?? "")}`);
      return;
    case "dry-run":
      c.io.stdout(`${env}: would take checkpoint ${what}${replaced} (dry run: nothing changed)`);
      return;
    case "failed":
      c.io.stderr([`ephemera: checkpoint ${env} failed: no snapshot was taken and nothing deleted (audit run ${result.runId})`, ...renderActions(result.actions ?? [])].join("\n"));
      return;
    case "created":
    case "partly-created": {
      c.io.stdout(`${env}: checkpoint ${what} taken${replaced} (audit run ${result.runId}); RDS goes on creating it: ephemera checkpoints ${env} shows its state`);
      if (result.status === "partly-created") {
        const failed = (result.actions ?? []).filter((a) => a.outcome !== "done" && a.outcome !== "already-done");
        c.io.stderr([`ephemera: a replaced checkpoint could not be deleted; the environment is over its limit until the next checkpoint tries again:`, ...renderActions(failed)].join("\n"));
      }
      for (const e of result.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
    }
  }
}

/** `ephemera checkpoints <env>`. */
export async function checkpointsCommand(c: CommandContext, command: Extract<Command, { name: "checkpoints" }>): Promise<number> {
  c.progress(`Discovering ${command.env}…`);
  const result = await listCheckpoints(c.runtime(), { env: command.env });
  if (!result.ok) {
    if (command.json) c.io.stdout(JSON.stringify(result, null, 2));
    c.io.stderr(`ephemera: checkpoints ${command.env}: ${result.message}`);
    return result.code === "not-found" ? EXIT.usage : EXIT.failed;
  }
  const { ok: _ok, ...listing } = result;
  if (command.json) {
    c.io.stdout(JSON.stringify(listing, null, 2));
    return EXIT.ok;
  }
  const rows = result.checkpoints.map(row);
  const header = ["LABEL", "SNAPSHOT", "CREATED", "SIZE", "STATE", "USD/MONTH"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  c.io.stdout([`${result.env}: ${result.count} of ${result.maxCheckpoints} checkpoints (the baseline not counted)`, line(header), ...rows.map(line)].join("\n"));
  return EXIT.ok;
}

function row(entry: CheckpointEntry): string[] {
  const state = entry.percentProgress === undefined ? entry.state : `${entry.state} ${entry.percentProgress}%`;
  return [
    entry.label ?? "-",
    entry.snapshot,
    entry.createdAt ?? "-",
    entry.sizeGiB === null ? "-" : `${entry.sizeGiB} GiB`,
    state,
    entry.estimatedMonthlyUsd === null ? "-" : `~$${entry.estimatedMonthlyUsd.toFixed(2)}`,
  ];
}
