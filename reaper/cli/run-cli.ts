import { type EphemeraSettings, readSettings, SettingsError } from "../config/read-settings";
import { ReaperRuntime, type ReaperRuntimeOptions } from "../runtime/reaper-runtime";
import { describeError } from "../support/outcomes";
import { auditVerifyCommand } from "./commands/audit-verify";
import { extendCommand } from "./commands/extend";
import { checkpointCommand, checkpointsCommand } from "./commands/checkpoint";
import { rollbackCommand } from "./commands/rollback";
import { lsCommand } from "./commands/ls";
import { operatorCommand } from "./commands/pause-resume";
import { reapCommand } from "./commands/reap";
import { claimCommand } from "./commands/claim";
import { admitCommand } from "./commands/admit";
import { provisioningCommand } from "./commands/provisioning";
import { mcpCommand } from "./commands/mcp";
import { traceCommand } from "./commands/trace";
import { type Command, parseCommand, UsageError } from "./parse-command";
import { progressAdapters } from "./progress-adapters";
import type { CommandContext } from "./command-context";
import { type CliIo, EXIT } from "../contracts/cli-io";
import { COMMAND_USAGE, USAGE } from "./usage";
import { type McpClientInfo, requester } from "../contracts/requester";
import { systemClock } from "../model";

export { type CliIo, EXIT } from "../contracts/cli-io";

export interface CliDeps {
  /** Settings come from here, as the Lambda's come from its environment. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The real clock. @default the system clock */
  readonly clock?: () => Date;
  readonly runtime?: ReaperRuntimeOptions;
  /**
   * The MCP client the command was asked through: `ephemera mcp` sets it for each tool
   * call from the initialize handshake, and audit reasons name it beside the caller's
   * ARN. Deliberately not a flag: no tool argument can set or change it.
   */
  readonly mcpClient?: McpClientInfo;
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
  let asker: Promise<string> | undefined;
  const progress = io.isTTY ? (line: string) => io.stderr(line) : () => undefined;
  const getRuntime = () => (runtime ??= new ReaperRuntime(settings, deps.runtime));
  const context: CommandContext = {
    io,
    clock: deps.clock ?? systemClock,
    settings,
    runtime: getRuntime,
    progress,
    adapters: io.isTTY ? progressAdapters(progress) : undefined,
    requestedBy: () => (asker ??= getRuntime().callerArn().then((arn) => requester(arn, deps.mcpClient))),
    ...(deps.mcpClient === undefined ? {} : { mcpClient: deps.mcpClient }),
  };
  try {
    return await runCommand(context, command, deps);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ephemera: ${err.message}`);
      return EXIT.usage;
    }
    io.stderr(`ephemera: ${command.name} failed: ${describeError(err)}`);
    return EXIT.failed;
  } finally {
    await runtime?.destroy();
  }
}

/** Runs one parsed command (not help) in its context. */
async function runCommand(context: CommandContext, command: Exclude<Command, { name: "help" }>, deps: CliDeps): Promise<number> {
  switch (command.name) {
    case "ls":
      return await lsCommand(context, command);
    case "extend":
      return await extendCommand(context, command);
    case "admit":
      return await admitCommand(context, command);
    case "pause":
    case "resume":
    case "release":
      return await operatorCommand(context, command);
    case "checkpoint":
      return await checkpointCommand(context, command);
    case "checkpoints":
      return await checkpointsCommand(context, command);
    case "provisioning":
      return await provisioningCommand(context, command);
    case "claim":
      return await claimCommand(context, command);
    case "rollback":
      return await rollbackCommand(context, command);
    case "reap":
      return await reapCommand(context, command);
    case "audit-verify":
      return await auditVerifyCommand(context, command);
    case "trace-append":
    case "trace-show":
    case "trace-verify":
      return await traceCommand(context, command);
    case "mcp":
      // Each tool call runs one command line here, with the same deps and the MCP client it came from.
      return await mcpCommand(context, command, (toolArgv, toolIo, mcpClient) =>
        runCli(toolArgv, toolIo, { ...deps, ...(mcpClient === undefined ? {} : { mcpClient }) }),
      );
  }
  return command satisfies never;
}
