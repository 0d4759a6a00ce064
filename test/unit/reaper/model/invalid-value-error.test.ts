import { InvalidValueError } from "../../../../reaper/model";

describe("InvalidValueError", () => {
  const error = new InvalidValueError("ttl", "1.5h", "is not a whole number of units", 'use "90m"');

  test("it is an Error named InvalidValueError", () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("InvalidValueError");
  });

  test("it keeps the field and the value for the caller to report", () => {
    expect(error).toMatchObject({ field: "ttl", value: "1.5h" });
  });

  test("control characters in the value are escaped, so a tag cannot forge log lines", () => {
    const forged = new InvalidValueError("ttl", "8h\nINFO all good", "is bad", 'use "8h"');
    expect(forged.message).not.toContain("\n");
    expect(forged.message).toContain('"8h\\nINFO all good"');
  });

  test("a huge value is quoted in part, with its length, while the whole stays on the error", () => {
    const huge = "x".repeat(10_000);
    const long = new InvalidValueError("ttl", huge, "is bad", 'use "8h"');
    expect(long.message.length).toBeLessThan(200);
    expect(long.message).toContain("(10000 characters)");
    expect(long.value).toBe(huge);
  });
});
