import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { ISOLATION_LEVELS, tryParseEnvId } from "../model";
import type { EphemeraSettings } from "../config/read-settings";
import { type CliCall, flag, option } from "./command-line";
import { type CliOutcome, type JsonDocument, jsonDocument, toolError, toolResult, toolSuccess } from "./tool-call";

/** What a client may assume of a tool: all of them act on (or read) an AWS account, so openWorldHint is always true. */
export interface ToolHints {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: true;
}

/** One MCP tool: its contract, the CLI command it runs, and (rarely) how the command's outcome becomes its result. */
export interface EphemeraTool<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: Shape;
  readonly hints: ToolHints;
  /** The command line for validated arguments (`--json` and the configuration flags are added to it). */
  readonly call: (args: z.objectOutputType<Shape, z.ZodTypeAny>) => CliCall;
  /** Registered only when the settings allow it. @default always */
  readonly available?: (settings: EphemeraSettings) => boolean;
  /** The tool's result from the command's outcome. @default the command's document as is ({@link toolResult}) */
  readonly result?: (outcome: CliOutcome, args: z.objectOutputType<Shape, z.ZodTypeAny>) => CallToolResult;
  /** Arguments checked before any command runs: a message makes the call a tool error. */
  readonly check?: (args: z.objectOutputType<Shape, z.ZodTypeAny>) => string | undefined;
}

/** One tool's definition, typed by its own input schema, listed with the others. */
function tool<Shape extends z.ZodRawShape>(definition: EphemeraTool<Shape>): EphemeraTool {
  return definition as unknown as EphemeraTool;
}

const READ: ToolHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const write = (hints: { destructive: boolean; idempotent: boolean }): ToolHints => ({
  readOnlyHint: false,
  destructiveHint: hints.destructive,
  idempotentHint: hints.idempotent,
  openWorldHint: true,
});

const env = z.string().describe('The environment id (its ephemera:env tag), e.g. "pr-123".');
const dryRun = z.boolean().optional().describe("true: only show what would be done; change nothing and write no audit records.");
const now = z.string().optional().describe('Decide as if it were this ISO-8601 instant, e.g. "2026-05-01T12:00:00Z" (default: now).');
const owner = z.string().describe("The environment's owner (its ephemera:owner tag): an email address or an SNS topic ARN.");
const ttl = z.string().optional().describe('How long the environment lives, in the ttl grammar: "90m", "8h", "1d12h" (default 8h; at most the max TTL).');
const confirm = z
  .string()
  .optional()
  .describe(
    'The environment id again, exactly as env (e.g. "pr-123"), to confirm that a person agreed to this destructive call. ' +
      "Required unless dryRun is true: without it, or with any other value, the call is refused and nothing is done.",
  );

/**
 * The check of a destructive tool: `confirm` must equal `env`, so that one wrong argument
 * (or an agent acting on its own) cannot pause or release an environment. A dry run
 * changes nothing, so it needs no confirmation.
 */
function confirmed(verb: "pause" | "release" | "roll back") {
  return (args: { env: string; confirm?: string | undefined; dryRun?: boolean | undefined }): string | undefined =>
    confirmedValue({ value: args.env, name: "the environment id", what: `${verb} it` }, args);
}

/** `confirm` must repeat `expected.value` (an environment id, a plan's hash) unless the call is a dry run. */
function confirmedValue(expected: { value: string; name: string; what: string }, args: { confirm?: string | undefined; dryRun?: boolean | undefined }): string | undefined {
  if (args.dryRun === true || args.confirm === expected.value) return undefined;
  const given = args.confirm === undefined ? "it was not given" : `it was ${JSON.stringify(args.confirm.slice(0, 80))}`;
  return (
    `confirm must equal ${expected.name} ${JSON.stringify(expected.value)} to ${expected.what} (${given}); nothing was done. ` +
    `Ask a person first, then call again with confirm: ${JSON.stringify(expected.value)}, or with dryRun: true to only see the plan`
  );
}

