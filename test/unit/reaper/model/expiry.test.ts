import fc from "fast-check";
import {
  expiryOf,
  formatDuration,
  formatInstant,
  TAG,
  tryParseDuration,
  tryParseInstant,
  type Expiry,
  type Tags,
} from "../../../../reaper/model";

const HOUR = 3_600_000;
const T0 = "2026-05-01T00:00:00Z";
const at = (iso: string) => new Date(iso);

function expiresAt(expiry: Expiry): Date {
  if (!expiry.known) throw new Error(`expected a known expiry, got: ${expiry.reason}`);
  return expiry.expiresAt;
}

describe("expiryOf, by example", () => {
  test("a resource expires at created-at plus ttl", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h" }]);
    expect(expiry).toEqual({
      known: true,
      expiresAt: at("2026-05-01T08:00:00Z"),
      source: { resourceIndex: 0, basis: "created-at+ttl" },
    });
  });

  test("expires-at alone is enough to know the expiry", () => {
    expect(expiresAt(expiryOf([{ [TAG.expiresAt]: "2026-05-02T00:00:00Z" }]))).toEqual(at("2026-05-02T00:00:00Z"));
  });

  test("a later expires-at postpones created-at plus ttl", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h", [TAG.expiresAt]: "2026-05-03T00:00:00Z" }]);
    expect(expiry).toMatchObject({ expiresAt: at("2026-05-03T00:00:00Z"), source: { basis: "expires-at" } });
  });

  test("an earlier expires-at does not bring created-at plus ttl forward", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h", [TAG.expiresAt]: "2026-05-01T01:00:00Z" }]);
    expect(expiresAt(expiry)).toEqual(at("2026-05-01T08:00:00Z"));
  });

  test("an extension postpones the expiry", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h", [TAG.extendedUntil]: "2026-05-01T20:00:00Z" }]);
    expect(expiry).toMatchObject({ expiresAt: at("2026-05-01T20:00:00Z"), source: { basis: "extended-until" } });
  });

  test("an extension that has already lapsed never shortens the expiry", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h", [TAG.extendedUntil]: "2026-05-01T02:00:00Z" }]);
    expect(expiresAt(expiry)).toEqual(at("2026-05-01T08:00:00Z"));
  });

  test("the environment lives until its last resource expires, and says which one that is", () => {
    const expiry = expiryOf([
      { [TAG.createdAt]: T0, [TAG.ttl]: "8h" },
      { [TAG.createdAt]: "2026-05-01T00:05:00Z", [TAG.ttl]: "8h" },
      { [TAG.createdAt]: "2026-05-01T00:02:00Z", [TAG.ttl]: "8h" },
    ]);
    expect(expiry).toMatchObject({ expiresAt: at("2026-05-01T08:05:00Z"), source: { resourceIndex: 1 } });
  });

  test("offsets are honoured when comparing resources", () => {
    const expiry = expiryOf([
      { [TAG.expiresAt]: "2026-05-01T10:00:00+02:00" },
      { [TAG.expiresAt]: "2026-05-01T09:00:00Z" },
    ]);
    expect(expiry).toMatchObject({ expiresAt: at("2026-05-01T09:00:00Z"), source: { resourceIndex: 1 } });
  });

  test("tags the rules do not read are ignored", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "1h", [TAG.owner]: "not a date", Name: "x" }]);
    expect(expiresAt(expiry)).toEqual(at("2026-05-01T01:00:00Z"));
  });

  test("an environment with no resources has an unknown expiry", () => {
    expect(expiryOf([])).toEqual({ known: false, reason: "the environment has no resources" });
  });

  test("a resource with only a ttl has an unknown expiry, since created-at is missing", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h" }, { [TAG.ttl]: "8h" }]);
    expect(expiry).toEqual({
      known: false,
      reason: `resource 1: no base expiry; it needs ${TAG.createdAt} with ${TAG.ttl}, or ${TAG.expiresAt}`,
    });
  });

  test("an extension without a base does not make the expiry known", () => {
    expect(expiryOf([{ [TAG.extendedUntil]: "2026-05-01T20:00:00Z" }]).known).toBe(false);
  });

  test("a created-at without a ttl or expires-at is not enough", () => {
    expect(expiryOf([{ [TAG.createdAt]: T0 }]).known).toBe(false);
  });

  test("a malformed ttl makes the expiry unknown, naming the resource, the tag and the value", () => {
    const expiry = expiryOf([{ [TAG.expiresAt]: T0 }, { [TAG.createdAt]: T0, [TAG.ttl]: "1.5h" }]);
    expect(expiry).toEqual({
      known: false,
      reason: `resource 1: ${TAG.ttl} "1.5h" is not a whole number of units; use whole units such as "90m" or "1d12h"`,
    });
  });

  test("a naive time makes the expiry unknown even when another rule would decide", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "8h", [TAG.extendedUntil]: "2026-05-01T20:00:00" }]);
    const problem = `${TAG.extendedUntil} "2026-05-01T20:00:00" has no time zone`;
    expect(expiry).toMatchObject({ known: false, reason: expect.stringContaining(problem) });
  });

  test("a present but empty value is malformed, not absent", () => {
    expect(expiryOf([{ [TAG.expiresAt]: T0, [TAG.ttl]: "" }]).known).toBe(false);
  });

  test("a well-formed ttl above the max counts as exactly the max, and the expiry says which resource, value and max", () => {
    const expiry = expiryOf([{ [TAG.expiresAt]: T0 }, { [TAG.createdAt]: T0, [TAG.ttl]: "30d" }]);
    expect(expiry).toEqual({
      known: true,
      expiresAt: at("2026-05-15T00:00:00Z"),
      source: { resourceIndex: 1, basis: "created-at+ttl" },
      overMax: [{ resourceIndex: 1, ttl: "30d", maxTtlMs: 14 * 24 * HOUR }],
    });
  });

  test("a ttl over the max still never shortens what another rule gives: a later expires-at or extension wins", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "30d", [TAG.extendedUntil]: "2026-05-20T00:00:00Z" }]);
    expect(expiry).toMatchObject({ expiresAt: at("2026-05-20T00:00:00Z"), source: { basis: "extended-until" }, overMax: [{ ttl: "30d" }] });
  });

  test("a ttl within the max reports nothing over it", () => {
    expect(expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "2w" }])).not.toHaveProperty("overMax");
  });

  test("a malformed ttl is still unknown, however long it reads: no deletion on a guess", () => {
    expect(expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "30 days" }]).known).toBe(false);
    expect(expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "3y" }]).known).toBe(false);
  });

  test("a raised maximum admits a longer ttl", () => {
    const expiry = expiryOf([{ [TAG.createdAt]: T0, [TAG.ttl]: "3w" }], { maxTtl: 30 * 24 * HOUR });
    expect(expiresAt(expiry)).toEqual(at("2026-05-22T00:00:00Z"));
  });
});

