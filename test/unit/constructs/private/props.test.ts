import { Token } from "../../../../constructs/core";
import { checkedListProp, checkedProp } from "../../../../constructs/private/props";
import { expectInvalid } from "../synth";

const isShort = (value: string) => value.length <= 3;

describe("checkedProp", () => {
  it("returns a literal that passes, and undefined as it is", () => {
    expect(checkedProp("name", "abc", isShort, "is too long", "use one such as \"abc\"")).toBe("abc");
    expect(checkedProp("name", undefined, isShort, "is too long", "use one such as \"abc\"")).toBeUndefined();
  });

  it("throws for a literal that fails, naming the prop, the problem and the fix", () => {
    const error = expectInvalid(() => checkedProp("name", "abcd", isShort, "is too long", "use one such as \"abc\""), "name", /is too long/);
    expect(error.message).toBe('name "abcd" is too long; use one such as "abc"');
  });

  it("never checks a token", () => {
    const token = Token.asString({ Ref: "name" });
    expect(checkedProp("name", token, () => false, "is never valid", "use none")).toBe(token);
  });
});

describe("checkedListProp", () => {
  it("checks each literal item, and reports the first that fails", () => {
    expect(() => checkedListProp("names", ["a", "b"], isShort, "is too long", "use names such as [\"abc\"]")).not.toThrow();
    const error = expectInvalid(() => checkedListProp("names", ["a", "long", "longer"], isShort, "is too long", "use names such as [\"abc\"]"), "names");
    expect(error.message).toContain('"long"');
  });

  it("never checks undefined, a token list, or a token in a list", () => {
    expect(() => checkedListProp("names", undefined, () => false, "is never valid", "use none")).not.toThrow();
    expect(() => checkedListProp("names", Token.asList({ Ref: "names" }), () => false, "is never valid", "use none")).not.toThrow();
    expect(() => checkedListProp("names", [Token.asString({ Ref: "name" })], () => false, "is never valid", "use none")).not.toThrow();
  });
});
