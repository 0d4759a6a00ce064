/**
 * The morning of `npm run demo:agents`: the agents connect to `ephemera mcp`, ask to be
 * admitted, claim warm databases and deploy their environments.
 */
import { mapWithLimit } from "../reaper/support/map-with-limit";
import { AGENTS, CAPS } from "./agent-cast";
import { deployWithClaimedDatabase } from "./agent-environments";
import { type Platform, poolLine } from "./agents-platform";
import { type Admission, McpAgent } from "./mcp-agent";
import { seconds } from "./narrator";

/** An admitted agent and the warm database it claimed. */
export interface CrewMember {
  readonly agent: McpAgent;
  readonly database: string;
  readonly securityGroupId: string;
  /** The environment's credentials secret the claim wrote, which the environment's apply imports. */
  readonly secretArn: string;
}
export type Crew = readonly CrewMember[];

/**
 * How many environments are applied at once. An apply on the warm path waits on nothing
 * (no database is restored or modified): it is CPU, Terraform and its provider plugin
 * starting and refreshing. Eight at once on 2 cores beside a parallel test run took 2m15s
 * each and once failed an apply; four at once finish the eight as soon, each in seconds.
 */
const DEPLOY_CONCURRENCY = 4;

/** Step 4: one `ephemera mcp` server per agent, each driven by the SDK's client over stdio. */
export async function connectAgents({ narrator, settings, cleanup }: Platform): Promise<McpAgent[]> {
  narrator.say(
    "Each agent is the official MCP client (@modelcontextprotocol/sdk's Client over StdioClientTransport), named after its task's environment. " +
      "It starts its own `ephemera mcp` server from this checkout, as docs/mcp.md says, with the operator's settings, and talks to it on the server's stdin and stdout:",
  );
  narrator.command(`node scripts/run-ts.mjs reaper/cli/bin.ts mcp    # ${AGENTS.length} of them, one per agent, started at once`);
  const agents = await Promise.all(AGENTS.map((spec) => McpAgent.connect(spec, settings)));
  cleanup.add("closed every agent's MCP session (its server exits when its stdin closes)", async () => {
    await Promise.all(agents.map((a) => a.close()));
  });
  const servers = await Promise.all(agents.map((a) => a.server()));
  const [first] = servers;
  if (first === undefined || servers.some((s) => s.tools.join() !== first.tools.join()) || !first.tools.includes("claim_database")) {
    throw new Error(`the agents' servers do not offer the same tools, claim_database among them: ${JSON.stringify(servers.map((s) => s.tools))}`);
  }
  narrator.show(
    [
      `${agents.map((a) => a.env).join(", ")}:`,
      `  each connected to ${first.name} ${first.version}, ${first.tools.length} tools: ${first.tools.join(", ")}`,
    ].join("\n"),
  );
  narrator.say("claim_database is offered because the settings configure a warm database pool.");
  return agents;
}

/** Step 5: the first wave of nine at once, then three more at once; exactly eight admitted, two refused by each cap. */
export async function admitAgents({ narrator }: Platform, agents: readonly McpAgent[]): Promise<McpAgent[]> {
  narrator.say(
    `Before it deploys, every agent asks admit_environment (ephemera admit): ${CAPS.account} live environments per account at most, ${CAPS.perOwner} per owner. ` +
      "Alice runs five agents, Bob and Carol two each: these nine ask at once. Then Dave's, Erin's and Frank's agents ask, at once too.",
  );
  const decided: { agent: McpAgent; admission: Admission }[] = [];
  for (const wave of [1, 2] as const) {
    const asking = agents.filter((a) => a.spec.wave === wave);
    narrator.command(`admit_environment {env, owner, ttl, budgetUsd}    # ${asking.length} agents at once: ${asking.map((a) => a.env).join(", ")}`);
    const answers = await Promise.all(asking.map(async (agent) => ({ agent, admission: await agent.admit() })));
    narrator.show(answers.map(({ agent, admission }) => admissionRow(agent, admission)).join("\n"));
    decided.push(...answers);
  }
  checkAdmissions(decided.map(({ admission }) => admission));
  const contention = decided.reduce((n, { agent }) => n + agent.contention, 0);
  if (contention > 0) {
    narrator.say(
      `${contention} time(s) an admit answered "contention": another admit had written the register's next version first. The agent asked again, ` +
        "as docs/admission.md says to, and its second decision counted the winner.",
    );
  }
  narrator.say(
    `Eight admitted, four refused: two of Alice's by the owner cap (she already had ${CAPS.perOwner}), and two of the second wave by the account cap ` +
      `(the first wave left one place of ${CAPS.account}). Each decision is an audited run, and each reservation is a version of the register in the audit bucket, ` +
      "so concurrent admits cannot go over a cap. The refused agents stop here and close their sessions.",
  );
  const refused = decided.filter(({ admission }) => admission.status !== "admitted").map(({ agent }) => agent);
  await Promise.all(refused.map((a) => a.close()));
  return decided.filter(({ admission }) => admission.status === "admitted").map(({ agent }) => agent);
}

function admissionRow(agent: McpAgent, admission: Admission): string {
  const who = `${agent.env}  ${agent.spec.owner.padEnd(18)}`;
  const retried = agent.contention > 0 ? ` (after ${agent.contention} contention answer(s))` : "";
  if (admission.status === "admitted") return `${who} admitted (${admission.basis ?? "new"})${retried}`;
  return `${who} REFUSED (${admission.limit}): ${admission.reason}${retried}`;
}

