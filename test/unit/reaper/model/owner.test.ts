import fc from "fast-check";
import { MAX_TAG_VALUE_LENGTH, ownerKey, parseOwner, tryParseOwner } from "../../../../reaper/model";
import { expectInvalid } from "./expect-invalid";

const isValidOwner = (text: string) => tryParseOwner(text).ok;

describe("tryParseOwner: an owner is an AWS tag value", () => {
  test.each([
    "team-web@example.com",
    "first.last+preview@example.com",
    "arn:aws:sns:us-east-1:123456789012:team-web",
    "Team Web",
    "équipe/données_=ü",
    "x".repeat(MAX_TAG_VALUE_LENGTH),
    "é".repeat(MAX_TAG_VALUE_LENGTH),
  ])("%j is accepted as written", (text) => {
    expect(parseOwner(text)).toBe(text);
  });

  test.each([
    ["", "is empty"],
    ["   ", "is empty"],
    [" team@example.com", "has surrounding whitespace"],
    ["team@example.com\n", "has surrounding whitespace"],
    ["x".repeat(MAX_TAG_VALUE_LENGTH + 1), "is longer than 256 characters, the most an AWS tag value holds"],
    ["team,web", 'contains ","'],
    ["team;web", 'contains ";"'],
    ["<team>", 'contains "<"'],
    ["team\u2028web", "contains U+2028"],
    ["team\tweb", "contains U+0009"],
    ["team*", 'contains "*"'],
  ])("%j is refused because it %s, with the field, the value and a valid example", (text, problem) => {
    const error = expectInvalid(tryParseOwner(text), "owner", text, isValidOwner);
    expect(error.message).toContain(problem);
  });

  test("the caller's field name is the one named", () => {
    expect(() => parseOwner("a,b", { field: "--owner" })).toThrow(/^--owner "a,b" contains ","/);
  });

  test("exactly the values of AWS's tag value pattern, 1 to 256 characters without surrounding spaces, are accepted", () => {
    // AWS documents the pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$; the rule here is that less line and paragraph separators.
    const oracle = (text: string) =>
      /^[\p{L}\p{Zs}\p{N}_.:/=+\-@]*$/u.test(text) && text.trim() !== "" && text === text.trim() && [...text].length <= MAX_TAG_VALUE_LENGTH;
    const near = fc.string({ unit: fc.constantFrom(..."aZ09 _.:/=+-@,;*é\t"), maxLength: 12 });
    fc.assert(fc.property(fc.oneof(near, fc.string()), (text) => expect(tryParseOwner(text).ok).toBe(oracle(text))));
  });
});

describe("ownerKey: how owners are compared and counted", () => {
  test("trimmed and case-insensitive: Alice@x and alice@x  are one owner", () => {
    expect(ownerKey("Alice@x")).toBe(ownerKey("alice@x "));
    expect(ownerKey(" TEAM-web@Example.COM")).toBe("team-web@example.com");
  });

  test("different owners stay different", () => {
    expect(ownerKey("alice@x")).not.toBe(ownerKey("alice@y"));
  });
});
