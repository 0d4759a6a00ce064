/**
 * The afternoon of `npm run demo:agents`: one agent's load test runs over its budget and
 * the spend meter pauses it; one agent releases its environment, another extends its TTL.
 */
import { EXTEND_BY, EXTENDED, LOAD_TEST, OVER_BUDGET, RELEASED, SWEEP_MINUTES } from "./agent-cast";
import { instanceStates, startLoadTest } from "./agent-environments";
import type { Crew } from "./agents-morning";
import { partOf, type Platform } from "./agents-platform";
import type { McpAgent } from "./mcp-agent";

/** An entry of `ls --json`, the spend fields the demo reads. */
interface Standing {
  readonly env: string;
  readonly state: string;
  readonly budgetUsd: number | null;
  readonly estimatedSpendUsd: number | null;
  readonly burnUsdPerHour: number | null;
  readonly budgetExhaustedAt: string | null;
  readonly expiresAt: string | null;
}

/** The crew member playing `name`'s part. */
export function member(crew: Crew, name: string): McpAgent {
  const found = crew.find((m) => m.agent.env === name);
  if (found === undefined) throw new Error(`${name} is not among the admitted agents`);
  return found.agent;
}

/** `ephemera ls --json` (as of `now`), by environment. */
export async function standings({ ephemera }: Platform, now?: string): Promise<Map<string, Standing>> {
  const listing = JSON.parse((await ephemera(["ls", "--json", ...(now === undefined ? [] : ["--now", now])], { quiet: true })).out) as { environments: Standing[] };
  return new Map(listing.environments.map((e) => [e.env, e]));
}

/** Step 10: the load test, a sweep now (burn warning), and the first sweep after the budget runs out (pause). */
export async function overBudget(platform: Platform, crew: Crew): Promise<void> {
  const { narrator, emulator, infra, inbox, ephemera } = platform;
  const agent = member(crew, OVER_BUDGET);
  narrator.say(
    `${OVER_BUDGET} (${agent.spec.owner}: ${agent.spec.task}) was admitted with a budget of $${agent.spec.budgetUsd.toFixed(2)}. ` +
      `Its load test starts ${LOAD_TEST.count} on-demand ${LOAD_TEST.instanceType} instances, tagged with its environment's ephemera:* tags as its node group carries them:`,
  );
  narrator.command(`aws ec2 run-instances --instance-type ${LOAD_TEST.instanceType} --count ${LOAD_TEST.count} --tag-specifications <${OVER_BUDGET}'s ephemera:* tags>`);
  const instances = await startLoadTest(emulator, infra, OVER_BUDGET, LOAD_TEST);
  narrator.show(instances.join(" "));
  narrator.say("The next sweep meters it. Budgets would see this spend 8 to 12 hours from now; the meter sees it running, and warns the owner once its burn rate will reach the budget within the hour:");
  const now = await ephemera(["reap"], { quiet: true });
  narrator.command("ephemera reap    # its part about " + OVER_BUDGET);
  narrator.show(partOf(now.out, (env) => env === OVER_BUDGET));
  for (const m of inbox.take()) narrator.show(`owners' inbox: ${m}`);
  const standing = (await standings(platform)).get(OVER_BUDGET);
  if (standing?.budgetExhaustedAt == null) throw new Error(`ephemera ls --json gives ${OVER_BUDGET} no budgetExhaustedAt: ${JSON.stringify(standing)}`);
  narrator.show(
    `${OVER_BUDGET}: estimate $${standing.estimatedSpendUsd?.toFixed(4)} of $${standing.budgetUsd?.toFixed(2)}, burning $${standing.burnUsdPerHour?.toFixed(4)}/h: ` +
      `the budget runs out at ${standing.budgetExhaustedAt} (ls --json's budgetExhaustedAt)`,
  );
  const sweepAt = firstSweepAfter(standing.budgetExhaustedAt);
  await pauseAtNextSweep(platform, agent, standing.budgetExhaustedAt, sweepAt);
  const states = await instanceStates(emulator, instances);
  narrator.show(states.map((s) => `instance ${s}`).join("\n"));
  if (states.some((s) => !/ (stopped|stopping)$/.test(s))) throw new Error(`the load test's instances were not stopped: ${states.join(", ")}`);
  narrator.say("Nothing was deleted: its instances are stopped and its database too, with their data. resume_environment is the exact reverse, once its budget is raised.");
}

/** The reaper's schedule sweeps every SWEEP_MINUTES: the first such instant after `at`, at whole seconds. */
function firstSweepAfter(at: string): string {
  const every = SWEEP_MINUTES * 60_000;
  return new Date((Math.floor(Date.parse(at) / every) + 1) * every).toISOString().replace(/\.\d{3}Z$/, "Z");
}

