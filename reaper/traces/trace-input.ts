import { canonicalJson } from "../audit/canonical-json";
import { tryParseInstant } from "../model";
import { MAX_RECORD_BYTES, type TraceEntry, utf8Bytes } from "./trace-record";

/** How a writer's lines become entries. */
export interface TraceInputOptions {
  readonly env: string;
  /** Stamps a record that gives no `time`. */
  readonly now: Date;
  /** The agent of a line that names none (`--agent`). @default - every line must name its agent */
  readonly agent?: string;
  /**
   * The agent of every line, which no line may name otherwise: the MCP client's name from
   * its handshake, so a tool argument cannot speak for another agent.
   */
  readonly fixedAgent?: string;
}

export type TraceInput = { readonly ok: true; readonly entries: readonly TraceEntry[] } | { readonly ok: false; readonly problems: readonly string[] };

/** The longest agent name, in characters. */
export const MAX_AGENT_LENGTH = 128;
/** Problems reported at most, so a wrong file does not flood the terminal. */
const MAX_PROBLEMS = 5;
const LINE_EXAMPLE = `{"agent":"planner","message":"chose the blue-green deploy","time":"2026-05-01T12:00:00Z"}`;

/**
 * JSON lines, one record each: optional `time` (an ISO-8601 instant), `agent` (unless given
 * for every line), and every other field as the record's `data`. Blank lines are skipped.
 * Everything is checked before anything is written: one bad line and no entry is returned.
 */
export function parseTraceLines(text: string, options: TraceInputOptions): TraceInput {
  const problems: string[] = [];
  const entries: TraceEntry[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const entry = parseLine(line, i + 1, options);
    if (typeof entry === "string") problems.push(entry);
    else entries.push(entry);
  }
  if (problems.length > 0) return { ok: false, problems: summarised(problems) };
  if (entries.length === 0) return { ok: false, problems: [`no records: the input held no JSON lines; write one JSON object per line, e.g. ${LINE_EXAMPLE}`] };
  return { ok: true, entries };
}

/** One record from `--message`. */
export function messageEntry(message: string, options: TraceInputOptions): TraceInput {
  if (message.trim() === "") return { ok: false, problems: [`--message is empty; give the decision as text, e.g. --message "chose the blue-green deploy"`] };
  const agent = options.fixedAgent ?? options.agent;
  if (agent === undefined) return { ok: false, problems: [`--message needs --agent <name>, the agent that decided, e.g. --agent planner`] };
  const entry: TraceEntry = { time: options.now.toISOString(), agent, data: { message } };
  const size = recordBytes(options.env, entry);
  return size > MAX_RECORD_BYTES ? { ok: false, problems: [`--message makes a record of ${size} bytes, over the ${MAX_RECORD_BYTES}-byte limit; shorten it`] } : { ok: true, entries: [entry] };
}

function parseLine(line: string, n: number, options: TraceInputOptions): TraceEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `line ${n} is not JSON (${err instanceof Error ? err.message : String(err)}); write one JSON object per line, e.g. ${LINE_EXAMPLE}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `line ${n} is ${Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`}, not a JSON object; write one object per line, e.g. ${LINE_EXAMPLE}`;
  }
  const { time, agent, ...data } = value as Record<string, unknown>;
  const when = timeOf(time, n, options.now);
  if (when.problem !== undefined) return when.problem;
  const who = agentOf(agent, n, options);
  if (who.problem !== undefined) return who.problem;
  const entry: TraceEntry = { time: when.time!, agent: who.agent!, data };
  const size = recordBytes(options.env, entry);
  if (size > MAX_RECORD_BYTES) {
    return `line ${n} is a record of ${size} bytes (its canonical JSON, UTF-8), over the ${MAX_RECORD_BYTES}-byte limit; split it, or keep large data elsewhere and record where`;
  }
  return entry;
}

function timeOf(time: unknown, n: number, now: Date): { time?: string; problem?: string } {
  if (time === undefined) return { time: now.toISOString() };
  if (typeof time !== "string") return { problem: `line ${n}: "time" is a ${time === null ? "null" : typeof time}, not an ISO-8601 instant; write it as a string such as "2026-05-01T12:00:00Z", or leave it out for now` };
  const parsed = tryParseInstant(time, { field: `line ${n}: "time"` });
  return parsed.ok ? { time: parsed.value.toISOString() } : { problem: `${parsed.error.message}, or leave it out for now` };
}

function agentOf(agent: unknown, n: number, options: TraceInputOptions): { agent?: string; problem?: string } {
  if (options.fixedAgent !== undefined) {
    if (agent === undefined || agent === options.fixedAgent) return { agent: options.fixedAgent };
    return { problem: `line ${n} names agent ${JSON.stringify(String(agent).slice(0, 80))}, but these records are the MCP client ${JSON.stringify(options.fixedAgent)}'s; leave "agent" out` };
  }
  if (agent === undefined) {
    if (options.agent !== undefined) return { agent: options.agent };
    return { problem: `line ${n} has no "agent"; add "agent":"<name>" to the line, or give --agent <name> for every line` };
  }
  if (typeof agent !== "string" || agent.trim() === "" || agent.length > MAX_AGENT_LENGTH) {
    return { problem: `line ${n}: "agent" must be a name of 1 to ${MAX_AGENT_LENGTH} characters, e.g. "agent":"planner"` };
  }
  return { agent };
}

/** A record's size as stored: its canonical JSON with the chain fields, at their longest. */
function recordBytes(env: string, entry: TraceEntry): number {
  const hash = "0".repeat(64);
  return utf8Bytes(canonicalJson({ v: 1, env, seq: Number.MAX_SAFE_INTEGER, ...entry, prevHash: hash, hash }));
}

function summarised(problems: readonly string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return [...problems];
  return [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more bad line(s)`];
}
