import { formatTimeLeft, formatUsd } from "../../../../reaper/cli/render";

describe("how ls shows time and money", () => {
  test("time left is whole minutes in the ttl grammar, rounded towards zero", () => {
    expect(formatTimeLeft(4 * 3600 + 12 * 60 + 59)).toBe("4h12m");
    expect(formatTimeLeft(59)).toBe("<1m");
    expect(formatTimeLeft(2 * 86400 + 3600)).toBe("2d1h");
  });

  test("a past expiry reads as how long ago it expired, and an unknown one as unknown", () => {
    expect(formatTimeLeft(-(2 * 3600 + 5 * 60))).toBe("expired 2h5m ago");
    expect(formatTimeLeft(null)).toBe("unknown");
  });

  test("amounts are dollars with cents, and an unknown amount is a dash", () => {
    expect(formatUsd(21.3)).toBe("$21.30");
    expect(formatUsd(null)).toBe("-");
  });
});