async function pauseAtNextSweep(platform: Platform, agent: McpAgent, exhaustedAt: string, sweepAt: string): Promise<void> {
  const { narrator, ephemera, inbox } = platform;
  narrator.say(
    `The reaper sweeps every ${SWEEP_MINUTES} minutes; the first sweep after ${exhaustedAt} is the one at ${sweepAt}. The emulator has no clock to move, ` +
      "so the operator runs that sweep with --now (and --allow-simulated-clock, which exists for demos on an emulator): the reaper decides as of that instant.",
  );
  const sweep = await ephemera(["reap", "--now", sweepAt, "--allow-simulated-clock"], { quiet: true });
  narrator.command(`ephemera reap --now ${sweepAt} --allow-simulated-clock    # its part about ${OVER_BUDGET}`);
  narrator.show(partOf(sweep.out, (env) => env === OVER_BUDGET));
  if (!new RegExp(`^${OVER_BUDGET}: pause done`, "m").test(sweep.out)) throw new Error(`the sweep at ${sweepAt} did not pause ${OVER_BUDGET}:\n${sweep.out}`);
  for (const m of inbox.take()) narrator.show(`owners' inbox: ${m}`);
  narrator.say(`${OVER_BUDGET}'s agent sees it (describe_environment), and the operator's table as of that sweep:`);
  const entry = await agent.describe();
  narrator.show(`${OVER_BUDGET} (describe_environment): ${entry.state}`);
  if (entry.state !== "paused") throw new Error(`${OVER_BUDGET} is ${entry.state}, not paused`);
  await ephemera(["ls", "--now", sweepAt]);
}

/** Step 11: RELEASED's agent looks, then releases; EXTENDED's agent extends; the operator's table. */
export async function releaseAndExtend(platform: Platform, crew: Crew): Promise<void> {
  const { narrator, ephemera } = platform;
  const releasing = member(crew, RELEASED);
  narrator.say(
    `${RELEASED} (${releasing.spec.task}) is done. It looks first with dryRun: true, then releases with confirm: its environment's id typed again, ` +
      "which a destructive tool requires (a person would be asked first). The release reaps it now, phase by phase, and is audited with the MCP client's name.",
  );
  narrator.command(`release_environment {"env":"${RELEASED}","dryRun":true}`);
  const dry = await releasing.must<{ status: string; plan?: { environments: { phases: { name: string; actions: unknown[] }[] }[] } }>("release_environment", {
    env: RELEASED,
    dryRun: true,
  });
  const phases = dry.plan?.environments[0]?.phases ?? [];
  narrator.show(`${dry.status}: ${phases.map((p) => `${p.name} (${p.actions.length})`).join(" → ")}; nothing was changed`);
  narrator.command(`release_environment {"env":"${RELEASED}","confirm":"${RELEASED}"}`);
  const done = await releasing.must<{ status: string; runId?: string; actions?: { outcome: string; action: string; target: { kind: string } }[] }>("release_environment", {
    env: RELEASED,
    confirm: RELEASED,
  });
  const deletes = (done.actions ?? []).filter((a) => a.action === "delete");
  narrator.show(`${done.status} (audit run ${done.runId}): ${deletes.length} resources deleted (${[...new Set(deletes.map((a) => a.target.kind))].join(", ")})`);
  const after = await releasing.call("describe_environment", { env: RELEASED });
  narrator.show(`describe_environment {"env":"${RELEASED}"}: ${after.text}`);
  if (after.ok) throw new Error(`${RELEASED} is still listed after its release`);
  await releasing.close();

  const extending = member(crew, EXTENDED);
  narrator.say(`${EXTENDED} (${extending.spec.task}) needs longer than its TTL of ${extending.spec.ttl}, and extends it by ${EXTEND_BY} (extend_environment):`);
  narrator.command(`extend_environment {"env":"${EXTENDED}","duration":"${EXTEND_BY}"}`);
  const extended = await extending.must<{ status: string; previousExpiresAt?: string; expiresAt?: string; runId?: string }>("extend_environment", { env: EXTENDED, duration: EXTEND_BY });
  narrator.show(`${extended.status}: expiry ${extended.previousExpiresAt} → ${extended.expiresAt} (audit run ${extended.runId})`);
  if (extended.status !== "extended") throw new Error(`${EXTENDED} was not extended: ${JSON.stringify(extended)}`);
  narrator.say(
    `The operator's table now: seven environments, one paused, one with a later expiry. It is real time again: ${OVER_BUDGET}'s estimate is as of now, ` +
      "a few minutes into its load test, not as of the sweep's simulated instant.",
  );
  await ephemera(["ls"]);
}
