import type { AdapterTable } from "../action/act";
import type { CliIo } from "../contracts/cli-io";
import type { KindContext } from "../contracts/kind-context";
import type { EphemeraSettings } from "../config/read-settings";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import type { McpClientInfo } from "../contracts/requester";

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
  /**
   * Who asked, for audit reasons and records: the caller's ARN, and the MCP client when
   * the command came through `ephemera mcp` (`arn:… via MCP client claude-code 1.2.3`;
   * runCli's deps carry the client, never argv). One STS call, on first use.
   */
  readonly requestedBy: () => Promise<string>;
  /** The MCP client the command came through (`ephemera mcp`): a trace's records are its. */
  readonly mcpClient?: McpClientInfo;
}

