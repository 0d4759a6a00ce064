import type { RunCli } from "../../mcp/tool-call";
import type { Command } from "../parse-command";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";

/**
 * `ephemera mcp`: a Model Context Protocol server on stdin and stdout until stdin closes.
 * Each tool call is one command run through `run` (runCli with this process's environment,
 * clock and runtime options) with --json and the configuration flags given here.
 */
export async function mcpCommand(c: CommandContext, command: Extract<Command, { name: "mcp" }>, run: RunCli): Promise<number> {
  // Loaded only here: no other command needs the MCP SDK.
  const [{ createMcpServer }, { configFlags }, { serveOverStdio }] = await Promise.all([
    import("../../mcp/mcp-server"),
    import("../../mcp/command-line"),
    import("../../mcp/serve-stdio"),
  ]);
  c.progress("ephemera mcp: serving MCP tools on stdin and stdout until stdin closes…");
  await serveOverStdio(createMcpServer({ settings: c.settings, run, configFlags: configFlags(command.overrides) }));
  return EXIT.ok;
}
