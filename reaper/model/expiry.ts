import { DEFAULT_MAX_TTL, tryParseDuration } from "./duration";
import { tryParseInstant } from "./instant";
import type { Result } from "./result";
import { TAG, type Tags } from "./tags";

/** Which rule produced an expiry: created-at + ttl, the expires-at override, or an extension. */
export type ExpiryBasis = "created-at+ttl" | "expires-at" | "extended-until";

/** A well-formed `ephemera:ttl` longer than the max TTL: it counts as exactly the max. */
export interface TtlOverMax {
  /** The resource (index into the input) that carries it. */
  readonly resourceIndex: number;
  /** The tag's value, as written. */
  readonly ttl: string;
  /** The max TTL it was held to, in milliseconds. */
  readonly maxTtlMs: number;
}

/**
 * Known only when every resource's tags were well-formed; an unknown expiry is
 * reported and the reaper never acts on a guess. A well-formed ttl over the max is
 * no guess: it is enforced as the max, and `overMax` says so.
 */
export type Expiry =
  | {
      readonly known: true;
      readonly expiresAt: Date;
      /** The resource (index into the input) and rule that set the latest expiry. */
      readonly source: { readonly resourceIndex: number; readonly basis: ExpiryBasis };
      /** Every resource whose ttl was over the max and counted as the max; absent when none was. */
      readonly overMax?: readonly TtlOverMax[];
    }
  | { readonly known: false; readonly reason: string };

export interface ExpiryOptions {
  /** Longest ttl enforced; a longer, well-formed one counts as this (and is listed in `overMax`). @default DEFAULT_MAX_TTL (14 days) */
  readonly maxTtl?: number;
}

/**
 * An environment's expiry: the latest of (created-at + ttl, expires-at, extended-until)
 * over all its resources, so one lagging resource can only delay a reap, never hasten it.
 */
export function expiryOf(resources: ReadonlyArray<Tags>, options: ExpiryOptions = {}): Expiry {
  if (resources.length === 0) return { known: false, reason: "the environment has no resources" };
  const maxTtl = options.maxTtl ?? DEFAULT_MAX_TTL;
  let latest: { expiresAt: Date; source: { resourceIndex: number; basis: ExpiryBasis } } | undefined;
  const overMax: TtlOverMax[] = [];
  for (const [index, tags] of resources.entries()) {
    const own = resourceExpiry(tags, maxTtl);
    if (!own.ok) return { known: false, reason: `resource ${index}: ${own.error}` };
    if (own.value.ttlOverMax) overMax.push({ resourceIndex: index, ttl: tags[TAG.ttl]!, maxTtlMs: maxTtl });
    if (latest === undefined || own.value.at > latest.expiresAt.getTime()) {
      latest = { expiresAt: new Date(own.value.at), source: { resourceIndex: index, basis: own.value.basis } };
    }
  }
  return { known: true, ...latest!, ...(overMax.length === 0 ? {} : { overMax }) };
}

type Candidate = { readonly at: number; readonly basis: ExpiryBasis };
type ResourceExpiry = { ok: true; value: Candidate & { readonly ttlOverMax: boolean } } | { ok: false; error: string };

/**
 * Every present value is parsed, even one a later rule would outrank: garbage anywhere means "don't know".
 * The ttl is read with the grammar alone; one over the max counts as the max.
 */
function resourceExpiry(tags: Tags, maxTtl: number): ResourceExpiry {
  const ttl = read(tags, TAG.ttl, (text, field) => tryParseDuration(text, { field, max: Infinity }));
  const createdAt = read(tags, TAG.createdAt, tryInstant);
  const expiresAt = read(tags, TAG.expiresAt, tryInstant);
  const extendedUntil = read(tags, TAG.extendedUntil, tryInstant);
  for (const parsed of [ttl, createdAt, expiresAt, extendedUntil]) {
    if (parsed !== undefined && !parsed.ok) return { ok: false, error: parsed.error.message };
  }

  const ttlOverMax = ttl?.ok === true && ttl.value > maxTtl;
  const candidates: Candidate[] = [];
  if (ttl?.ok && createdAt?.ok) candidates.push({ at: createdAt.value.getTime() + Math.min(ttl.value, maxTtl), basis: "created-at+ttl" });
  if (expiresAt?.ok) candidates.push({ at: expiresAt.value.getTime(), basis: "expires-at" });
  if (candidates.length === 0) {
    return { ok: false, error: `no base expiry; it needs ${TAG.createdAt} with ${TAG.ttl}, or ${TAG.expiresAt}` };
  }
  if (extendedUntil?.ok) candidates.push({ at: extendedUntil.value.getTime(), basis: "extended-until" });
  return { ok: true, value: { ...candidates.reduce((a, b) => (b.at > a.at ? b : a)), ttlOverMax } };
}

function tryInstant(text: string, field: string): Result<Date> {
  return tryParseInstant(text, { field });
}

/** An absent tag is `undefined`; a present one, even empty, must parse. */
function read<T>(tags: Tags, key: string, parse: (text: string, field: string) => Result<T>): Result<T> | undefined {
  const text = Object.prototype.hasOwnProperty.call(tags, key) ? tags[key] : undefined;
  return text === undefined ? undefined : parse(text, key);
}
