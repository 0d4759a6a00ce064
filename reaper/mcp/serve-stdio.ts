import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Readable, Writable } from "node:stream";

/**
 * Serves `server` on stdin and stdout until stdin closes (the client went away), then
 * closes it. Nothing else may write to stdout, so console output goes to stderr meanwhile.
 */
export async function serveOverStdio(server: McpServer, stdin: Readable = process.stdin, stdout: Writable = process.stdout): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
    // A client that is gone cannot be answered: stop as when stdin closes.
    stdout.once("error", () => resolve());
  });
  const restore = routeConsoleToStderr();
  try {
    await server.connect(new StdioServerTransport(stdin, stdout));
    await ended;
    await server.close();
  } finally {
    restore();
  }
}

/** console.log, info and debug write to stderr; returns how to put them back. */
function routeConsoleToStderr(): () => void {
  const { log, info, debug } = console;
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  return () => Object.assign(console, { log, info, debug });
}
