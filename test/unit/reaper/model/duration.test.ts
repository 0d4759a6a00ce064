import fc from "fast-check";
import { DEFAULT_MAX_TTL, formatDuration, parseDuration, tryParseDuration } from "../../../../reaper/model";
import { quote } from "../../../../reaper/model/invalid-value-error";
import { expectInvalid } from "./expect-invalid";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const isValidTtl = (text: string) => tryParseDuration(text).ok;

describe("parseDuration", () => {
  test.each([
    ["30m", 30 * MINUTE],
    ["90m", 90 * MINUTE],
    ["8h", 8 * HOUR],
    ["36h", 36 * HOUR],
    ["3d", 3 * DAY],
    ["1w", 7 * DAY],
    ["1d12h", DAY + 12 * HOUR],
    ["1w2d3h30m", 9 * DAY + 3 * HOUR + 30 * MINUTE],
    ["2w", 14 * DAY],
  ])("%s is accepted as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([
    ["1.5h", "is not a whole number of units"],
    ["0m", "has a zero amount"],
    ["1d0h", "has a zero amount"],
    ["-8h", "is negative"],
    ["3y", 'has unknown unit "y"'],
    ["10s", 'has unknown unit "s"'],
    ["8H", 'has unknown unit "H"'],
    ["8", "has no unit"],
    ["", "is empty"],
    ["   ", "is empty"],
    [" 8h", "has surrounding whitespace"],
    ["8h ", "has surrounding whitespace"],
    ["8 h", "has no unit"],
    ["1h1h", 'repeats unit "h"'],
    ["30m1h", "has units out of order"],
    ["1h1d", "has units out of order"],
    ["08h", "has a leading zero"],
    ["+8h", "is not a duration"],
    ["h", "is not a duration"],
    ["1".repeat(33) + "m", "is longer than 32 characters"],
    ["9".repeat(31) + "w", "is too large"],
    ["3w", 'exceeds the maximum of "2w"'],
    ["14d1m", 'exceeds the maximum of "2w"'],
  ])("%j is rejected because it %s, with the field, the value and a valid example", (text, problem) => {
    const error = expectInvalid(tryParseDuration(text), "ttl", text, isValidTtl);
    expect(error.message).toContain(problem);
  });

  test("the message for a fractional ttl reads as the brief promises", () => {
    expect(() => parseDuration("1.5h")).toThrow(
      'ttl "1.5h" is not a whole number of units; use whole units such as "90m" or "1d12h"',
    );
  });

  test("the caller's field name appears in the message", () => {
    expectInvalid(tryParseDuration("3y", { field: "ephemera:ttl" }), "ephemera:ttl", "3y", isValidTtl);
  });

  test("the default maximum is fourteen days", () => {
    expect(DEFAULT_MAX_TTL).toBe(14 * DAY);
  });

  test("a configured maximum is enforced", () => {
    expect(tryParseDuration("9h", { max: 8 * HOUR }).ok).toBe(false);
    expect(parseDuration("8h", { max: 8 * HOUR })).toBe(8 * HOUR);
  });

  test("a configured maximum can lift the default cap", () => {
    expect(parseDuration("30d", { max: Infinity })).toBe(30 * DAY);
  });

  test("any whole number of minutes survives format then parse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000_000 }), (minutes) => {
        expect(parseDuration(formatDuration(minutes * MINUTE), { max: Infinity })).toBe(minutes * MINUTE);
      }),
    );
  });

  test("a canonical duration survives parse then format unchanged", () => {
    const canonical = fc
      .record({
        w: fc.integer({ min: 0, max: 500 }),
        d: fc.integer({ min: 0, max: 6 }),
        h: fc.integer({ min: 0, max: 23 }),
        m: fc.integer({ min: 0, max: 59 }),
      })
      .map((parts) => Object.entries(parts).map(([unit, n]) => (n > 0 ? `${n}${unit}` : "")).join(""))
      .filter((text) => text !== "");
    fc.assert(
      fc.property(canonical, (text) => {
        expect(formatDuration(parseDuration(text, { max: Infinity }))).toBe(text);
      }),
    );
  });

  test("exactly the strings of the grammar are accepted, with the value they spell", () => {
    const oracle = /^(?:([1-9]\d*)w)?(?:([1-9]\d*)d)?(?:([1-9]\d*)h)?(?:([1-9]\d*)m)?$/;
    const sizes = [7n * 24n * 60n, 24n * 60n, 60n, 1n].map((minutes) => minutes * 60_000n);
    const near = fc.string({ unit: fc.constantFrom(..."0123456789mhdwsy.- H"), maxLength: 14 });
    const wellFormed = fc.stringMatching(/^([1-9]\d{0,3}w)?([1-9]\d{0,3}d)?([1-9]\d{0,3}h)?([1-9]\d{0,3}m)?$/);
    fc.assert(
      fc.property(fc.oneof(near, wellFormed, fc.string()), (text) => {
        const match = oracle.exec(text);
        const total = match
          ? match.slice(1).reduce((sum, n, i) => sum + (n === undefined ? 0n : BigInt(n) * sizes[i]), 0n)
          : 0n;
        const valid = text !== "" && match !== null && total <= BigInt(Number.MAX_SAFE_INTEGER);
        const result = tryParseDuration(text, { max: Infinity });
        expect(result.ok).toBe(valid);
        if (result.ok) expect(BigInt(result.value)).toBe(total);
      }),
    );
  });

  test("every rejection names the field, quotes the value and offers a valid example", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const result = tryParseDuration(text);
        if (result.ok) return;
        expect(result.error.message.startsWith(`ttl ${quote(text)} `)).toBe(true);
        const example = /"([^"]*)"$/.exec(result.error.message)?.[1] ?? "";
        expect(isValidTtl(example)).toBe(true);
      }),
    );
  });
});

describe("formatDuration", () => {
  test.each([
    [30 * MINUTE, "30m"],
    [90 * MINUTE, "1h30m"],
    [36 * HOUR, "1d12h"],
    [14 * DAY, "2w"],
    [9 * DAY + 3 * HOUR + 30 * MINUTE, "1w2d3h30m"],
  ])("%d ms is written as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test.each([0, -MINUTE, 90_000, Number.NaN, Infinity])("%d ms cannot be written as a ttl", (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});
