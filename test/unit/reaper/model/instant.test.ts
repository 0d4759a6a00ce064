import fc from "fast-check";
import { formatInstant, parseInstant, tryParseInstant } from "../../../../reaper/model";
import { expectInvalid } from "./expect-invalid";

const FIELD = "ephemera:expires-at";
const isValidInstant = (text: string) => tryParseInstant(text).ok;
const parse = (text: string) => tryParseInstant(text, { field: FIELD });

/** Writes `date` as local time at `offset` minutes east of UTC, as another tool might. */
function withOffset(date: Date, offset: number): string {
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const modernDate = fc.date({
  min: new Date("1970-01-02T00:00:00Z"),
  max: new Date("9998-12-31T00:00:00Z"),
  noInvalidDate: true,
});
const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

describe("parseInstant", () => {
  test.each([
    ["2026-05-01T12:00:00Z", "2026-05-01T12:00:00.000Z"],
    ["2026-05-01T12:00Z", "2026-05-01T12:00:00.000Z"],
    ["2026-05-01T12:00:00.5Z", "2026-05-01T12:00:00.500Z"],
    ["2026-05-01T12:00:00.123Z", "2026-05-01T12:00:00.123Z"],
    ["2026-05-01T14:00:00+02:00", "2026-05-01T12:00:00.000Z"],
    ["2026-05-01T06:30:00-05:30", "2026-05-01T12:00:00.000Z"],
    ["2026-05-01T12:00:00-00:00", "2026-05-01T12:00:00.000Z"],
    ["2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"],
  ])("%s is accepted as %s", (text, iso) => {
    expect(parseInstant(text).toISOString()).toBe(iso);
  });

  test("sub-millisecond digits round up, so an expiry is never read as earlier than written", () => {
    expect(parseInstant("2026-05-01T12:00:00.000000001Z").toISOString()).toBe("2026-05-01T12:00:00.001Z");
  });

  test.each([
    ["2026-05-01T12:00:00", "has no time zone"],
    ["2026-05-01T12:00", "has no time zone"],
    ["2026-05-01", "is a date without a time"],
    ["2026-02-30T00:00:00Z", "is not a real date and time"],
    ["2027-02-29T00:00:00Z", "is not a real date and time"],
    ["2026-13-01T00:00:00Z", "is not a real date and time"],
    ["2026-05-01T24:00:00Z", "is not a real date and time"],
    ["2026-05-01T12:60:00Z", "is not a real date and time"],
    ["2026-05-01T12:00:60Z", "is not a real date and time"],
    ["2026-05-01T12:00:00+24:00", "is not a real date and time"],
    ["2026-05-01T12:00:00+0200", "is not an ISO-8601 date-time"],
    ["2026-05-01 12:00:00Z", "is not an ISO-8601 date-time"],
    ["2026-05-01T12:00:00z", "is not an ISO-8601 date-time"],
    ["1777636800", "is not an ISO-8601 date-time"],
    ["tomorrow", "is not an ISO-8601 date-time"],
    ["", "is empty"],
    [" 2026-05-01T12:00:00Z", "has surrounding whitespace"],
    ["2026-05-01T12:00:00Z\n", "has surrounding whitespace"],
  ])("%j is rejected because it %s, with the field, the value and a valid example", (text, problem) => {
    const error = expectInvalid(parse(text), FIELD, text, isValidInstant);
    expect(error.message).toContain(problem);
  });

  test("a zone-less time is answered with the same time in UTC as the example", () => {
    expect(() => parseInstant("2026-05-01T12:00:00", { field: FIELD })).toThrow(
      `${FIELD} "2026-05-01T12:00:00" has no time zone; ` +
        `add "Z" for UTC or an offset such as "+02:00", as in "2026-05-01T12:00:00Z"`,
    );
  });

  test("any instant survives format then parse", () => {
    const anyDate = fc.date({
      min: new Date("0000-01-01T00:00:00.000Z"),
      max: new Date("9999-12-31T23:59:59.999Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(anyDate, (date) => {
        expect(parseInstant(formatInstant(date)).getTime()).toBe(date.getTime());
      }),
    );
  });

  test("the same instant written at any offset parses to the same moment", () => {
    fc.assert(
      fc.property(modernDate, offsetMinutes, (date, offset) => {
        expect(parseInstant(withOffset(date, offset)).getTime()).toBe(date.getTime());
      }),
    );
  });

  test("a zone-less time is always rejected, whatever the date and precision", () => {
    const precision = fc.constantFrom(16, 19, 21, 23);
    fc.assert(
      fc.property(modernDate, offsetMinutes, precision, (date, offset, length) => {
        const naive = withOffset(date, offset).slice(0, length);
        expect(tryParseInstant(naive).ok).toBe(false);
        expectInvalid(parse(naive), FIELD, naive, isValidInstant);
      }),
    );
  });

  test("a string without a trailing Z or ±HH:MM is never accepted", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        fc.pre(!/(Z|[+-]\d\d:\d\d)$/.test(text));
        expectInvalid(parse(text), FIELD, text, isValidInstant);
      }),
    );
  });
});

describe("formatInstant", () => {
  test("a whole-second instant is written without milliseconds", () => {
    expect(formatInstant(new Date("2026-05-01T12:00:00.000Z"))).toBe("2026-05-01T12:00:00Z");
  });

  test("milliseconds are kept when present, so nothing is lost", () => {
    expect(formatInstant(new Date("2026-05-01T12:00:00.250Z"))).toBe("2026-05-01T12:00:00.250Z");
  });

  test.each([new Date(Number.NaN), new Date("+010000-01-01T00:00:00Z"), new Date("-000001-01-01T00:00:00Z")])(
    "%s cannot be written",
    (date) => {
      expect(() => formatInstant(date)).toThrow(RangeError);
    },
  );
});
