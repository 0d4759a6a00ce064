import { listEnvironments } from "../../operations/list-environments";
import type { Command } from "../parse-command";
import { renderListing, renderNote } from "../render";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/** `ephemera ls`: exit 1 when a listing failed, because the list may then be incomplete. */
export async function lsCommand(c: CommandContext, command: Extract<Command, { name: "ls" }>): Promise<number> {
  const now = command.now ?? c.clock();
  c.progress("Discovering resources…");
  const runtime = c.runtime();
  const inventory = await runtime.discover();
  const { auditBucket, maxTtlMs } = c.settings.reaper;
  const spend = await runtime.spendMeter(c.clock).estimate(inventory, now);
  const pool = c.settings.pool;
  const listing = listEnvironments(inventory, {
    now,
    auditBucket,
    maxTtlMs,
    spend: spend.spend,
    spendNotes: spend.notes,
    ...(pool === undefined ? {} : { pool: { name: pool.name, size: pool.size } }),
  });
  c.progress(`Found ${inventory.resources.length} resources in ${listing.environments.length} environments.`);
  if (command.json) {
    c.io.stdout(JSON.stringify(listing, null, 2));
  } else {
    c.io.stdout(renderListing(listing));
    for (const note of listing.notes.filter((n) => n.level === "warning")) c.io.stderr(renderNote(note));
  }
  if (inventory.failures.length > 0) {
    c.io.stderr(`ephemera: ${inventory.failures.length} listing(s) failed, so the list may be incomplete (see notes)`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
