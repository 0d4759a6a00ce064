import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type CliIo, EXIT } from "../contracts/cli-io";
import type { McpClientInfo } from "../contracts/requester";
import { describeError } from "../support/outcomes";

/**
 * Runs one `ephemera` command line in-process (runCli with the server's own settings and
 * runtime options). `mcpClient`, the client of the initialize handshake, reaches the
 * command beside argv, never in it, so a tool argument cannot set it.
 */
export type RunCli = (argv: readonly string[], io: CliIo, mcpClient?: McpClientInfo) => Promise<number>;

/** What one command printed, and its exit status. */
export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A JSON object, as `--json` prints it. */
export type JsonDocument = Record<string, unknown>;

/** Runs `argv` with `stdin` piped to it, collecting stdout and stderr; progress is never shown (not a terminal). */
export async function runCaptured(run: RunCli, argv: readonly string[], mcpClient?: McpClientInfo, stdin?: string): Promise<CliOutcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { stdout: (text: string) => stdout.push(text), stderr: (text: string) => stderr.push(text), isTTY: false, ...(stdin === undefined ? {} : { stdin: async () => stdin }) };
  const code = await run(argv, io, mcpClient);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

/** The one JSON object on stdout, or undefined when stdout holds none (a usage error prints nothing there). */
export function jsonDocument(stdout: string): JsonDocument | undefined {
  if (stdout.trim() === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(stdout);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonDocument) : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: string) => ({ type: "text" as const, text: value });

/** A successful result: the document as structured content and as text, then any notes the command wrote to stderr. */
export function toolSuccess(document: JsonDocument, stderr = ""): CallToolResult {
  return { content: [text(JSON.stringify(document, null, 2)), ...(stderr === "" ? [] : [text(stderr)])], structuredContent: document };
}

/** A tool error: the message first, then the command's JSON document when it printed one (structured too). */
export function toolError(message: string, document?: JsonDocument): CallToolResult {
  return {
    isError: true,
    content: [...(message === "" ? [] : [text(message)]), ...(document === undefined ? [] : [text(JSON.stringify(document, null, 2))])],
    ...(document === undefined ? {} : { structuredContent: document }),
  };
}

/**
 * The result of a tool call from the command's outcome: exit 0 is a success carrying the
 * `--json` document; exit 1 (failed or refused) and exit 2 (bad input) are tool errors
 * with the command's stderr message and, when it printed one, its JSON document.
 */
export function toolResult(outcome: CliOutcome): CallToolResult {
  const document = jsonDocument(outcome.stdout);
  if (outcome.code === EXIT.ok) {
    if (document !== undefined) return toolSuccess(document, outcome.stderr);
    return { content: [text(outcome.stdout), ...(outcome.stderr === "" ? [] : [text(outcome.stderr)])] };
  }
  const message = outcome.stderr !== "" || document !== undefined ? outcome.stderr : `ephemera exited with status ${outcome.code} and printed nothing`;
  if (document === undefined && outcome.stdout.trim() !== "") return toolError([message, outcome.stdout].filter((t) => t !== "").join("\n"));
  return toolError(message, document);
}

/** Runs one tool call's command line and maps its outcome; a thrown error is a tool error too, never a crash. */
export async function callCli(
  run: RunCli,
  argv: readonly string[],
  toResult: (outcome: CliOutcome) => CallToolResult = toolResult,
  mcpClient?: McpClientInfo,
  stdin?: string,
): Promise<CallToolResult> {
  try {
    return toResult(await runCaptured(run, argv, mcpClient, stdin));
  } catch (err) {
    return toolError(`ephemera: ${argv[0] ?? "command"} failed: ${describeError(err)}`);
  }
}
