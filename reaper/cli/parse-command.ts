import { parseArgs } from "node:util";
import { isUsableRunId } from "../audit/run-id";
import { SETTINGS, type SettingName } from "../model";
import type { SettingOverrides } from "../runtime/settings";
import { tryParseDuration, tryParseEnvId, tryParseInstant, tryParseOwner, tryParseUsd } from "../model";
import { COMMANDS, type CommandName } from "./usage";

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
  | (Common & { readonly name: "claim"; readonly env: string; readonly owner: string; readonly ttl: string })
  | (Common & { readonly name: "admit"; readonly env: string; readonly owner: string; readonly ttl: string; readonly ttlMs: number; readonly budgetUsd?: number })
  | (Common & { readonly name: "release"; readonly env: string; readonly discardData: boolean })
  | (Common & { readonly name: "provisioning"; readonly action: "status" | "pause" | "resume"; readonly reason?: string })
  | (Common & {
      readonly name: "reap";
      readonly now?: Date;
      readonly env?: string;
      readonly allowSimulatedClock: boolean;
    })
  | (Common & { readonly name: "audit-verify"; readonly runId?: string })
  | (Common & { readonly name: "mcp" });

type Spec = { type: "string" | "boolean"; short?: string };

/** Flags that override settings, by setting name (`--dry-run` is handled with the command flags). */
const SETTING_FLAGS = Object.fromEntries(
  (Object.keys(SETTINGS) as SettingName[]).filter((n) => n !== "dryRun").map((n) => [SETTINGS[n].flag.slice(2), n]),
) as Record<string, Exclude<SettingName, "dryRun">>;

const COMMON_OPTIONS: Record<string, Spec> = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  ...Object.fromEntries(Object.keys(SETTING_FLAGS).map((flag) => [flag, { type: "string" } as Spec])),
};

const COMMAND_OPTIONS: Readonly<Record<CommandName, Record<string, Spec>>> = {
  ls: { now: { type: "string" } },
  extend: { "dry-run": { type: "boolean" } },
  pause: { "dry-run": { type: "boolean" } },
  resume: { "dry-run": { type: "boolean" } },
  claim: { owner: { type: "string" }, ttl: { type: "string" } },
  admit: { owner: { type: "string" }, ttl: { type: "string" }, "budget-usd": { type: "string" } },
  release: { "dry-run": { type: "boolean" }, "discard-data": { type: "boolean" } },
  provisioning: { reason: { type: "string" } },
  reap: { "dry-run": { type: "boolean" }, now: { type: "string" }, env: { type: "string" }, "allow-simulated-clock": { type: "boolean" } },
  audit: { run: { type: "string" } },
  mcp: {},
};

