import { formatInstant, SETTINGS, TAG, tryParseDuration } from "../../model";
import { claimPoolDatabase } from "../../pool/claim-database";
import { type Command, UsageError } from "../parse-command";
import { renderActions, withSettingHints } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera claim <env> --owner <owner>`: exit 0 when claimed, or when the pool is empty (restore a fresh database then). */
export async function claimCommand(c: CommandContext, command: Extract<Command, { name: "claim" }>): Promise<number> {
  const { env } = command;
  // The max TTL is a setting, so it is applied here, before anything is read or written (admit's `max-ttl` rule).
  const withinMax = tryParseDuration(command.ttl, { field: "--ttl", max: c.settings.reaper.maxTtlMs });
  if (!withinMax.ok) throw new UsageError(`${withinMax.error.message} (the max TTL: ${SETTINGS.maxTtl.env}, or ${SETTINGS.maxTtl.flag})`, "claim");
  const runtime = c.runtime();
  // Who claims it (the caller's ARN, and the MCP client through `ephemera mcp`), for the claim record and the audit trail.
  const claimant = await c.requestedBy();
  c.progress(`Claiming a warm database for ${env}…`);
  const result = await claimPoolDatabase(runtime, {
    env,
    claimant,
    clock: c.clock,
    // A claim makes the environment live: it passes admission (or its reservation still counts).
    admission: { env, owner: command.owner, ttlMs: withinMax.value },
    tags: { [TAG.owner]: command.owner, [TAG.ttl]: command.ttl, [TAG.createdAt]: formatInstant(new Date(Math.floor(c.clock().getTime() / 1000) * 1000)) },
  });
  if (command.json) {
    c.io.stdout(JSON.stringify({ ...result, fallback: result.status === "empty" ? "fresh-restore" : null }, null, 2));
  } else if (result.status === "claimed") {
    const how = result.existing ? "already holds" : "claimed";
    c.io.stdout([`${env}: ${how} ${result.database} from pool ${result.pool} (secret ${result.secretArn ?? "unknown"}, security group ${result.securityGroupId ?? "unknown"}${result.runId === undefined ? "" : `; audit run ${result.runId}`})`, ...renderActions(result.actions ?? [])].join("\n"));
  } else if (result.status === "empty") {
    c.io.stdout(`${env}: ${result.message}`);
  } else {
    c.io.stderr(`ephemera: claim ${env} ${result.status}: ${withSettingHints(result.message ?? "")}`);
    if (result.actions !== undefined) c.io.stderr(renderActions(result.actions).join("\n"));
  }
  return result.status === "claimed" || result.status === "empty" ? EXIT.ok : EXIT.failed;
}
