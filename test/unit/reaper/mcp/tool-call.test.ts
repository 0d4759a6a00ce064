import { callCli, jsonDocument, runCaptured, toolResult } from "../../../../reaper/mcp/tool-call";

const DOC = { env: "pr-1", status: "refused", ok: false, message: "ephemera:protect on pr-1" };

describe("a command's outcome as a tool result", () => {
  test("exit 0: the --json document, structured and as text, with any notes from stderr after it", () => {
    expect(toolResult({ code: 0, stdout: JSON.stringify({ version: 1, environments: [] }), stderr: "" })).toEqual({
      content: [{ type: "text", text: JSON.stringify({ version: 1, environments: [] }, null, 2) }],
      structuredContent: { version: 1, environments: [] },
    });
    const simulated = toolResult({ code: 0, stdout: '{"dryRun":true}', stderr: "ephemera: deciding as of 2026-05-01T12:00:00Z (simulated)" });
    expect(simulated.isError).toBeUndefined();
    expect(simulated.content).toEqual([
      { type: "text", text: '{\n  "dryRun": true\n}' },
      { type: "text", text: "ephemera: deciding as of 2026-05-01T12:00:00Z (simulated)" },
    ]);
  });

  test("exit 1 (failed or refused): an error carrying the document, and stderr's message first when there is one", () => {
    expect(toolResult({ code: 1, stdout: JSON.stringify(DOC), stderr: "" })).toEqual({
      isError: true,
      content: [{ type: "text", text: JSON.stringify(DOC, null, 2) }],
      structuredContent: DOC,
    });
    expect(toolResult({ code: 1, stdout: '{"complete":false}', stderr: "ephemera: 2 listing(s) failed" })).toEqual({
      isError: true,
      content: [
        { type: "text", text: "ephemera: 2 listing(s) failed" },
        { type: "text", text: '{\n  "complete": false\n}' },
      ],
      structuredContent: { complete: false },
    });
  });

  test("exit 2 (bad input): an error with the CLI's message, and no structured content", () => {
    const message = 'ephemera: duration "soon" is not a duration; use whole units such as "90m" or "1d12h"; e.g. ephemera extend pr-1 4h';
    expect(toolResult({ code: 2, stdout: "", stderr: message })).toEqual({ isError: true, content: [{ type: "text", text: message }] });
  });

  test("exit 2 with a document (an environment that does not exist): the document, structured", () => {
    const notFound = { status: "refused", code: "not-found", message: "no resources of environment pr-nope were found" };
    expect(toolResult({ code: 2, stdout: JSON.stringify(notFound), stderr: "" })).toMatchObject({ isError: true, structuredContent: notFound });
  });

  test("a failure that printed nothing still says so; text that is not JSON is passed on as text", () => {
    expect(toolResult({ code: 1, stdout: "", stderr: "" })).toEqual({ isError: true, content: [{ type: "text", text: "ephemera exited with status 1 and printed nothing" }] });
    expect(toolResult({ code: 1, stdout: "not json", stderr: "ephemera: boom" })).toEqual({ isError: true, content: [{ type: "text", text: "ephemera: boom\nnot json" }] });
    expect(toolResult({ code: 0, stdout: "plain", stderr: "" })).toEqual({ content: [{ type: "text", text: "plain" }] });
  });

  test("only a JSON object is a document", () => {
    expect(jsonDocument('{"a":1}')).toEqual({ a: 1 });
    expect(jsonDocument("[1]")).toBeUndefined();
    expect(jsonDocument("null")).toBeUndefined();
    expect(jsonDocument("")).toBeUndefined();
    expect(jsonDocument("{")).toBeUndefined();
  });
});

describe("running a tool call's command", () => {
  test("collects stdout and stderr line by line, off a terminal", async () => {
    let tty: boolean | undefined;
    const outcome = await runCaptured(async (_argv, io) => {
      tty = io.isTTY;
      io.stdout("{");
      io.stdout("}");
      io.stderr("ephemera: note");
      return 0;
    }, ["ls", "--json"]);
    expect(tty).toBe(false);
    expect(outcome).toEqual({ code: 0, stdout: "{\n}", stderr: "ephemera: note" });
  });

  test("a thrown error is a tool error naming the command, never a crash", async () => {
    const result = await callCli(async () => {
      throw new TypeError("socket hang up");
    }, ["ls", "--json"]);
    expect(result).toEqual({ isError: true, content: [{ type: "text", text: "ephemera: ls failed: TypeError: socket hang up" }] });
  });
});
