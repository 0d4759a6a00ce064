import { appendToTrace, type AppendToTraceResult } from "../../operations/append-to-trace";
import { messageEntry, parseTraceLines, type TraceInput } from "../../traces/trace-input";
import { readTrace } from "../../traces/trace-store";
import { type TraceStatus, verifyTrace } from "../../traces/verify-trace";
import type { Command } from "../parse-command";
import { UsageError } from "../parse-command";
import type { CommandContext } from "../command-context";
import { EXIT } from "../../contracts/cli-io";
import { table } from "../render";

type TraceCommand = Extract<Command, { name: "trace-append" | "trace-show" | "trace-verify" }>;

/** `ephemera trace append|show|verify <env>`. */
export async function traceCommand(c: CommandContext, command: TraceCommand): Promise<number> {
  switch (command.name) {
    case "trace-append":
      return await appendCommand(c, command);
    case "trace-show":
      return await showCommand(c, command);
    case "trace-verify":
      return await verifyCommand(c, command);
  }
}

/** `ephemera trace append <env>`: every line checked first, then who asks, then the batches. */
async function appendCommand(c: CommandContext, command: Extract<Command, { name: "trace-append" }>): Promise<number> {
  const { env } = command;
  const input = await readInput(c, command);
  if (!input.ok) {
    if (command.json) c.io.stdout(JSON.stringify({ ok: false, env, status: "invalid", problems: input.problems }, null, 2));
    for (const problem of input.problems) c.io.stderr(`ephemera: trace append ${env}: ${problem}; nothing was written`);
    return EXIT.usage;
  }
  c.progress(`Appending ${input.entries.length} record(s) to ${env}'s trace…`);
  const result = await appendToTrace(c.runtime(), { env, entries: input.entries, clock: c.clock });
  if (command.json) c.io.stdout(JSON.stringify(result, null, 2));
  if (!result.ok) {
    c.io.stderr(`ephemera: trace append ${env} ${result.status}: ${result.message}`);
    return result.code === "not-found" || result.code === "other-workload" ? EXIT.usage : EXIT.failed;
  }
  if (!command.json) c.io.stdout(describeAppend(result));
  return EXIT.ok;
}

/** The records to append: one from --message, or the JSON lines piped in. The MCP client's name is the agent of what comes through it. */
async function readInput(c: CommandContext, command: Extract<Command, { name: "trace-append" }>): Promise<TraceInput> {
  const options = {
    env: command.env,
    now: c.clock(),
    ...(command.agent === undefined ? {} : { agent: command.agent }),
    ...(c.mcpClient === undefined ? {} : { fixedAgent: c.mcpClient.name }),
  };
  if (command.message !== undefined) return messageEntry(command.message, options);
  if (c.io.stdin === undefined) {
    throw new UsageError(`ephemera trace append reads JSON lines from stdin: pipe them in, e.g. echo '{"agent":"planner","message":"chose plan B"}' | ephemera trace append ${command.env}; or give --message`, "trace");
  }
  return parseTraceLines(await c.io.stdin(), options);
}

function describeAppend(result: Extract<AppendToTraceResult, { ok: true }>): string {
  const seqs = result.firstSeq === result.lastSeq ? `seq ${result.firstSeq}` : `seqs ${result.firstSeq}-${result.lastSeq}`;
  const batches = result.batches.map((b) => `batch ${b.batch} (${b.records})`).join(", ");
  const retried = result.retries === 0 ? "" : `; chained again after ${result.retries} concurrent append(s)`;
  return `${result.env}: appended ${result.records} record(s), ${seqs}, in ${batches}${retried}\nhead ${result.headHash}`;
}

/** `ephemera trace show <env>`: the records in order, each with its batch's write time. */
async function showCommand(c: CommandContext, command: Extract<Command, { name: "trace-show" }>): Promise<number> {
  const batches = await readTrace(c.runtime().auditStore(), command.env);
  const since = command.since?.getTime();
  const records = batches.flatMap((b) =>
    b.records
      .filter((r) => since === undefined || Date.parse(r.time) >= since)
      .map((r) => ({ ...r, batch: b.batch, writtenAt: b.writtenAt?.toISOString() ?? null })),
  );
  if (command.json) {
    c.io.stdout(JSON.stringify({ version: 1, env: command.env, batches: batches.length, records }, null, 2));
    return EXIT.ok;
  }
  if (records.length === 0) {
    c.io.stdout(`${command.env}: no records${since === undefined ? "" : ` since ${command.since!.toISOString()}`} (${batches.length} batch(es) in its trace).`);
    return EXIT.ok;
  }
  const rows = records.map((r) => [String(r.seq), r.time, r.agent, `${r.batch} @ ${r.writtenAt ?? "-"}`, summary(r.data)]);
  c.io.stdout(table([["SEQ", "TIME", "AGENT", "BATCH @ WRITTEN", "DATA"], ...rows]));
  return EXIT.ok;
}

/** The record's message when it has one, else its data as JSON; one line, cut short. */
function summary(data: Readonly<Record<string, unknown>>): string {
  const text = typeof data.message === "string" && Object.keys(data).length === 1 ? data.message : JSON.stringify(data);
  const line = text.replace(/\s+/g, " ");
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/** `ephemera trace verify <env>`: exit 0 only for a complete or empty trace. */
async function verifyCommand(c: CommandContext, command: Extract<Command, { name: "trace-verify" }>): Promise<number> {
  const result = await verifyTrace(c.runtime().auditStore(), command.env);
  if (command.json) {
    c.io.stdout(JSON.stringify(result, null, 2));
    return result.ok ? EXIT.ok : EXIT.failed;
  }
  const words: Record<TraceStatus, string> = { complete: "complete", truncated: "TRUNCATED", broken: "BROKEN", empty: "empty" };
  const sealed = result.seal === null ? "never sealed" : `sealed at ${result.seal.records} record(s) by run ${result.seal.runId}`;
  const lines = [`${command.env}: ${words[result.status]}: ${result.records} record(s) intact in ${result.batches} batch(es); ${sealed}`];
  if (result.headHash !== undefined) lines.push(`head ${result.headHash}`);
  const bad = result.firstBroken;
  if (bad !== undefined) lines.push(`${bad.seq === undefined ? "" : `record ${bad.seq}`}${bad.key === undefined ? "" : ` (${bad.key})`}: ${bad.problem}`.trim());
  (result.ok ? c.io.stdout : c.io.stderr)(lines.join("\n"));
  return result.ok ? EXIT.ok : EXIT.failed;
}
