import { parseArgs } from "node:util";
import { isUsableRunId } from "../audit/run-id";
import { SETTINGS, type SettingName } from "../model";
import type { SettingOverrides } from "../config/read-settings";
import { type Isolation, tryParseDuration, tryParseEnvId, tryParseInstant, tryParseIsolation, tryParseOwner, tryParseUsd } from "../model";
import { COMMANDS, type CommandName } from "./usage";
import { BASELINE_LABEL, CHECKPOINT_LABEL } from "../decision/plan-checkpoint";
import { isPlanHash } from "../decision/reviewed-plan";
import { MAX_AGENT_LENGTH } from "../traces/trace-input";

/** Bad arguments: exit status 2, and the message names the argument and shows a valid example. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    /** The command whose usage to point at. */
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

interface Common {
  readonly json: boolean;
  readonly overrides: SettingOverrides;
}

export type Command =
  | { readonly name: "help"; readonly topic?: CommandName }
  | (Common & { readonly name: "ls"; readonly now?: Date })
  | (Common & { readonly name: "extend"; readonly env: string; readonly duration: string; readonly by: number })
  | (Common & { readonly name: "pause" | "resume"; readonly env: string })
  | (Common & { readonly name: "checkpoint"; readonly env: string; readonly label?: string })
  | (Common & { readonly name: "checkpoints"; readonly env: string })
  | (Common & { readonly name: "claim"; readonly env: string; readonly owner: string; readonly ttl: string })
  | (Common & { readonly name: "admit"; readonly env: string; readonly owner: string; readonly ttl: string; readonly ttlMs: number; readonly budgetUsd?: number; readonly isolation?: Isolation })
  | (Common & { readonly name: "release"; readonly env: string; readonly discardData: boolean })
  | (Common & { readonly name: "provisioning"; readonly action: "status" | "pause" | "resume"; readonly reason?: string })
  | (Common & {
      readonly name: "reap";
      readonly now?: Date;
      readonly env?: string;
      readonly allowSimulatedClock: boolean;
      /** `--plan-out <file>`: make a reviewed plan and write it there (`-`: stdout). */
      readonly planOut?: string;
      /** `--plan <file>` or `--plan-hash <sha256>`: execute a reviewed plan. */
      readonly reviewed?: { readonly file: string } | { readonly hash: string };
    })
  | (Common & { readonly name: "audit-verify"; readonly runId?: string })
  | (Common & { readonly name: "rollback"; readonly env: string; readonly to: string })
  | (Common & { readonly name: "trace-append"; readonly env: string; readonly agent?: string; readonly message?: string })
  | (Common & { readonly name: "trace-show"; readonly env: string; readonly since?: Date })
  | (Common & { readonly name: "trace-verify"; readonly env: string })
  | (Common & { readonly name: "mcp" });

type Spec = { type: "string" | "boolean"; short?: string };
type Values = Readonly<Record<string, string | boolean | undefined>>;

/** Flags that override settings, by setting name (`--dry-run` is handled with the command flags). */
const SETTING_FLAGS = Object.fromEntries(
  (Object.keys(SETTINGS) as SettingName[]).filter((n) => n !== "dryRun").map((n) => [SETTINGS[n].flag.slice(2), n]),
) as Record<string, Exclude<SettingName, "dryRun">>;

const COMMON_OPTIONS: Record<string, Spec> = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  ...Object.fromEntries(Object.keys(SETTING_FLAGS).map((flag) => [flag, { type: "string" } as Spec])),
};

/** Reads argv (without `node` and the script): the command first, then its arguments and options. */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") return parseHelp(first, rest);
  const name = commandName(first);
  const { values, positionals } = parseOptions(name, rest);
  if (values.help === true) return { name: "help", topic: name };
  return COMMAND_PARSERS[name].parse(new CommandArgs(name, values, positionals));
}

/** `ephemera`, `ephemera --help`, `ephemera -h` and `ephemera help [<command>]`. */
function parseHelp(first: string | undefined, rest: readonly string[]): Command {
  const topic = first === "help" ? rest[0] : undefined;
  if (topic !== undefined && !isCommand(topic)) throw unknownCommand(topic);
  return { name: "help", ...(topic === undefined ? {} : { topic }) };
}

/** The first argument, which must be a command (not an option, not a misspelling). */
function commandName(first: string): CommandName {
  if (first.startsWith("-")) {
    throw new UsageError(`the command comes first, then its options: e.g. "ephemera ls ${first}" (commands: ${COMMANDS.join(", ")})`);
  }
  if (!isCommand(first)) throw unknownCommand(first);
  return first;
}

