import { tryParseDuration } from "../../model";
import { extendEnvironment, type ExtendResult } from "../../operations/extend-environment";
import { type Command, UsageError } from "../parse-command";
import { printResultJson, renderActions, withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera extend <env> <duration>`. */
export async function extendCommand(c: CommandContext, command: Extract<Command, { name: "extend" }>): Promise<number> {
  const { env, duration } = command;
  const maxTtl = c.settings.reaper.maxTtlMs;
  const within = tryParseDuration(duration, { field: "duration", max: maxTtl });
  if (!within.ok) throw new UsageError(`${within.error.message}, e.g. ephemera extend ${env} 4h (the max TTL caps any extension)`, "extend");

  c.progress(`Discovering ${env}…`);
  const result = await extendEnvironment(c.runtime(), {
    env,
    by: command.by,
    // Who asked: the caller's ARN, and the MCP client through `ephemera mcp`.
    reason: `extended by ${await c.requestedBy()} (ephemera extend)`,
    clock: c.clock,
    ...(c.adapters === undefined ? {} : { adapters: c.adapters }),
  });
  if (command.json) {
    printResultJson(c, result);
  } else {
    render(c, result, duration);
  }
  if (result.status === "refused" && result.code === "not-found") return EXIT.usage;
  return result.ok ? EXIT.ok : EXIT.failed;
}

function render(c: CommandContext, result: ExtendResult, duration: string): void {
  const { env } = result;
  const move = `${result.previousExpiresAt} → ${result.expiresAt}`;
  const capped = result.capped ? " (capped: no environment gets more than the max TTL ahead of it)" : "";
  switch (result.status) {
    case "refused":
      c.io.stderr(`ephemera: extend ${env} refused: ${withSettingHints(result.message ?? "")}`);
      return;
    case "unchanged":
      c.io.stdout(result.message ?? `${env}: unchanged`);
      return;
    case "dry-run":
      c.io.stdout(`${env}: expiry would move ${move}${capped} (dry run: nothing changed)`);
      return;
    case "failed":
      c.io.stderr([`ephemera: extend ${env} failed: no resource took the new expiry (audit run ${result.runId})`, ...renderActions(result.actions ?? [])].join("\n"));
      return;
    case "extended":
    case "partly-extended": {
      c.io.stdout(`${env}: extended by ${duration}, expiry ${move}${capped} (audit run ${result.runId})`);
      if (result.status === "partly-extended") {
        const failed = (result.actions ?? []).filter((a) => a.outcome !== "done");
        c.io.stderr([`ephemera: ${failed.length} resource(s) did not take the tag; the expiry moved anyway (it is the latest over all resources):`, ...renderActions(failed)].join("\n"));
      }
      const s = result.schedule;
      if (s?.status === "moved") c.io.stdout(`Expiry schedule ${s.group}/${s.name} moved to ${s.to}.`);
      else if (s?.status === "unchanged") c.io.stdout(`Expiry schedule ${s.group}/${s.name} already fires at ${s.to}.`);
      else if (s?.status === "absent") c.io.stdout(`No expiry schedule ${s.name} (looked in: ${s.groups.join(", ")}); nothing to move.`);
      else if (s?.status === "failed") c.io.stderr(`ephemera: the expiry schedule ${s.group}/${s.name} could not be moved (${s.code}: ${s.message}); the reaper will still reap on time at its next sweep`);
      for (const e of result.auditErrors ?? []) c.io.stderr(`ephemera: audit: ${e}`);
    }
  }
}
