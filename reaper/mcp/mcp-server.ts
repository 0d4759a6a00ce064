import { McpServer, type RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { ZodRawShape } from "zod";
import { type McpClientInfo, mcpClientInfo } from "../contracts/requester";
import type { EphemeraSettings } from "../config/read-settings";
import { commandLine } from "./command-line";
import { availableTools, type EphemeraTool, toolAnnotations } from "./ephemera-tools";
import { packageVersion } from "./package-version";
import { callCli, type RunCli, toolError } from "./tool-call";

export interface EphemeraMcpServerOptions {
  /** The settings `ephemera mcp` read: they decide which tools there are (claim_database needs a pool). */
  readonly settings: EphemeraSettings;
  /** runCli with the server's environment, clock and runtime options. */
  readonly run: RunCli;
  /** The configuration flags `ephemera mcp` was given, passed on to every call. */
  readonly configFlags?: readonly string[];
}

const INSTRUCTIONS = [
  "Ephemera manages short-lived AWS environments that die on time.",
  "Each tool runs one ephemera CLI command with --json, under the operator's settings, account guard, limits and audit:",
  "a successful result carries the command's JSON document; a refusal or a bad argument is a tool error with the CLI's message.",
  "Tools marked destructive (pause_environment, release_environment, rollback) change a live environment: ask a person first;",
  "they refuse to act unless confirm is the environment id (a dry run needs no confirm).",
  "To reap, plan_reap returns a plan and its planHash for a person to review; execute_reap_plan runs exactly that plan, once, only with confirm equal to its planHash.",
  "Every audit record of a call names this client (its name and version from the initialize handshake) beside the AWS principal.",
  "Use dryRun: true, or plan_reap, to see what would happen without changing anything.",
  "record_decision appends to an environment's decision trace under this client's name; show_trace reads it back.",
].join(" ");

/** The `ephemera` MCP server: one tool per CLI command an agent needs, each running that command in-process. */
export function createMcpServer(options: EphemeraMcpServerOptions): McpServer {
  const server = new McpServer({ name: "ephemera", version: packageVersion() }, { instructions: INSTRUCTIONS });
  // registerTool's types infer each tool's arguments from its schema; over a list of tools that
  // inference goes too deep for tsc, and callTool takes the validated arguments as they are.
  const register = server.registerTool.bind(server) as (
    name: string,
    config: { title: string; description: string; inputSchema: ZodRawShape; annotations: ToolAnnotations },
    callback: (args: Record<string, unknown>) => Promise<CallToolResult>,
  ) => RegisteredTool;
  for (const tool of availableTools(options.settings)) {
    // The client is read at each call: it is known only once the client has initialized.
    register(tool.name, { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, annotations: toolAnnotations(tool) }, (args) =>
      callTool(tool, args, options, mcpClientInfo(server.server.getClientVersion())),
    );
  }
  return server;
}

/**
 * One tool call: its own checks (nothing runs when they fail), then its command line
 * through runCli, with the MCP client beside it (audit reasons name it), then the outcome as a result.
 */
export async function callTool(
  tool: EphemeraTool,
  args: Record<string, unknown>,
  options: Pick<EphemeraMcpServerOptions, "run" | "configFlags">,
  mcpClient?: McpClientInfo,
): Promise<CallToolResult> {
  const problem = tool.check?.(args);
  if (problem !== undefined) return toolError(problem);
  const call = tool.call(args);
  const argv = commandLine(call, options.configFlags);
  const result = tool.result;
  return callCli(options.run, argv, result === undefined ? undefined : (outcome) => result(outcome, args), mcpClient, call.stdin);
}