export const EPHEMERA_TOOLS: readonly EphemeraTool[] = [
  tool({
    name: "list_environments",
    title: "List environments",
    description:
      "Every environment in the account: state, owner, expiry, seconds left, budget, spend so far and resources per kind (ephemera ls --json, version 1). " +
      "An error with complete: false means a listing failed and the list may be incomplete.",
    inputSchema: { now },
    hints: READ,
    call: (args) => ({ command: "ls", options: option("now", args.now) }),
  }),
  tool({
    name: "describe_environment",
    title: "Describe an environment",
    description: "One environment's entry of list_environments (the same fields): state, owner, expiry, seconds left, budget, spend and resources.",
    inputSchema: { env },
    hints: READ,
    check: (args) => {
      const parsed = tryParseEnvId(args.env, { field: "env" });
      return parsed.ok ? undefined : `ephemera: ${parsed.error.message}`;
    },
    call: () => ({ command: "ls" }),
    result: (outcome, args) => {
      const listing = outcome.code === 0 ? jsonDocument(outcome.stdout) : undefined;
      if (listing === undefined) return toolResult(outcome);
      const environments = Array.isArray(listing.environments) ? (listing.environments as JsonDocument[]) : [];
      const entry = environments.find((e) => e.env === args.env);
      return entry === undefined
        ? toolError(`no environment ${args.env} was found (list_environments shows the ${environments.length} there are)`)
        : toolSuccess(entry, outcome.stderr);
    },
  }),
  tool({
    name: "admit_environment",
    title: "Admit an environment",
    description:
      "Admits a new environment before it is deployed, if the account's caps allow it: live environments in the account and per owner, " +
      "the largest budget, an isolation level the platform offers, and provisioning not paused (ephemera admit). A refusal is an error carrying the reason. Admitting a live environment again is allowed.",
    inputSchema: {
      env,
      owner,
      ttl,
      budgetUsd: z.number().optional().describe("The environment's budget in USD (its ephemera:budget-usd tag)."),
      isolation: z.enum(ISOLATION_LEVELS).optional().describe('How its pods are isolated from the node\'s kernel: "none" (default), "gvisor" or "kata"; refused when the platform does not offer it.'),
    },
    hints: write({ destructive: false, idempotent: true }),
    call: (args) => ({
      command: "admit",
      options: [...option("owner", args.owner), ...option("ttl", args.ttl), ...option("budget-usd", args.budgetUsd), ...option("isolation", args.isolation)],
      positionals: [args.env],
    }),
  }),
  tool({
    name: "extend_environment",
    title: "Extend an environment",
    description:
      "Pushes an environment's expiry out: the new expiry is max(current expiry, now) + duration, capped at now + the max TTL; it never shortens (ephemera extend). " +
      "Audited. Each call adds time again, so it is not idempotent.",
    inputSchema: {
      env,
      duration: z.string().describe('How much longer, in whole units largest first: "90m", "4h", "1d12h", "1w" (at most the max TTL).'),
      dryRun,
    },
    hints: write({ destructive: false, idempotent: false }),
    call: (args) => ({ command: "extend", options: flag("dry-run", args.dryRun), positionals: [args.env, args.duration] }),
  }),
  tool({
    name: "pause_environment",
    title: "Pause an environment",
    description:
      "Stops an environment's spending and keeps its data: scales its workloads and node group to zero (sizes remembered), stops its database and instances, " +
      "and marks it paused (ephemera pause). Audited. resume_environment reverses it. " +
      "Destructive: refused unless confirm is the environment id (ask a person first); a dryRun needs no confirm.",
    inputSchema: { env, confirm, dryRun },
    hints: write({ destructive: true, idempotent: true }),
    check: confirmed("pause"),
    call: (args) => ({ command: "pause", options: flag("dry-run", args.dryRun), positionals: [args.env] }),
  }),
  tool({
    name: "resume_environment",
    title: "Resume an environment",
    description: "The exact reverse of pause_environment: database first, workloads last, sizes restored, marked active (ephemera resume). Audited.",
    inputSchema: { env, dryRun },
    hints: write({ destructive: false, idempotent: true }),
    call: (args) => ({ command: "resume", options: flag("dry-run", args.dryRun), positionals: [args.env] }),
  }),
  tool({
    name: "release_environment",
    title: "Release an environment",
    description:
      "Reaps an environment now, as the reaper does once it has expired: its resources are deleted (ephemera release). Audited; cannot be undone. " +
      "Destructive: refused unless confirm is the environment id (ask a person first); a dryRun needs no confirm. " +
      'An environment whose ephemera:on-expiry is "pause" (its owner asked for its data to be kept) is refused unless discardData is true.',
    inputSchema: {
      env,
      confirm,
      discardData: z
        .boolean()
        .optional()
        .describe(
          'true: release an environment whose ephemera:on-expiry is "pause" anyway, discarding its data (databases get a final snapshot; buckets, volumes and namespaces are deleted). ' +
            "Without it such a release is refused (ephemera release --discard-data).",
        ),
      dryRun,
    },
    hints: write({ destructive: true, idempotent: true }),
    check: confirmed("release"),
    call: (args) => ({ command: "release", options: [...flag("discard-data", args.discardData), ...flag("dry-run", args.dryRun)], positionals: [args.env] }),
  }),
  tool({
    name: "checkpoint",
    title: "Checkpoint an environment",
    description:
      "Takes a manual snapshot of an environment's database as one of its checkpoints, optionally labelled (ephemera checkpoint): deleted with the environment, its storage billed. " +
      "A paused environment can be checkpointed. Past the limit (EPHEMERA_MAX_CHECKPOINTS, default 5) the oldest label-less checkpoint is replaced in the same run; " +
      "when every one is labelled it is a tool error naming the fix. Audited. Each call takes a new snapshot, so it is not idempotent.",
    inputSchema: {
      env,
      name: z
        .string()
        .optional()
        .describe('A label, e.g. "before-migration": 1 to 40 lowercase letters, digits and hyphens, starting with a letter, unique among the environment\'s checkpoints; "baseline" is reserved.'),
      dryRun,
    },
    hints: write({ destructive: false, idempotent: false }),
    call: (args) => ({ command: "checkpoint", options: [...option("name", args.name), ...flag("dry-run", args.dryRun)], positionals: [args.env] }),
  }),
  tool({
    name: "list_checkpoints",
    title: "List an environment's checkpoints",
    description:
      "An environment's checkpoints, newest first: label (null for none), snapshot, time, size in GiB, state (with progress while creating) and estimated monthly cost in USD; " +
      "then its baseline, the snapshot it was restored from (ephemera checkpoints --json, version 1).",
    inputSchema: { env },
    hints: READ,
    call: (args) => ({ command: "checkpoints", positionals: [args.env] }),
  }),
  tool({
    name: "rollback",
    title: "Roll back an environment's database",
    description:
      "Puts the environment's database back to a checkpoint (list_checkpoints; baseline is the snapshot it was restored from): the checkpoint is restored beside it " +
      "and swapped in under the same identifier, so the endpoint and the credentials secret the workloads use stay the same (ephemera rollback). " +
      "The replaced database is kept as a label-less checkpoint. Audited; holds the environment's lease until done; a paused environment stays paused. " +
      "Calling it again resumes a rollback that stopped halfway. " +
      "Destructive (the database's current data is replaced): refused unless confirm is the environment id (ask a person first); a dryRun needs no confirm.",
    inputSchema: {
      env,
      to: z.string().describe('The checkpoint: its label (e.g. "before-migration"), its snapshot identifier, or "baseline".'),
      confirm,
      dryRun,
    },
    hints: write({ destructive: true, idempotent: false }),
    check: confirmed("roll back"),
    call: (args) => ({ command: "rollback", options: [...option("to", args.to), ...flag("dry-run", args.dryRun)], positionals: [args.env] }),
  }),
  tool({
    name: "plan_reap",
    title: "Plan a reaper sweep",
    description:
      "What one sweep of the reaper would do, with exactly its rules (warn before expiry, reap after, pause over budget, never touch protected or malformed environments), " +
      "acting on nothing (ephemera reap --plan-out=-). Without now, the result is a reviewed plan: reviewed (format, hash, plan: the environments' actions and every resource as it was seen), " +
      "planHash, and environments (what it would do to each); the plan is stored once in the audit bucket under its hash, so execute_reap_plan can run exactly it within EPHEMERA_MAX_PLAN_AGE (default 1h). " +
      "With now (which can be in the future: what a later sweep would do) it is only a dry run, with no hash: a simulated clock's plan cannot be executed.",
    inputSchema: { env: env.optional().describe('Only this environment, e.g. "pr-123" (default: all).'), now },
    // Writes one object, the plan, under its hash, and nothing else; each call decides at its own instant, so stores a plan of its own.
    hints: write({ destructive: false, idempotent: false }),
    call: (args) => ({ command: "reap", options: args.now === undefined ? ["--plan-out=-", ...option("env", args.env)] : ["--dry-run", ...option("env", args.env), ...option("now", args.now)] }),
  }),
  tool({
    name: "execute_reap_plan",
    title: "Execute a reviewed reap plan",
    description:
      "Executes the plan plan_reap returned, by its planHash, exactly as it was reviewed and at most once (ephemera reap --plan-hash): each environment is acted on only if its resources " +
      "still have the tags and status the plan saw and none were added; a drifted environment is skipped and reported (skipped, with what changed), never decided again. " +
      "Refused when the plan is older than EPHEMERA_MAX_PLAN_AGE (default 1h, by S3's clock), from another account, or executed already: then make a new plan. Audited; the run names the plan's hash. " +
      "Destructive (it deletes and pauses what the plan says): refused unless confirm is the planHash (ask a person to review the plan first); a dryRun needs no confirm and claims nothing.",
    inputSchema: {
      planHash: z.string().describe("The plan's hash, as plan_reap returned it: 64 lowercase hex digits."),
      confirm: z
        .string()
        .optional()
        .describe("The planHash again, exactly, to confirm that a person reviewed the plan and agreed to execute it. Required unless dryRun is true: without it, or with any other value, the call is refused and nothing is done."),
      dryRun: z.boolean().optional().describe("true: only check the plan and report what would run and what drifted; change nothing, claim nothing, write no audit records."),
    },
    hints: write({ destructive: true, idempotent: false }),
    check: (args) => confirmedValue({ value: args.planHash, name: "the planHash", what: "execute the plan" }, args),
    call: (args) => ({ command: "reap", options: [...option("plan-hash", args.planHash), ...flag("dry-run", args.dryRun)] }),
  }),
  tool({
    name: "claim_database",
    title: "Claim a warm database",
    description:
      'Takes the freshest warm database of the pool for an environment, before its deploy: sets it a new master password, kept in a credentials secret created for the environment, and tags it and its own security group the environment\'s (ephemera claim). Audited. ' +
      'The result\'s database, securityGroupId and secretArn are what the environment\'s stack imports (EPHEMERA_CLAIMED_DATABASE, EPHEMERA_CLAIMED_SECURITY_GROUP, EPHEMERA_CLAIMED_SECRET). ' +
      'Claiming again for the same environment resumes its claim. status "empty" (fallback "fresh-restore") means no warm database was free.',
    inputSchema: { env, owner, ttl },
    hints: write({ destructive: false, idempotent: true }),
    available: (settings) => settings.pool !== undefined,
    call: (args) => ({ command: "claim", options: [...option("owner", args.owner), ...option("ttl", args.ttl)], positionals: [args.env] }),
  }),
  tool({
    name: "verify_audit",
    title: "Verify the audit trail",
    description: "Checks the hash chain of every run's audit records, or one run's: each record's hash, its link to the one before, and the run's closing record (ephemera audit verify).",
    inputSchema: { runId: z.string().optional().describe('One run\'s id, as a run prints it, e.g. "20260501T120000Z-3f9a1c2b" (default: every run).') },
    hints: READ,
    call: (args) => ({ command: "audit", options: option("run", args.runId), positionals: ["verify"] }),
  }),
  tool({
    name: "record_decision",
    title: "Record a decision",
    description:
      "Appends to the environment's decision trace (ephemera trace append): one record from message, or one per object of records " +
      '(each object\'s fields are the record\'s data, with an optional "time"). The agent of every record is this MCP client\'s name from its handshake. ' +
      "Hash-chained and write-once in the audit bucket; the reaper seals the trace when it reaps or releases the environment. " +
      "Each call adds records, so it is not idempotent. A record over 64 KiB, a bad time or an unknown environment is a tool error and nothing is written.",
    inputSchema: {
      env,
      message: z.string().optional().describe('The decision, as text, e.g. "chose the blue-green deploy: the migration is not reversible".'),
      records: z
        .array(z.record(z.unknown()))
        .optional()
        .describe('Several records at once, in order, each a JSON object of free fields, e.g. [{"step":"plan","chose":"B","why":"cheaper"}]. Give message or records, not both.'),
      time: z.string().optional().describe('When it was decided, an ISO-8601 instant such as "2026-05-01T12:00:00Z" (default: now); a record\'s own "time" wins.'),
    },
    hints: write({ destructive: false, idempotent: false }),
    check: (args) => {
      const parsed = tryParseEnvId(args.env, { field: "env" });
      if (!parsed.ok) return `ephemera: ${parsed.error.message}`;
      if ((args.message === undefined) === (args.records === undefined)) return "give message (one record) or records (several), exactly one of them; nothing was written";
      if (args.records?.length === 0) return "records is empty; give at least one object, or message; nothing was written";
      return undefined;
    },
    call: (args) => ({ command: "trace", positionals: ["append", args.env], stdin: decisionLines(args) }),
  }),
  tool({
    name: "show_trace",
    title: "Show a decision trace",
    description:
      "The environment's decision trace, in order (ephemera trace show --json, version 1): each record's seq, time, agent, data and hashes, " +
      "with its batch and the batch's write time (S3's clock).",
    inputSchema: { env, since: z.string().optional().describe('Only records from this ISO-8601 instant on, e.g. "2026-05-01T12:00:00Z".') },
    hints: READ,
    call: (args) => ({ command: "trace", options: option("since", args.since), positionals: ["show", args.env] }),
  }),
  tool({
    name: "provisioning_status",
    title: "Provisioning status",
    description: "Whether provisioning new environments is paused (the platform budget pauses it), and since when and why (ephemera provisioning status).",
    inputSchema: {},
    hints: READ,
    call: () => ({ command: "provisioning", positionals: ["status"] }),
  }),
];

/** record_decision's records as the JSON lines `trace append` reads: `time` given to each record that has none. */
function decisionLines(args: { message?: string | undefined; records?: Record<string, unknown>[] | undefined; time?: string | undefined }): string {
  const records = args.records ?? [{ message: args.message }];
  return records.map((r) => JSON.stringify(args.time === undefined || r.time !== undefined ? r : { ...r, time: args.time })).join("\n");
}

/** The tools a server with these settings offers. */
export function availableTools(settings: EphemeraSettings): EphemeraTool[] {
  return EPHEMERA_TOOLS.filter((t) => t.available?.(settings) ?? true);
}

/** The MCP annotations of a tool: its title and hints. */
export function toolAnnotations(t: EphemeraTool): ToolAnnotations {
  return { title: t.title, ...t.hints };
}