/** The options every command takes and the command's own, strictly: an unknown or malformed option is a usage error. */
function parseOptions(name: CommandName, rest: readonly string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({
      args: [...rest],
      options: { ...COMMON_OPTIONS, ...COMMAND_PARSERS[name].options },
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (err) {
    throw new UsageError(describeParseError(err, name), name);
  }
}

/** `--json` and the settings' flags (`--dry-run` among them), which every command shares. */
function commonOf(values: Values): Common {
  const overrides: Record<string, string | boolean> = {};
  for (const [flag, setting] of Object.entries(SETTING_FLAGS)) {
    const value = values[flag];
    if (typeof value === "string") overrides[setting] = value;
  }
  if (typeof values["dry-run"] === "boolean") overrides.dryRun = values["dry-run"];
  return { json: values.json === true, overrides: overrides as SettingOverrides };
}

/** One command's arguments as parseArgs read them, with the checks the command parsers share. */
class CommandArgs {
  readonly common: Common;

  constructor(
    readonly name: CommandName,
    readonly values: Values,
    private readonly positionals: readonly string[],
  ) {
    this.common = commonOf(values);
  }

  usage(message: string): UsageError {
    return new UsageError(message, this.name);
  }

  /** Exactly `count` positional arguments, or a usage error showing `shape` and an `example`. */
  positional(count: number, shape: string, example: string): readonly string[] {
    const { name, positionals } = this;
    if (positionals.length < count) throw this.usage(`ephemera ${name} needs ${shape}, e.g. ${example}`);
    if (positionals.length > count) {
      throw this.usage(`ephemera ${name} takes ${count === 0 ? "no arguments" : shape}, but was also given ${JSON.stringify(positionals[count])}; e.g. ${example}`);
    }
    return positionals;
  }

  envId(text: string, field: string): string {
    const env = tryParseEnvId(text, { field });
    if (!env.ok) throw this.usage(env.error.message);
    return env.value;
  }

  /** An ISO-8601 option (`--now`), when given. */
  instant(flag: string): Date | undefined {
    const text = this.values[flag];
    if (typeof text !== "string") return undefined;
    const parsedInstant = tryParseInstant(text, { field: `--${flag}` });
    if (!parsedInstant.ok) throw this.usage(parsedInstant.error.message);
    return parsedInstant.value;
  }

  /**
   * `--owner` (required, an AWS tag value: checked here, before anything is written) and `--ttl`
   * (8h by default): the grammar here; the max TTL is a setting, which the command applies.
   */
  ownerAndTtl(env: string): { owner: string; ttl: string; ttlMs: number } {
    const { name, values } = this;
    const owner = typeof values.owner === "string" ? values.owner.trim() : "";
    if (owner === "") throw this.usage(`ephemera ${name} needs --owner, the environment's owner, e.g. ephemera ${name} ${this.envId(env, "<env>")} --owner team@example.com`);
    const taggable = tryParseOwner(owner, { field: "--owner" });
    if (!taggable.ok) throw this.usage(taggable.error.message);
    const ttl = typeof values.ttl === "string" ? values.ttl.trim() : "8h";
    const parsedTtl = tryParseDuration(ttl, { field: "--ttl", max: Infinity });
    if (!parsedTtl.ok) throw this.usage(parsedTtl.error.message);
    return { owner, ttl, ttlMs: parsedTtl.value };
  }
}

/** A command's own options (besides the common ones) and how its arguments become a `Command`. */
interface CommandParser {
  readonly options: Readonly<Record<string, Spec>>;
  readonly parse: (args: CommandArgs) => Command;
}

function parseLs(args: CommandArgs): Command {
  args.positional(0, "no arguments", "ephemera ls --json");
  const now = args.instant("now");
  return { name: "ls", ...args.common, ...(now === undefined ? {} : { now }) };
}

function parseExtend(args: CommandArgs): Command {
  const [env, duration] = args.positional(2, "<env> and <duration>", "ephemera extend pr-123 4h");
  // The grammar now; the ceiling (the max TTL) once the settings are read.
  const by = tryParseDuration(duration!, { field: "duration", max: Infinity });
  if (!by.ok) throw args.usage(`${by.error.message}; e.g. ephemera extend ${args.envId(env!, "<env>")} 4h`);
  return { name: "extend", ...args.common, env: args.envId(env!, "<env>"), duration: duration!, by: by.value };
}

function parsePauseOrResume(name: "pause" | "resume"): (args: CommandArgs) => Command {
  return (args) => {
    const [env] = args.positional(1, "<env>", `ephemera ${name} pr-123`);
    return { name, ...args.common, env: args.envId(env!, "<env>") };
  };
}

function parseCheckpoint(args: CommandArgs): Command {
  const [env] = args.positional(1, "<env>", "ephemera checkpoint pr-123 --name before-migration");
  const name = args.values.name;
  // The label's rules here; whether it is taken, once the environment's checkpoints are seen.
  if (typeof name === "string" && !CHECKPOINT_LABEL.test(name)) {
    throw args.usage(`--name ${JSON.stringify(name.slice(0, 80))} is not 1 to 40 lowercase letters, digits and hyphens starting with a letter (and not ending with a hyphen); e.g. --name before-migration`);
  }
  if (name === BASELINE_LABEL) throw args.usage(`--name ${BASELINE_LABEL} is reserved for the snapshot the environment was restored from; choose another, e.g. --name before-migration`);
  return { name: "checkpoint", ...args.common, env: args.envId(env!, "<env>"), ...(typeof name === "string" ? { label: name } : {}) };
}

function parseCheckpoints(args: CommandArgs): Command {
  const [env] = args.positional(1, "<env>", "ephemera checkpoints pr-123");
  return { name: "checkpoints", ...args.common, env: args.envId(env!, "<env>") };
}

function parseAdmit(args: CommandArgs): Command {
  const [env] = args.positional(1, "<env>", "ephemera admit pr-123 --owner team@example.com");
  const given = args.ownerAndTtl(env!);
  const budgetText = args.values["budget-usd"];
  const budget = typeof budgetText === "string" ? tryParseUsd(budgetText, { field: "--budget-usd", example: "--budget-usd 25" }) : undefined;
  if (budget?.ok === false) throw args.usage(budget.error.message);
  const isolationText = args.values.isolation;
  const isolation = typeof isolationText === "string" ? tryParseIsolation(isolationText.trim(), { field: "--isolation" }) : undefined;
  if (isolation?.ok === false) throw args.usage(isolation.error.message);
  return {
    name: "admit",
    ...args.common,
    env: args.envId(env!, "<env>"),
    ...given,
    ...(budget?.ok === true ? { budgetUsd: budget.value } : {}),
    ...(isolation?.ok === true ? { isolation: isolation.value } : {}),
  };
}

function parseRelease(args: CommandArgs): Command {
  const [env] = args.positional(1, "<env>", "ephemera release pr-123");
  return { name: "release", ...args.common, env: args.envId(env!, "<env>"), discardData: args.values["discard-data"] === true };
}

function parseProvisioning(args: CommandArgs): Command {
  const [action] = args.positional(1, "status, pause or resume", "ephemera provisioning status");
  if (action !== "status" && action !== "pause" && action !== "resume") {
    throw args.usage(`unknown subcommand "provisioning ${action}"; use status, pause or resume, e.g. ephemera provisioning status`);
  }
  const reason = typeof args.values.reason === "string" ? args.values.reason.trim() : undefined;
  if (action === "status" && reason !== undefined) throw args.usage(`--reason goes with pause or resume, e.g. ephemera provisioning pause --reason "over plan"`);
  if (reason === "") throw args.usage(`--reason needs text, e.g. --reason "budget raised"`);
  return { name: "provisioning", ...args.common, action, ...(reason === undefined ? {} : { reason }) };
}

function parseClaim(args: CommandArgs): Command {
  const [env] = args.positional(1, "<env>", "ephemera claim pr-123 --owner team@example.com");
  const { owner, ttl } = args.ownerAndTtl(env!);
  return { name: "claim", ...args.common, env: args.envId(env!, "<env>"), owner, ttl };
}

function parseReap(args: CommandArgs): Command {
  args.positional(0, "no arguments", "ephemera reap --dry-run");
  const now = args.instant("now");
  const env = typeof args.values.env === "string" ? args.envId(args.values.env, "--env") : undefined;
  const planOut = nonEmpty(args, "plan-out", "--plan-out reviewed-plan.json");
  const reviewed = reviewedPlanArgs(args);
  // An executable plan is decided on the real clock: a simulated one's would act early or late.
  if (planOut !== undefined && now !== undefined) {
    throw args.usage("--plan-out makes a plan to execute, and such a plan is decided on the real clock: leave out --now (--now with --dry-run shows what a later sweep would do)");
  }
  if (reviewed !== undefined) {
    const other = [planOut === undefined ? undefined : "--plan-out", now === undefined ? undefined : "--now", env === undefined ? undefined : "--env", args.values["allow-simulated-clock"] === true ? "--allow-simulated-clock" : undefined].find((f) => f !== undefined);
    if (other !== undefined) throw args.usage(`${"file" in reviewed ? "--plan" : "--plan-hash"} executes the plan exactly as it was reviewed, so ${other} cannot be given with it; e.g. ephemera reap --plan reviewed-plan.json`);
  }
  return {
    name: "reap",
    ...args.common,
    allowSimulatedClock: args.values["allow-simulated-clock"] === true,
    ...(now === undefined ? {} : { now }),
    ...(env === undefined ? {} : { env }),
    ...(planOut === undefined ? {} : { planOut }),
    ...(reviewed === undefined ? {} : { reviewed }),
  };
}

/** `--plan <file>` or `--plan-hash <sha256>`, at most one, when given. */
function reviewedPlanArgs(args: CommandArgs): { file: string } | { hash: string } | undefined {
  const file = nonEmpty(args, "plan", "--plan reviewed-plan.json");
  const hash = nonEmpty(args, "plan-hash", "--plan-hash 3f9a…(64 hex digits)");
  if (file !== undefined && hash !== undefined) throw args.usage("give --plan <file> or --plan-hash <sha256>, not both: they name the same plan two ways");
  if (hash !== undefined && !isPlanHash(hash)) {
    throw args.usage(`--plan-hash ${JSON.stringify(hash.slice(0, 80))} is not a plan's hash: 64 lowercase hex digits, as ephemera reap --plan-out printed it`);
  }
  return file !== undefined ? { file } : hash !== undefined ? { hash } : undefined;
}

/** A string option's value, which must not be blank. */
function nonEmpty(args: CommandArgs, flag: string, example: string): string | undefined {
  const value = args.values[flag];
  if (typeof value !== "string") return undefined;
  if (value.trim() === "") throw args.usage(`--${flag} needs a value, e.g. ${example}`);
  return value.trim();
}

function parseAudit(args: CommandArgs): Command {
  const [sub] = args.positional(1, "a subcommand (verify)", "ephemera audit verify");
  if (sub !== "verify") throw args.usage(`unknown subcommand "audit ${sub}"; the only one is "audit verify", e.g. ephemera audit verify --json`);
  const runId = args.values.run;
  if (typeof runId === "string" && !isUsableRunId(runId)) {
    throw args.usage(`--run ${JSON.stringify(runId)} is not a run id; use one as printed by a run, such as "20260501T120000Z-3f9a1c2b"`);
  }
  return { name: "audit-verify", ...args.common, ...(typeof runId === "string" ? { runId } : {}) };
}

function parseRollback(args: CommandArgs): Command {
  const [env] = args.positional(1, "<env>", "ephemera rollback pr-123 --to baseline");
  const to = typeof args.values.to === "string" ? args.values.to.trim() : "";
  if (to === "") {
    throw args.usage(`ephemera rollback needs --to, the checkpoint to go back to (a label, a snapshot identifier, or baseline), e.g. ephemera rollback ${args.envId(env!, "<env>")} --to baseline`);
  }
  return { name: "rollback", ...args.common, env: args.envId(env!, "<env>"), to };
}

/** `trace append|show|verify <env>`, each with its own flags only. */
function parseTrace(args: CommandArgs): Command {
  const [sub, env] = args.positional(2, "a subcommand (append, show or verify) and <env>", "ephemera trace show pr-123");
  if (sub !== "append" && sub !== "show" && sub !== "verify") {
    throw args.usage(`unknown subcommand "trace ${sub}"; use append, show or verify, e.g. ephemera trace verify ${env}`);
  }
  const id = args.envId(env!, "<env>");
  const only = (flag: string, with_: string) => {
    if (args.values[flag] !== undefined && sub !== with_) throw args.usage(`--${flag} goes with trace ${with_}, e.g. ephemera trace ${with_} ${id} --${flag} ${TRACE_FLAG_EXAMPLES[flag]}`);
  };
  only("agent", "append");
  only("message", "append");
  only("since", "show");
  if (sub === "show") {
    const since = args.instant("since");
    return { name: "trace-show", ...args.common, env: id, ...(since === undefined ? {} : { since }) };
  }
  if (sub === "verify") return { name: "trace-verify", ...args.common, env: id };
  const { agent, message } = args.values;
  if (typeof agent === "string" && (agent.trim() === "" || agent.length > MAX_AGENT_LENGTH)) {
    throw args.usage(`--agent must be a name of 1 to ${MAX_AGENT_LENGTH} characters, e.g. --agent planner`);
  }
  return { name: "trace-append", ...args.common, env: id, ...(typeof agent === "string" ? { agent } : {}), ...(typeof message === "string" ? { message } : {}) };
}

const TRACE_FLAG_EXAMPLES: Readonly<Record<string, string>> = { agent: "planner", message: '"chose plan B"', since: "2026-05-01T12:00:00Z" };

function parseMcp(args: CommandArgs): Command {
  args.positional(0, "no arguments", "ephemera mcp");
  return { name: "mcp", ...args.common };
}

/** Each command: its own options and its parser. */
const COMMAND_PARSERS: Readonly<Record<CommandName, CommandParser>> = {
  ls: { options: { now: { type: "string" } }, parse: parseLs },
  extend: { options: { "dry-run": { type: "boolean" } }, parse: parseExtend },
  pause: { options: { "dry-run": { type: "boolean" } }, parse: parsePauseOrResume("pause") },
  resume: { options: { "dry-run": { type: "boolean" } }, parse: parsePauseOrResume("resume") },
  checkpoint: { options: { "dry-run": { type: "boolean" }, name: { type: "string" } }, parse: parseCheckpoint },
  checkpoints: { options: {}, parse: parseCheckpoints },
  claim: { options: { owner: { type: "string" }, ttl: { type: "string" } }, parse: parseClaim },
  admit: { options: { owner: { type: "string" }, ttl: { type: "string" }, "budget-usd": { type: "string" }, isolation: { type: "string" } }, parse: parseAdmit },
  release: { options: { "dry-run": { type: "boolean" }, "discard-data": { type: "boolean" } }, parse: parseRelease },
  provisioning: { options: { reason: { type: "string" } }, parse: parseProvisioning },
  reap: {
    options: {
      "dry-run": { type: "boolean" },
      now: { type: "string" },
      env: { type: "string" },
      "allow-simulated-clock": { type: "boolean" },
      "plan-out": { type: "string" },
      plan: { type: "string" },
      "plan-hash": { type: "string" },
    },
    parse: parseReap,
  },
  audit: { options: { run: { type: "string" } }, parse: parseAudit },
  rollback: { options: { to: { type: "string" }, "dry-run": { type: "boolean" } }, parse: parseRollback },
  trace: { options: { agent: { type: "string" }, message: { type: "string" }, since: { type: "string" } }, parse: parseTrace },
  mcp: { options: {}, parse: parseMcp },
};

function isCommand(text: string): text is CommandName {
  return (COMMANDS as readonly string[]).includes(text);
}

function unknownCommand(text: string): UsageError {
  const near = COMMANDS.find((c) => editDistance(c, text) <= 2);
  return new UsageError(
    `unknown command ${JSON.stringify(text)}${near ? `; did you mean "${near}"?` : ""} The commands are ${COMMANDS.join(", ")} (see ephemera --help)`,
  );
}

/** Node's parseArgs messages, rephrased to name the flag and the command's own usage. */
function describeParseError(err: unknown, command: CommandName): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const flag = /'(-[^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag !== undefined) {
    return `unknown option ${flag} for "ephemera ${command}"; see ephemera ${command} --help`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag !== undefined) {
    const name = flag.split(/[ ,]/)[0]!.replace(/^-\w, /, "");
    return message.includes("argument missing")
      ? `${name} needs a value, e.g. ${name} ${exampleValue(name)}`
      : `${name} does not take a value; write it alone, e.g. ephemera ${command} ${name}`;
  }
  return `${message} (see ephemera ${command} --help)`;
}

function exampleValue(flag: string): string {
  const examples: Record<string, string> = {
    "--now": "2026-05-01T12:00:00Z",
    "--env": "pr-123",
    "--name": "before-migration",
    "--run": "20260501T120000Z-3f9a1c2b",
    "--region": "us-east-1",
    "--audit-bucket": "acme-ephemera-audit",
    "--allowed-accounts": "123456789012",
    "--warning-window": "1h",
    "--max-ttl": "14d",
    "--max-envs-per-run": "10",
    "--iam-path": "/ephemera/",
    "--plan-out": "reviewed-plan.json",
    "--plan": "reviewed-plan.json",
    "--plan-hash": "<the 64 hex digits --plan-out printed>",
    "--max-plan-age": "1h",
    "--agent": "planner",
    "--message": '"chose plan B"',
    "--since": "2026-05-01T12:00:00Z",
  };
  return examples[flag] ?? "<value>";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
