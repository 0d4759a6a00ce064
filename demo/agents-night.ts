/**
 * The night of `npm run demo:agents`: every environment expires and is reaped, the pool is
 * retired, the audit trail verifies, and discovery finds nothing managed left.
 */
import { AGENTS, OVER_BUDGET } from "./agent-cast";
import { managedLeft } from "./agent-environments";
import { member, standings } from "./agents-afternoon";
import type { Crew } from "./agents-morning";
import { type Platform, poolLine } from "./agents-platform";
import { type Cli, cliIn } from "./ephemera-cli";

/** Step 12: the paused environment released by its agent; the clock past the last expiry, the pool at size 0, sweeps until nothing is left. */
export async function nightfall(platform: Platform, crew: Crew): Promise<void> {
  const { narrator, settings } = platform;
  await releasePaused(platform, crew);
  const left = [...(await standings(platform)).values()];
  const last = left.reduce((latest, e) => (e.expiresAt !== null && e.expiresAt > latest ? e.expiresAt : latest), "");
  if (last === "") throw new Error("ephemera ls --json shows no expiry");
  const now = new Date(Date.parse(last) + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const pool = JSON.parse(settings.EPHEMERA_DATABASE_POOL!) as { size: number };
  const night = cliIn(narrator, { ...settings, EPHEMERA_DATABASE_POOL: JSON.stringify({ ...pool, size: 0 }) });
  narrator.say(
    `Nobody releases the rest (${left.map((e) => e.env).join(", ")}): the reaper takes them at their expiry. The last expiry is ` +
      `${last} (the extended one); the operator moves the clock 10 minutes past it with --now, as the schedule's sweeps would find it. ` +
      "The platform team also retires the pool for the night (the WarmDatabasePool's size set to 0 in EPHEMERA_DATABASE_POOL), so the next sweep deletes its warm databases.",
  );
  narrator.say(
    "The rule: nothing is deleted before its owner has been warned. The first sweep warns every owner and marks each environment expiring; " +
      "the next reaps each, phase by phase (node group, database, launch template, security groups, IAM roles, budget). " +
      "An environment another run held a moment before is left to the next sweep.",
  );
  await sweepUntilGone(platform, night, now, left.length);
  narrator.command("ephemera ls    # with the pool's size 0");
  narrator.show((await night(["ls"], { quiet: true })).out);
  if (!/: 0 warm of 0, 0 restoring/.test(await poolLine(night))) throw new Error("the retired pool still holds warm databases");
  await Promise.all(crew.map((m) => m.agent.close()));
  narrator.say("Every environment is gone, and so is the pool. The agents close their MCP sessions; their servers exit.");
}

/** OVER_BUDGET's agent gives up on its paused environment: the reaper keeps an over-budget environment, even an expired one. */
async function releasePaused({ narrator }: Platform, crew: Crew): Promise<void> {
  const agent = member(crew, OVER_BUDGET);
  narrator.say(
    `Night. The reaper never deletes an over-budget environment, even an expired one: the pause keeps its data for its owner to decide (docs/reaper.md). ` +
      `${agent.spec.owner.split("@")[0]} decides: ${OVER_BUDGET}'s agent releases its paused environment (release_environment, confirmed).`,
  );
  narrator.command(`release_environment {"env":"${OVER_BUDGET}","confirm":"${OVER_BUDGET}"}`);
  const done = await agent.must<{ status: string; runId?: string; actions?: { action: string; target: { kind: string } }[] }>("release_environment", {
    env: OVER_BUDGET,
    confirm: OVER_BUDGET,
  });
  const deletes = (done.actions ?? []).filter((a) => a.action === "delete");
  narrator.show(`${done.status} (audit run ${done.runId}): ${deletes.length} resources deleted, its load test's ${deletes.filter((a) => a.target.kind === "ec2-instance").length} instances among them`);
}

/** Sweeps as of `now` until no environment is listed (at most `count` + 2 sweeps), each run's results shown. */
async function sweepUntilGone(platform: Platform, night: Cli, now: string, count: number): Promise<void> {
  const { narrator, inbox } = platform;
  for (let sweep = 1; sweep <= count + 2; sweep++) {
    const run = await night(["reap", "--now", now, "--allow-simulated-clock"], { quiet: true });
    narrator.command(`ephemera reap --now ${now} --allow-simulated-clock    # sweep ${sweep}: what the run did`);
    narrator.show(runResults(run.out));
    const told = inbox.take();
    if (told.length > 0) narrator.show(`owners' inbox: ${told.length} message(s), e.g. ${told[0]}`);
    if ((await standings(platform)).size === 0) return;
  }
  throw new Error(`environments are still listed after ${count + 2} sweeps: ${[...(await standings(platform)).keys()].join(", ")}`);
}

/** What a sweep's run did: its `Run <id>:` line and one line per environment (`agent-01: reap done`). */
function runResults(out: string): string {
  const lines = out.split("\n");
  const start = lines.findIndex((l) => /^Run \S+:$/.test(l));
  if (start < 0) return out;
  return lines.slice(start).filter((l) => /^\S/.test(l)).join("\n");
}

/** Step 13: every run's hash chain, the admissions', claims', sweeps', pause's, release's and extension's alike. */
export async function verifyAuditTrail({ narrator, ephemera }: Platform): Promise<void> {
  narrator.say(
    `Every admit (${AGENTS.length}), claim, release and extension the agents made through their MCP servers, and every sweep, wrote a hash chain ` +
      "of records to the Object Lock audit bucket; verify re-reads them all and checks each link:",
  );
  const verified = await ephemera(["audit", "verify"], { quiet: true });
  narrator.command("ephemera audit verify");
  const lines = verified.out.split("\n").filter((l) => l.trim() !== "");
  narrator.show([...lines.slice(0, 4), `… (${Math.max(0, lines.length - 5)} more lines)`, ...lines.slice(-1)].join("\n"));
  const summary = /(\d+) run\(s\): (\d+) verified, 0 broken\./.exec(verified.out);
  if (summary === null || summary[1] !== summary[2]) throw new Error("the audit trail did not verify");
}

/** Step 14: discovery finds nothing managed; then everything the demo started is stopped. */
export async function checkNothingLeft({ narrator, emulator, settings, cleanup }: Platform): Promise<void> {
  narrator.say(
    "What is left in the account: the reaper's own discovery (every kind it knows: the inventory a sweep acts on), and plain SDK calls " +
      "for any database or live instance still tagged ephemera:managed-by=ephemera:",
  );
  const left = await managedLeft(emulator, settings);
  narrator.show(left.length === 0 ? "nothing: no environment's resource, no warm database, no live instance" : left.join("\n"));
  if (left.length > 0) throw new Error(`still managed by Ephemera: ${left.join(", ")}`);
  for (const line of await cleanup.run()) narrator.show(line);
}