/** One resource's well-formed tags, plus the expiry the rules give it, computed independently. */
interface Sample {
  readonly tags: Tags;
  readonly expectedMs: number;
}

const instantMs = fc.integer({ min: Date.parse("2025-01-01T00:00:00Z"), max: Date.parse("2027-01-01T00:00:00Z") });
const ttlMinutes = fc.integer({ min: 1, max: 14 * 24 * 60 });
const resource: fc.Arbitrary<Sample> = fc
  .record({
    createdAt: fc.option(instantMs, { nil: undefined }),
    ttl: fc.option(ttlMinutes, { nil: undefined }),
    expiresAt: fc.option(instantMs, { nil: undefined }),
    extendedUntil: fc.option(instantMs, { nil: undefined }),
  })
  .filter((r) => (r.createdAt !== undefined && r.ttl !== undefined) || r.expiresAt !== undefined)
  .map((r) => {
    const tags: Record<string, string> = { [TAG.managedBy]: "ephemera", [TAG.env]: "pr-1" };
    const candidates: number[] = [];
    if (r.createdAt !== undefined) tags[TAG.createdAt] = formatInstant(new Date(r.createdAt));
    if (r.ttl !== undefined) tags[TAG.ttl] = formatDuration(r.ttl * 60_000);
    if (r.createdAt !== undefined && r.ttl !== undefined) candidates.push(r.createdAt + r.ttl * 60_000);
    if (r.expiresAt !== undefined) {
      tags[TAG.expiresAt] = formatInstant(new Date(r.expiresAt));
      candidates.push(r.expiresAt);
    }
    if (r.extendedUntil !== undefined) {
      tags[TAG.extendedUntil] = formatInstant(new Date(r.extendedUntil));
      candidates.push(r.extendedUntil);
    }
    return { tags, expectedMs: Math.max(...candidates) };
  });
