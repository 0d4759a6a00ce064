import type { AdapterTable } from "../action/act";
import { type EphemeraSettings, readSettings, SettingsError } from "../runtime/settings";
import type { KindContext } from "../runtime/kind-context";
import { ReaperRuntime, type ReaperRuntimeOptions } from "../runtime/reaper-runtime";
import { auditVerifyCommand } from "./commands/audit-verify";
import { extendCommand } from "./commands/extend";
import { lsCommand } from "./commands/ls";
import { operatorCommand } from "./commands/pause-resume";
import { reapCommand } from "./commands/reap";
import { type Command, parseCommand, UsageError } from "./parse-command";
import { progressAdapters } from "./progress-adapters";
import { COMMAND_USAGE, USAGE } from "./usage";

/** Where the CLI writes: each call is one or more whole lines. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is a terminal: progress is shown there. Nothing extra is written when it is not. */
  readonly isTTY: boolean;
}

export interface CliDeps {
  /** Settings come from here, as the Lambda's come from its environment. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The real clock. @default the system clock */
  readonly clock?: () => Date;
  readonly runtime?: ReaperRuntimeOptions;
}

/** Exit statuses: the README documents them; scripts and agents depend on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** What every command is given. */
export interface CommandContext {
  readonly io: CliIo;
  readonly clock: () => Date;
  readonly settings: EphemeraSettings;
  /** Built on first use, closed by runCli. */
  readonly runtime: () => ReaperRuntime;
  /** A progress line on a terminal; nothing otherwise. */
  readonly progress: (line: string) => void;
  /** The kind adapters, reporting progress on a terminal. */
  readonly adapters: AdapterTable<KindContext> | undefined;
}

/**
 * The `ephemera` CLI, in-process: parses argv, reads the same settings as the Lambda
 * (flags win over EPHEMERA_* variables) and runs one command against the same engine.
 * Returns the exit status; never throws and never calls process.exit.
 */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ephemera: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
  if (command.name === "help") {
    io.stdout(command.topic === undefined ? USAGE : COMMAND_USAGE[command.topic]);
    return EXIT.ok;
  }

  let settings: EphemeraSettings;
  try {
    settings = readSettings(deps.env ?? process.env, command.overrides);
  } catch (err) {
    if (err instanceof SettingsError) {
      io.stderr(`ephemera: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }

  let runtime: ReaperRuntime | undefined;
  const progress = io.isTTY ? (line: string) => io.stderr(line) : () => undefined;
  const context: CommandContext = {
    io,
    clock: deps.clock ?? (() => new Date()),
    settings,
    runtime: () => (runtime ??= new ReaperRuntime(settings, deps.runtime)),
    progress,
    adapters: io.isTTY ? progressAdapters(progress) : undefined,
  };
  try {
    switch (command.name) {
      case "ls":
        return await lsCommand(context, command);
      case "extend":
        return await extendCommand(context, command);
      case "pause":
      case "resume":
        return await operatorCommand(context, command);
      case "reap":
        return await reapCommand(context, command);
      case "audit-verify":
        return await auditVerifyCommand(context, command);
    }
    return command satisfies never;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ephemera: ${err.message}`);
      return EXIT.usage;
    }
    io.stderr(`ephemera: ${command.name} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return EXIT.failed;
  } finally {
    await runtime?.destroy();
  }
}
