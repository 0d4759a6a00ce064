/**
 * `npm run demo:agents`: twelve AI agents ask for environments through `ephemera mcp`, on
 * the local AWS emulator, narrated in the style of `npm run demo`.
 *
 * Each agent is the official MCP client driving its own `ephemera mcp` server over stdio.
 * Under a cap of eight environments per account and three per owner, eight are admitted
 * and four refused (two by each cap). The eight claim warm databases from a pool of eight,
 * which the next sweep refills, and deploy their environments with `terraform apply`, all
 * at once. One runs a load test over its budget and the spend meter pauses it on the first
 * sweep after it crosses; one releases its environment, one extends its TTL. At night the
 * paused one is released (the reaper keeps an over-budget environment), the rest expire
 * and are reaped, the pool is retired, the audit trail verifies and discovery finds nothing
 * managed left. Exits 0 when every step succeeded, 1 (with the
 * reason) when one failed, 128 + n on a signal; it cleans up in every case.
 *
 * EPHEMERA_DEMO_EMULATOR=http://127.0.0.1:<port> runs it against an emulator that is
 * already running, and leaves that running (the e2e test reads its state afterwards).
 *
 * Run it with `npm run demo:agents` (node scripts/run-ts.mjs demo/agents.ts).
 */
import { type Emulator, emulatorAt, startEmulator } from "../harness/emulator";
import { AGENTS, CAPS } from "./agent-cast";
import { Cleanup } from "./cleanup";
import { cleanUpOnExitOrSignal, makeTempRoot, printStepTimings, runDemo } from "./demo-run";
import { Narrator, seconds } from "./narrator";
import { OwnerInbox } from "./owner-inbox";
import { setUpPlatform, sweepThePool } from "./agents-platform";
import { admitAgents, claimDatabases, connectAgents, type Crew, deployEnvironments, describeEnvironments } from "./agents-morning";
import { overBudget, releaseAndExtend } from "./agents-afternoon";
import { checkNothingLeft, nightfall, verifyAuditTrail } from "./agents-night";

const STEPS = 14;

// The SDK warns once per process that its 2027 releases need Node 22; the lockfile pins today's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const narrator = new Narrator(STEPS);
const say = (text: string) => narrator.say(text);
const cleanup = new Cleanup();

async function main(): Promise<void> {
  introduce();
  makeTempRoot(cleanup, "ephemera-demo-agents-");
  cleanUpOnExitOrSignal(cleanup, narrator);
  const { emulator, inbox } = await narrator.step("Start the local AWS emulator", startLocalServices);
  const platform = await narrator.step(`Set up the platform: caps of ${CAPS.account} per account and ${CAPS.perOwner} per owner, a pool of ${CAPS.account}`, () =>
    setUpPlatform(emulator, inbox, narrator, cleanup),
  );
  await narrator.step("The first sweep fills the warm database pool (ephemera reap)", () => sweepThePool(platform, "fill"));
  const connected = await narrator.step(`${AGENTS.length} agents connect, each to its own ephemera mcp server`, () => connectAgents(platform));
  const admitted = await narrator.step("The agents ask for environments (admit_environment)", () => admitAgents(platform, connected));
  const crew: Crew = await narrator.step("The admitted agents claim warm databases (claim_database)", () => claimDatabases(platform, admitted));
  await narrator.step("The next sweep refills the pool (ephemera reap)", () => sweepThePool(platform, "refill"));
  await narrator.step(`Deploy the ${crew.length} environments with their claimed databases (terraform apply)`, () => deployEnvironments(platform, crew));
  await narrator.step("State, estimate and burn rate (ephemera ls, describe_environment)", () => describeEnvironments(platform, crew));
  await narrator.step("An agent over its budget: the spend meter pauses it within one sweep", () => overBudget(platform, crew));
  await narrator.step("An agent releases its environment; another extends its TTL", () => releaseAndExtend(platform, crew));
  await narrator.step("Night: one released, the rest reaped at expiry, the pool retired", () => nightfall(platform, crew));
  await narrator.step("Verify the audit trail (ephemera audit verify)", () => verifyAuditTrail(platform));
  await narrator.step("Nothing managed is left: discovery finds nothing; stop and clean up", () => checkNothingLeft(platform));
  printTimings();
}

function introduce(): void {
  narrator.line(`Ephemera agents demo: ${AGENTS.length} AI agents ask for environments through the MCP server, on a local AWS emulator.`);
  narrator.line("Everything runs on this machine; nothing reaches AWS. It takes about three minutes.");
}

/** Step 1: moto (or the running emulator EPHEMERA_DEMO_EMULATOR names) and the owners' inbox, each stopped at cleanup. */
async function startLocalServices(): Promise<{ emulator: Emulator; inbox: OwnerInbox }> {
  const external = process.env.EPHEMERA_DEMO_EMULATOR;
  const emulator = external === undefined || external === "" ? await startEmulator() : await emulatorAt(external);
  cleanup.add(external ? `left the emulator at ${emulator.endpoint} running (EPHEMERA_DEMO_EMULATOR)` : `stopped the emulator (${emulator.endpoint})`, () => emulator.stop());
  const inbox = await OwnerInbox.start();
  cleanup.add("stopped the owners' inbox endpoint", () => inbox.stop());
  say(`moto 5.2.1, with Ephemera's gap fixes from the test harness, is listening on ${emulator.endpoint} (account ${emulator.accountId}, ${emulator.region}).`);
  say("A local HTTP endpoint plays the owners' inbox: what the reaper tells owners arrives there.");
  return { emulator, inbox };
}

function printTimings(): void {
  const total = Date.now() - narrator.started;
  printStepTimings(narrator);
  narrator.line(
    `Demo finished in ${seconds(total)}: ${AGENTS.length} agents, ${CAPS.account} admitted and ${AGENTS.length - CAPS.account} refused, ` +
      "each admitted one deployed on a warm database, one paused by the spend meter, one released, one extended, everything reaped at night, " +
      "audit trail verified. Nothing is left running.",
  );
}

runDemo(main, { narrator, cleanup });
