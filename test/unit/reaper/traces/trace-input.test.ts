import { messageEntry, parseTraceLines } from "../../../../reaper/traces/trace-input";
import { MAX_RECORD_BYTES } from "../../../../reaper/traces/trace-record";

const NOW = new Date("2026-05-01T12:00:00.000Z");
const options = { env: "pr-1", now: NOW };
const problems = (text: string, more = {}) => {
  const input = parseTraceLines(text, { ...options, ...more });
  if (input.ok) throw new Error("expected a refusal");
  return input.problems;
};

describe("parseTraceLines", () => {
  test("each line is a record: time and agent taken out, everything else its data; blank lines skipped; a missing time is now", () => {
    const input = parseTraceLines(['{"agent":"planner","message":"chose B","score":3}', "", '  {"time":"2026-05-01T13:00:00+02:00","agent":"coder","files":["a.ts"]}'].join("\n"), options);
    expect(input).toEqual({
      ok: true,
      entries: [
        { time: "2026-05-01T12:00:00.000Z", agent: "planner", data: { message: "chose B", score: 3 } },
        { time: "2026-05-01T11:00:00.000Z", agent: "coder", data: { files: ["a.ts"] } },
      ],
    });
  });

  test("--agent names the agent of lines that name none; a line's own agent wins", () => {
    const input = parseTraceLines('{"message":"a"}\n{"agent":"other","message":"b"}', { ...options, agent: "planner" });
    expect(input.ok && input.entries.map((e) => e.agent)).toEqual(["planner", "other"]);
  });

  test("a line that is not JSON, not an object, has a bad time or no agent is named by its number with the fix", () => {
    expect(problems('{"agent":"a"}\nnot json')).toEqual([expect.stringMatching(/^line 2 is not JSON \(.*\); write one JSON object per line, e\.g\. \{"agent"/)]);
    expect(problems('["agent"]')).toEqual([expect.stringMatching(/^line 1 is an array, not a JSON object/)]);
    expect(problems("42")).toEqual([expect.stringMatching(/^line 1 is a number, not a JSON object/)]);
    expect(problems('{"agent":"a","time":"2026-05-01T12:00:00"}')[0]).toMatch(/^line 1: "time" "2026-05-01T12:00:00" has no time zone; add "Z"/);
    expect(problems('{"agent":"a","time":1714564800}')[0]).toMatch(/^line 1: "time" is a number, not an ISO-8601 instant/);
    expect(problems('{"message":"a"}')).toEqual(['line 1 has no "agent"; add "agent":"<name>" to the line, or give --agent <name> for every line']);
    expect(problems('{"agent":""}')[0]).toMatch(/^line 1: "agent" must be a name of 1 to 128 characters/);
  });

  test("a record over 64 KiB is refused with its line and size; one just under it passes", () => {
    const big = JSON.stringify({ agent: "a", blob: "x".repeat(MAX_RECORD_BYTES) });
    expect(problems(`{"agent":"a"}\n${big}`)).toEqual([expect.stringMatching(/^line 2 is a record of 65\d{3} bytes \(its canonical JSON, UTF-8\), over the 65536-byte limit/)]);
    const fits = JSON.stringify({ agent: "a", blob: "x".repeat(MAX_RECORD_BYTES - 400) });
    expect(parseTraceLines(fits, options).ok).toBe(true);
  });

  test("bytes are counted in UTF-8: multi-byte characters count for what they weigh", () => {
    const line = JSON.stringify({ agent: "a", blob: "é".repeat(MAX_RECORD_BYTES / 2) });
    expect(problems(line)[0]).toMatch(/over the 65536-byte limit/);
  });

  test("every bad line is reported (the first five, and a count), and an empty input is refused", () => {
    expect(problems(Array.from({ length: 8 }, () => "x").join("\n"))).toHaveLength(6);
    expect(problems("\n  \n")).toEqual([expect.stringMatching(/^no records: the input held no JSON lines/)]);
  });

  test("through MCP the client's name is every record's agent: a line may not name another", () => {
    const input = parseTraceLines('{"message":"a"}', { ...options, fixedAgent: "claude-code" });
    expect(input.ok && input.entries[0]!.agent).toBe("claude-code");
    expect(problems('{"agent":"planner","message":"a"}', { fixedAgent: "claude-code" })[0]).toMatch(/names agent "planner", but these records are the MCP client "claude-code"'s; leave "agent" out/);
  });
});

describe("messageEntry", () => {
  test("one record whose data is the message, stamped now; it needs an agent", () => {
    expect(messageEntry("chose B", { ...options, agent: "planner" })).toEqual({ ok: true, entries: [{ time: "2026-05-01T12:00:00.000Z", agent: "planner", data: { message: "chose B" } }] });
    expect(messageEntry("chose B", options)).toEqual({ ok: false, problems: ["--message needs --agent <name>, the agent that decided, e.g. --agent planner"] });
    expect(messageEntry(" ", { ...options, agent: "a" }).ok).toBe(false);
  });
});
