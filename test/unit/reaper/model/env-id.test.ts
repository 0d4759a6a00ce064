import fc from "fast-check";
import { MAX_ENV_ID_LENGTH, parseEnvId, tryParseEnvId } from "../../../../reaper/model";
import { expectInvalid } from "./expect-invalid";

const isValidEnvId = (text: string) => tryParseEnvId(text).ok;

describe("parseEnvId", () => {
  test.each(["pr-123", "agent-7f3a", "a", "a1", "a--b", "x".repeat(40)])("%s is accepted", (text) => {
    expect(parseEnvId(text)).toBe(text);
  });

  test.each([
    ["", "is empty"],
    ["x".repeat(41), "is longer than 40 characters"],
    ["PR-123", "has uppercase letters"],
    ["pr_123", 'contains "_"'],
    ["pr.123", 'contains "."'],
    ["pr 123", 'contains " "'],
    ["pr-é", 'contains "é"'],
    ["123", "does not start with a letter"],
    ["-pr", "does not start with a letter"],
    ["pr-", "ends with '-'"],
  ])("%j is rejected because it %s, with the field, the value and a valid example", (text, problem) => {
    const error = expectInvalid(tryParseEnvId(text), "envId", text, isValidEnvId);
    expect(error.message).toContain(problem);
  });

  test("an id that is only wrong in case is answered with its lowercase form", () => {
    expect(() => parseEnvId("Agent-7F3A")).toThrow('"agent-7f3a"');
  });

  test("the caller's field name appears in the message", () => {
    expectInvalid(tryParseEnvId("PR 1", { field: "ephemera:env" }), "ephemera:env", "PR 1", isValidEnvId);
  });

  test("exactly the DNS-label-safe ids of at most 40 characters are accepted", () => {
    const oracle = (text: string) => /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/.test(text) && text.length <= MAX_ENV_ID_LENGTH;
    const near = fc.string({ unit: fc.constantFrom(..."abz09-A_. "), maxLength: 44 });
    const shaped = fc.stringMatching(/^[a-z][a-z0-9-]{0,44}$/);
    fc.assert(
      fc.property(fc.oneof(near, shaped, fc.string()), (text) => {
        const result = tryParseEnvId(text);
        expect(result.ok).toBe(oracle(text));
        if (!result.ok) expectInvalid(result, "envId", text, isValidEnvId);
      }),
    );
  });
});
