/**
 * Who asks for environments in `npm run demo:agents`: twelve agents of six owners, under
 * a cap of eight live environments per account and three per owner.
 *
 * Nine ask at once, then three more. Alice runs five agents: the owner cap admits three of
 * them, whichever ask first, and refuses two. With Bob's and Carol's two each, the first
 * wave admits seven: the account cap (eight) cannot be reached by it, so nobody in it is
 * refused by that. The second wave, of three owners with one agent each, finds one place
 * left: one is admitted, two are refused by the account cap. So exactly eight are
 * admitted and four refused, two by each cap, however the requests interleave.
 */

/** One agent: its environment (its id is the agent's name) and what it asks admission for. */
export interface AgentSpec {
  /** The agent's name: its MCP client name and its environment's id. */
  readonly name: string;
  readonly owner: string;
  /** 1: the nine that ask at once first; 2: the three that ask at once after them. */
  readonly wave: 1 | 2;
  readonly ttl: string;
  readonly budgetUsd: number;
  /** What the agent is doing, for the narration. */
  readonly task: string;
}

/** EPHEMERA_MAX_ENVIRONMENTS and EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER. */
export const CAPS = { account: 8, perOwner: 3 } as const;

/** The environments' TTL; EXTENDED's agent adds EXTEND_BY to it. */
export const TTL = "4h";
export const EXTEND_BY = "4h";

const agent = (n: number, owner: string, wave: 1 | 2, task: string, budgetUsd = 10): AgentSpec => ({
  name: `agent-${String(n).padStart(2, "0")}`,
  owner: `${owner}@example.com`,
  wave,
  ttl: TTL,
  budgetUsd,
  task,
});

export const AGENTS: readonly AgentSpec[] = [
  agent(1, "alice", 1, "fix a flaky checkout test"),
  agent(2, "alice", 1, "bump the ORM"),
  agent(3, "alice", 1, "profile the search endpoint"),
  agent(4, "alice", 1, "reproduce issue 4411"),
  agent(5, "alice", 1, "write the migration for invoices"),
  agent(6, "bob", 1, "load-test the new cache", 0.5),
  agent(7, "bob", 1, "review PR 812 in a live stack"),
  agent(8, "carol", 1, "run the nightly data check"),
  agent(9, "carol", 1, "debug the payment webhook"),
  agent(10, "dave", 2, "try the new auth flow"),
  agent(11, "erin", 2, "regenerate the API client"),
  agent(12, "frank", 2, "check the upgrade to Postgres 16"),
];

/**
 * The agents with a part of their own in the story; each is always admitted (Bob's and
 * Carol's two each fit under both caps in the first wave).
 */
export const OVER_BUDGET = "agent-06";
export const RELEASED = "agent-08";
export const EXTENDED = "agent-09";

/** The platform's names, seeded on the emulator (the e2e test reads the audit bucket afterwards). */
export const AUDIT_BUCKET = "acme-ephemera-audit";
export const PAUSE_TOPIC = "ephemera-pause";
export const OWNER_TOPIC = "ephemera-owners";

/** The load test OVER_BUDGET's agent starts: on-demand instances tagged as its environment. */
export const LOAD_TEST = { count: 4, instanceType: "m5.xlarge" } as const;

/** The reaper's sweep interval (the Reaper construct's default schedule). */
export const SWEEP_MINUTES = 5;
