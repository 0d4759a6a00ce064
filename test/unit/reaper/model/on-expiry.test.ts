import { ON_EXPIRY_VALUES, parseOnExpiry, TAG, tryParseOnExpiry } from "../../../../reaper/model";
import { expectInvalid } from "./expect-invalid";

const isValidAction = (text: string) => tryParseOnExpiry(text).ok;

describe("parseOnExpiry", () => {
  test.each(ON_EXPIRY_VALUES)("%s is accepted", (value) => {
    expect(parseOnExpiry(value)).toBe(value);
  });

  test("an absent tag means delete", () => {
    expect(parseOnExpiry(undefined)).toBe("delete");
  });

  test.each(["destroy", "Delete", "", " pause"])("%j is rejected rather than read as delete", (text) => {
    const error = expectInvalid(tryParseOnExpiry(text), TAG.onExpiry, text, isValidAction);
    expect(error.message).toContain('"delete", "snapshot-delete", "pause"');
  });
});