const environment = fc.array(resource, { minLength: 1, maxLength: 6 });

const EXPIRY_KEYS = [TAG.ttl, TAG.createdAt, TAG.expiresAt, TAG.extendedUntil] as const;
/** Well-formed, whatever its length: a ttl over the max counts as the max, it is not malformed. */
const isValidFor = (key: string, text: string) =>
  key === TAG.ttl ? tryParseDuration(text, { max: Infinity }).ok : tryParseInstant(text).ok;
/** Plausible mistakes as well as noise, so shrinking lands on readable counterexamples. */
const badValue = fc.oneof(
  fc.string(),
  fc.constantFrom("", " ", "1.5h", "3y", "0m", "3w", "8h ", "2026-05-01", "2026-02-30T00:00:00Z", "never", "null"),
  instantMs.map((ms) => formatInstant(new Date(ms)).replace("Z", "")),
  instantMs.map((ms) => ` ${formatInstant(new Date(ms))}`),
);

describe("expiryOf, as properties", () => {
  test("a single resource expires at the latest of its own rules", () => {
    fc.assert(
      fc.property(resource, ({ tags, expectedMs }) => {
        expect(expiresAt(expiryOf([tags])).getTime()).toBe(expectedMs);
      }),
    );
  });

  test("the environment never expires before any one of its resources", () => {
    fc.assert(
      fc.property(environment, (samples) => {
        const env = expiresAt(expiryOf(samples.map((s) => s.tags))).getTime();
        for (const sample of samples) expect(env).toBeGreaterThanOrEqual(expiresAt(expiryOf([sample.tags])).getTime());
        expect(env).toBe(Math.max(...samples.map((s) => s.expectedMs)));
      }),
    );
  });

  test("adding a resource never makes the environment expire earlier", () => {
    fc.assert(
      fc.property(environment, resource, fc.nat(), (samples, extra, position) => {
        const before = expiresAt(expiryOf(samples.map((s) => s.tags))).getTime();
        const withExtra = samples.map((s) => s.tags);
        withExtra.splice(position % (withExtra.length + 1), 0, extra.tags);
        expect(expiresAt(expiryOf(withExtra)).getTime()).toBeGreaterThanOrEqual(before);
      }),
    );
  });

  test("a ttl over the max is enforced as exactly the max, on any resource, and named", () => {
    const MAX = 14 * 24 * 60;
    fc.assert(
      fc.property(instantMs, fc.integer({ min: MAX + 1, max: 366 * 24 * 60 }), (created, minutes) => {
        const createdAt = formatInstant(new Date(created));
        const ttl = formatDuration(minutes * 60_000);
        const expiry = expiryOf([{ [TAG.createdAt]: createdAt, [TAG.ttl]: ttl }]);
        expect(expiresAt(expiry).getTime()).toBe(Date.parse(createdAt) + MAX * 60_000);
        expect(expiry).toMatchObject({ overMax: [{ resourceIndex: 0, ttl, maxTtlMs: MAX * 60_000 }] });
      }),
    );
  });

  test("any malformed value on any resource makes the expiry unknown, never a date", () => {
    fc.assert(
      fc.property(environment, fc.nat(), fc.constantFrom(...EXPIRY_KEYS), badValue, (samples, pick, key, value) => {
        fc.pre(!isValidFor(key, value));
        const index = pick % samples.length;
        const tags = samples.map((s) => s.tags);
        tags[index] = { ...tags[index], [key]: value };
        const expiry = expiryOf(tags);
        expect(expiry.known).toBe(false);
        expect(expiry).not.toHaveProperty("expiresAt");
        if (!expiry.known) expect(expiry.reason.startsWith(`resource ${index}: ${key} `)).toBe(true);
      }),
    );
  });
});
