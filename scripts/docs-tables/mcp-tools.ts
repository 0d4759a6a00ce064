/** docs/mcp.md's table of the MCP server's tools: each tool's arguments, the command line it runs and its hints. */
import { z } from "zod";
import type { CliCall } from "../../reaper/mcp/command-line";
import { EPHEMERA_TOOLS, type EphemeraTool } from "../../reaper/mcp/ephemera-tools";
import { code, table, yesNo } from "./markdown";

/** `| tool | CLI equivalent | read-only | destructive | idempotent |`, a row per tool of `EPHEMERA_TOOLS`. */
export function mcpToolsTable(): string {
  return table(
    ["tool", "CLI equivalent", "read-only", "destructive", "idempotent"],
    EPHEMERA_TOOLS.map((tool) => [
      code(signature(tool)),
      code(cliEquivalent(tool)),
      yesNo(tool.hints.readOnlyHint),
      yesNo(tool.hints.destructiveHint, true),
      yesNo(tool.hints.idempotentHint, false),
    ]),
  );
}

/** `release_environment {env, confirm, discardData?, dryRun?}`: the name and the input schema's arguments, `?` on optional ones. */
function signature(tool: EphemeraTool): string {
  const args = Object.entries(tool.inputSchema).map(([name, schema]) => `${name}${(schema as z.ZodTypeAny).isOptional() ? "?" : ""}`);
  return args.length === 0 ? tool.name : `${tool.name} {${args.join(", ")}}`;
}

/**
 * The command line a call runs, as `tool.call` builds it: the required arguments as
 * `<name>`, then each optional argument's flag in brackets (the words a call with it
 * adds), then `--json`. An optional argument that adds nothing (`confirm`) is left out.
 */
function cliEquivalent(tool: EphemeraTool): string {
  const schema = Object.entries(tool.inputSchema) as [string, z.ZodTypeAny][];
  const required = Object.fromEntries(schema.filter(([, s]) => !s.isOptional()).map(([name, s]) => [name, sample(name, s)]));
  const base = tool.call(required);
  const words = (call: CliCall) => [...(call.positionals ?? []), ...(call.options ?? []).map((o) => o.replace("=", " "))];
  const optional = schema
    .filter(([, s]) => s.isOptional())
    .flatMap(([name, s]) => {
      const added = words(tool.call({ ...required, [name]: sample(name, s) })).filter((word) => !words(base).includes(word));
      return added.length === 0 ? [] : [`[${added.map((word) => word.split(" ")[0]).join(" ")}]`];
    });
  // A tool that pipes its arguments to the command shows it as a pipe of JSON lines.
  return [...(base.stdin === undefined ? [] : ["<JSON lines> |"]), "ephemera", base.command, ...words(base), ...optional, "--json"].join(" ");
}

/** A value of the argument's type: `<name>` for text, true, 1. */
function sample(name: string, schema: z.ZodTypeAny): unknown {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodTypeAny) : schema;
  if (inner instanceof z.ZodBoolean) return true;
  if (inner instanceof z.ZodNumber) return 1;
  if (inner instanceof z.ZodArray) return [{}];
  return `<${name}>`;
}
