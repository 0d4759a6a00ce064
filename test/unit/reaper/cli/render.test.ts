import { formatTimeLeft, formatUsd, renderListing } from "../../../../reaper/cli/render";
import { listEnvironments } from "../../../../reaper/operations/list-environments";
import { AUDIT_BUCKET, HOUR, NOW } from "../../../support/reaper-fixtures";

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

describe("how ls shows an empty list", () => {
  const options = { now: NOW, auditBucket: AUDIT_BUCKET, maxTtlMs: 14 * 24 * HOUR };

  test("with every listing done, it says no environments were found", () => {
    expect(renderListing(listEnvironments({ resources: [], failures: [] }, options))).toBe("No environments found.");
  });

  test("when listings failed, it says nothing could be listed, never that there are none", () => {
    const failures = [{ kind: "rds-instance" as const, scope: "region us-east-1", code: "ThrottlingException", message: "Rate exceeded" }];
    const text = renderListing(listEnvironments({ resources: [], failures }, options));
    expect(text).toBe("No environment could be listed: listings failed (see below), so whether any exist is unknown.");
    expect(text).not.toContain("No environments found");
  });
});
