import { DEFAULT_MAX_TTL, tryParseDuration } from "./duration";
import { tryParseInstant } from "./instant";
import type { Result } from "./result";
import { TAG, type Tags } from "./tags";

/** Which rule produced an expiry: created-at + ttl, the expires-at override, or an extension. */
export type ExpiryBasis = "created-at+ttl" | "expires-at" | "extended-until";

/**
 * Known only when every resource's tags were well-formed; an unknown expiry is
 * reported and the reaper never acts on a guess.
 */
export type Expiry =
  | {
      readonly known: true;
      readonly expiresAt: Date;
      /** The resource (index into the input) and rule that set the latest expiry. */
      readonly source: { readonly resourceIndex: number; readonly basis: ExpiryBasis };
    }
  | { readonly known: false; readonly reason: string };

export interface ExpiryOptions {
  /** Longest ttl accepted; a longer one makes the expiry unknown. @default DEFAULT_MAX_TTL (14 days) */
  readonly maxTtl?: number;
}

/**
 * An environment's expiry: the latest of (created-at + ttl, expires-at, extended-until)
 * over all its resources, so one lagging resource can only delay a reap, never hasten it.
 */
export function expiryOf(resources: ReadonlyArray<Tags>, options: ExpiryOptions = {}): Expiry {
  if (resources.length === 0) return { known: false, reason: "the environment has no resources" };
  let latest: Extract<Expiry, { known: true }> | undefined;
  for (const [index, tags] of resources.entries()) {
    const own = resourceExpiry(tags, options.maxTtl ?? DEFAULT_MAX_TTL);
    if (!own.ok) return { known: false, reason: `resource ${index}: ${own.error}` };
    if (latest === undefined || own.value.at > latest.expiresAt.getTime()) {
      const source = { resourceIndex: index, basis: own.value.basis };
      latest = { known: true, expiresAt: new Date(own.value.at), source };
    }
  }
  return latest as Expiry;
}

type Candidate = { readonly at: number; readonly basis: ExpiryBasis };
type ResourceExpiry = { ok: true; value: Candidate } | { ok: false; error: string };

/** Every present value is parsed, even one a later rule would outrank: garbage anywhere means "don't know". */
function resourceExpiry(tags: Tags, maxTtl: number): ResourceExpiry {
  const ttl = read(tags, TAG.ttl, (text, field) => tryParseDuration(text, { field, max: maxTtl }));
  const createdAt = read(tags, TAG.createdAt, tryInstant);
  const expiresAt = read(tags, TAG.expiresAt, tryInstant);
  const extendedUntil = read(tags, TAG.extendedUntil, tryInstant);
  for (const parsed of [ttl, createdAt, expiresAt, extendedUntil]) {
    if (parsed !== undefined && !parsed.ok) return { ok: false, error: parsed.error.message };
  }

  const candidates: Candidate[] = [];
  if (ttl?.ok && createdAt?.ok) candidates.push({ at: createdAt.value.getTime() + ttl.value, basis: "created-at+ttl" });
  if (expiresAt?.ok) candidates.push({ at: expiresAt.value.getTime(), basis: "expires-at" });
  if (candidates.length === 0) {
    return { ok: false, error: `no base expiry; it needs ${TAG.createdAt} with ${TAG.ttl}, or ${TAG.expiresAt}` };
  }
  if (extendedUntil?.ok) candidates.push({ at: extendedUntil.value.getTime(), basis: "extended-until" });
  return { ok: true, value: candidates.reduce((a, b) => (b.at > a.at ? b : a)) };
}

function tryInstant(text: string, field: string): Result<Date> {
  return tryParseInstant(text, { field });
}

/** An absent tag is `undefined`; a present one, even empty, must parse. */
function read<T>(tags: Tags, key: string, parse: (text: string, field: string) => Result<T>): Result<T> | undefined {
  const text = Object.prototype.hasOwnProperty.call(tags, key) ? tags[key] : undefined;
  return text === undefined ? undefined : parse(text, key);
}