/** The story's outcome, whatever the order the requests were decided in: else the step fails. */
function checkAdmissions(admissions: readonly Admission[]): void {
  const count = (f: (a: Admission) => boolean) => admissions.filter(f).length;
  const admitted = count((a) => a.status === "admitted");
  const byOwnerCap = count((a) => a.limit === "max-environments-per-owner");
  const byAccountCap = count((a) => a.limit === "max-environments");
  if (admitted !== CAPS.account || byOwnerCap !== 2 || byAccountCap !== 2) {
    throw new Error(`expected ${CAPS.account} admitted and 2 refused by each cap, got ${admitted} admitted, ${byOwnerCap} by the owner cap, ${byAccountCap} by the account cap`);
  }
}

/** Step 6: every admitted agent claims a warm database at once; the pool is empty afterwards. */
export async function claimDatabases({ narrator, ephemera }: Platform, admitted: readonly McpAgent[]): Promise<Crew> {
  narrator.say(
    "Each admitted agent claims a warm database before it deploys (claim_database, ephemera claim): the freshest warm database is tagged the " +
      "environment's and gets a new master password nobody has seen, kept in a credentials secret the environment owns. The claim record is a lock in the audit bucket, so of concurrent claims " +
      "exactly one takes each database; the others move on to the next.",
  );
  narrator.command(`claim_database {env, owner, ttl}    # ${admitted.length} agents at once`);
  const claims = await Promise.all(admitted.map(async (agent) => ({ agent, claim: await agent.claim() })));
  narrator.show(claims.map(({ agent, claim }) => `${agent.env}  ${claim.status} ${claim.database ?? claim.message ?? ""}${claim.runId ? `  (audit run ${claim.runId})` : ""}`).join("\n"));
  const databases = new Set(claims.map(({ claim }) => claim.database));
  if (claims.some(({ claim }) => claim.status !== "claimed" || claim.securityGroupId === undefined || claim.secretArn === undefined) || databases.size !== claims.length) {
    throw new Error(`every admitted agent should hold a database of its own: ${JSON.stringify(claims.map(({ claim }) => claim))}`);
  }
  narrator.command("ephemera ls    # its pool line");
  narrator.show(await poolLine(ephemera));
  return claims.map(({ agent, claim }) => ({ agent, database: claim.database!, securityGroupId: claim.securityGroupId!, secretArn: claim.secretArn! }));
}

/** Step 8: each environment stack applied with its claimed database (imported, not restored), all at once. */
export async function deployEnvironments(platform: Platform, crew: Crew): Promise<void> {
  const { narrator, emulator, infra, pauseTopicArn, cleanup } = platform;
  narrator.say(
    "Each agent's pipeline deploys its environment stack with EPHEMERA_CLAIMED_DATABASE, EPHEMERA_CLAIMED_SECURITY_GROUP and EPHEMERA_CLAIMED_SECRET set (claim_database's " +
      "database, securityGroupId and secretArn): the stack imports the claimed database, its own security group and its credentials secret into its state and adds the " +
      "environment's ingress rules to that group, instead of restoring a database. Nothing on the database itself changes, so RDS is not asked " +
      "to modify it. Only the AWS parts are applied: Spot node group, database, security groups, IAM roles, budget.",
  );
  narrator.say(
    `All ${crew.length} are applied at once, each its own terraform process.`,
  );
  narrator.command(`terraform apply    # env-${crew[0]!.agent.env} … env-${crew.at(-1)!.agent.env}, ${DEPLOY_CONCURRENCY} at a time`);
  const started = Date.now();
  const deployed = await mapWithLimit(crew, DEPLOY_CONCURRENCY, (m) => deployWithClaimedDatabase(emulator, infra, pauseTopicArn, m.agent.spec, m, cleanup));
  narrator.show(
    deployed
      .map((d) => `env-${d.env}: ${d.resources} AWS resources in ${seconds(d.applyMs)} (slowest: ${d.slowest}); database ${d.outputs.database_endpoint} (${d.outputs.database_source})`)
      .join("\n"),
  );
  for (const d of deployed.filter((x) => x.retriedAfter !== undefined)) {
    narrator.say(`env-${d.env}: its first apply stopped (${d.retriedAfter}); the second apply converged from the state the first left.`);
  }
  const restored = deployed.filter((d) => d.outputs.database_source !== "pool");
  if (restored.length > 0) throw new Error(`these restored a database instead of importing their claimed one: ${restored.map((d) => d.env).join(", ")}`);
  narrator.say(`${deployed.length} environments applied in ${seconds(Date.now() - started)} of wall time, each on its claimed database (database_source: pool).`);
}

/** Step 9: the operator's table, and each agent's own view of its environment. */
export async function describeEnvironments({ narrator, ephemera }: Platform, crew: Crew): Promise<void> {
  narrator.say(
    "The operator's view. BUDGETS SAY is what AWS Budgets reports, hours late on AWS (the emulator reports none); ESTIMATE and BURN/H are the " +
      "reaper's own spend meter, from what runs and for how long. Each database is a db.t4g.micro; the Spot node groups run no instances on the emulator.",
  );
  await ephemera(["ls"]);
  narrator.say("Each agent's own view: describe_environment, its environment's entry of list_environments (ls --json):");
  narrator.command(`describe_environment {env}    # ${crew.length} agents`);
  const entries = await Promise.all(crew.map((m) => m.agent.describe()));
  narrator.show(
    entries
      .map((e) => `${e.env}: ${e.state}, expires ${e.expiresAt}, budget $${e.budgetUsd}, estimate $${e.estimatedSpendUsd?.toFixed(4)}, burn $${e.burnUsdPerHour?.toFixed(4)}/h`)
      .join("\n"),
  );
  const inactive = entries.filter((e) => e.state !== "active");
  if (inactive.length > 0) throw new Error(`not active after the deploy: ${inactive.map((e) => `${e.env} ${e.state}`).join(", ")}`);
}