/** Reads argv (without `node` and the script): the command first, then its arguments and options. */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic !== undefined && !isCommand(topic)) throw unknownCommand(topic);
    return { name: "help", ...(topic === undefined ? {} : { topic }) };
  }
  if (first.startsWith("-")) {
    throw new UsageError(`the command comes first, then its options: e.g. "ephemera ls ${first}" (commands: ${COMMANDS.join(", ")})`);
  }
  if (!isCommand(first)) throw unknownCommand(first);
  const name = first;

  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...COMMON_OPTIONS, ...COMMAND_OPTIONS[name] },
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    }) as typeof parsed;
  } catch (err) {
    throw new UsageError(describeParseError(err, name), name);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { name: "help", topic: name };

  const overrides: Record<string, string | boolean> = {};
  for (const [flag, setting] of Object.entries(SETTING_FLAGS)) {
    const value = values[flag];
    if (typeof value === "string") overrides[setting] = value;
  }
  if (typeof values["dry-run"] === "boolean") overrides.dryRun = values["dry-run"];
  const common: Common = { json: values.json === true, overrides: overrides as SettingOverrides };

  const positional = (count: number, shape: string, example: string) => {
    if (positionals.length < count) throw new UsageError(`ephemera ${name} needs ${shape}, e.g. ${example}`, name);
    if (positionals.length > count) {
      throw new UsageError(`ephemera ${name} takes ${count === 0 ? "no arguments" : shape}, but was also given ${JSON.stringify(positionals[count])}; e.g. ${example}`, name);
    }
    return positionals;
  };
  const envId = (text: string, field: string) => {
    const env = tryParseEnvId(text, { field });
    if (!env.ok) throw new UsageError(env.error.message, name);
    return env.value;
  };
  const instant = (flag: string): Date | undefined => {
    const text = values[flag];
    if (typeof text !== "string") return undefined;
    const parsedInstant = tryParseInstant(text, { field: `--${flag}` });
    if (!parsedInstant.ok) throw new UsageError(parsedInstant.error.message, name);
    return parsedInstant.value;
  };

  /**
   * `--owner` (required, an AWS tag value: checked here, before anything is written) and `--ttl`
   * (8h by default): the grammar here; the max TTL is a setting, which the command applies.
   */
  const ownerAndTtl = (env: string) => {
    const owner = typeof values.owner === "string" ? values.owner.trim() : "";
    if (owner === "") throw new UsageError(`ephemera ${name} needs --owner, the environment's owner, e.g. ephemera ${name} ${envId(env, "<env>")} --owner team@example.com`, name);
    const taggable = tryParseOwner(owner, { field: "--owner" });
    if (!taggable.ok) throw new UsageError(taggable.error.message, name);
    const ttl = typeof values.ttl === "string" ? values.ttl.trim() : "8h";
    const parsedTtl = tryParseDuration(ttl, { field: "--ttl", max: Infinity });
    if (!parsedTtl.ok) throw new UsageError(parsedTtl.error.message, name);
    return { owner, ttl, ttlMs: parsedTtl.value };
  };

  switch (name) {
    case "ls": {
      positional(0, "no arguments", "ephemera ls --json");
      const now = instant("now");
      return { name, ...common, ...(now === undefined ? {} : { now }) };
    }
    case "extend": {
      const [env, duration] = positional(2, "<env> and <duration>", "ephemera extend pr-123 4h");
      // The grammar now; the ceiling (the max TTL) once the settings are read.
      const by = tryParseDuration(duration!, { field: "duration", max: Infinity });
      if (!by.ok) throw new UsageError(`${by.error.message}; e.g. ephemera extend ${envId(env!, "<env>")} 4h`, name);
      return { name, ...common, env: envId(env!, "<env>"), duration: duration!, by: by.value };
    }
    case "pause":
    case "resume": {
      const [env] = positional(1, "<env>", `ephemera ${name} pr-123`);
      return { name, ...common, env: envId(env!, "<env>") };
    }
    case "admit": {
      const [env] = positional(1, "<env>", "ephemera admit pr-123 --owner team@example.com");
      const given = ownerAndTtl(env!);
      const budgetText = values["budget-usd"];
      const budget = typeof budgetText === "string" ? tryParseUsd(budgetText, { field: "--budget-usd", example: "--budget-usd 25" }) : undefined;
      if (budget?.ok === false) throw new UsageError(budget.error.message, name);
      return { name, ...common, env: envId(env!, "<env>"), ...given, ...(budget?.ok === true ? { budgetUsd: budget.value } : {}) };
    }
    case "release": {
      const [env] = positional(1, "<env>", "ephemera release pr-123");
      return { name, ...common, env: envId(env!, "<env>"), discardData: values["discard-data"] === true };
    }
    case "provisioning": {
      const [action] = positional(1, "status, pause or resume", "ephemera provisioning status");
      if (action !== "status" && action !== "pause" && action !== "resume") {
        throw new UsageError(`unknown subcommand "provisioning ${action}"; use status, pause or resume, e.g. ephemera provisioning status`, name);
      }
      const reason = typeof values.reason === "string" ? values.reason.trim() : undefined;
      if (action === "status" && reason !== undefined) throw new UsageError(`--reason goes with pause or resume, e.g. ephemera provisioning pause --reason "over plan"`, name);
      if (reason === "") throw new UsageError(`--reason needs text, e.g. --reason "budget raised"`, name);
      return { name, ...common, action, ...(reason === undefined ? {} : { reason }) };
    }
    case "claim": {
      const [env] = positional(1, "<env>", "ephemera claim pr-123 --owner team@example.com");
      const { owner, ttl } = ownerAndTtl(env!);
      return { name, ...common, env: envId(env!, "<env>"), owner, ttl };
    }
    case "reap": {
      positional(0, "no arguments", "ephemera reap --dry-run");
      const now = instant("now");
      const env = typeof values.env === "string" ? envId(values.env, "--env") : undefined;
      return {
        name,
        ...common,
        allowSimulatedClock: values["allow-simulated-clock"] === true,
        ...(now === undefined ? {} : { now }),
        ...(env === undefined ? {} : { env }),
      };
    }
    case "audit": {
      const [sub] = positional(1, "a subcommand (verify)", "ephemera audit verify");
      if (sub !== "verify") throw new UsageError(`unknown subcommand "audit ${sub}"; the only one is "audit verify", e.g. ephemera audit verify --json`, name);
      const runId = values.run;
      if (typeof runId === "string" && !isUsableRunId(runId)) {
        throw new UsageError(`--run ${JSON.stringify(runId)} is not a run id; use one as printed by a run, such as "20260501T120000Z-3f9a1c2b"`, name);
      }
      return { name: "audit-verify", ...common, ...(typeof runId === "string" ? { runId } : {}) };
    }
    case "mcp": {
      positional(0, "no arguments", "ephemera mcp");
      return { name, ...common };
    }
  }
}

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
    "--run": "20260501T120000Z-3f9a1c2b",
    "--region": "us-east-1",
    "--audit-bucket": "acme-ephemera-audit",
    "--allowed-accounts": "123456789012",
    "--warning-window": "1h",
    "--max-ttl": "14d",
    "--max-envs-per-run": "10",
    "--iam-path": "/ephemera/",
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
