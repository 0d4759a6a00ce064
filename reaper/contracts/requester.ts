/**
 * The MCP client a command was asked through: the `clientInfo` of the MCP initialize
 * handshake, as `ephemera mcp` read it (see {@link mcpClientInfo}). It reaches a command
 * only through runCli's deps, never through argv, so no tool argument can set it.
 */
export interface McpClientInfo {
  readonly name: string;
  readonly version: string;
}

/** The longest client name and version an audit reason carries, in characters. */
export const MCP_CLIENT_NAME_MAX = 64;
export const MCP_CLIENT_VERSION_MAX = 32;

/**
 * Untrusted text (a client's self-declared name or version) made safe to put in an audit
 * reason: runs of whitespace become one space, control and format characters (newlines,
 * escapes, bidirectional overrides) are removed, anything but letters, digits and
 * `space . _ + @ / # ~ -` becomes `?` (so it cannot forge the reason's own punctuation,
 * such as "(ephemera release): "), and it is cut to `max` characters.
 */
export function cleanUntrustedText(text: unknown, max: number): string {
  if (typeof text !== "string") return "";
  const cleaned = text
    .replace(/\s+/gu, " ")
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/gu, "")
    .replace(/[^\p{L}\p{N}\p{M} ._+@/#~?-]/gu, "?")
    .trim();
  return Array.from(cleaned).slice(0, max).join("").trim();
}

/** The client of an MCP initialize handshake (`server.getClientVersion()`), cleaned; undefined when it sent none. */
export function mcpClientInfo(clientInfo: unknown): McpClientInfo | undefined {
  if (typeof clientInfo !== "object" || clientInfo === null) return undefined;
  const { name, version } = clientInfo as { name?: unknown; version?: unknown };
  return { name: cleanUntrustedText(name, MCP_CLIENT_NAME_MAX) || "unnamed", version: cleanUntrustedText(version, MCP_CLIENT_VERSION_MAX) };
}

/**
 * Who asked, as audit reasons and records name them: the AWS principal (the caller's
 * ARN), and the MCP client when the command came through `ephemera mcp`, e.g.
 * `arn:aws:sts::123456789012:assumed-role/dev/alice via MCP client claude-code 1.2.3`.
 */
export function requester(principal: string, client?: McpClientInfo): string {
  if (client === undefined) return principal;
  const name = cleanUntrustedText(client.name, MCP_CLIENT_NAME_MAX) || "unnamed";
  const version = cleanUntrustedText(client.version, MCP_CLIENT_VERSION_MAX);
  return `${principal} via MCP client ${name}${version === "" ? "" : ` ${version}`}`;
}
