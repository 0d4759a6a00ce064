import { putIfAbsent } from "./put-if-absent";
import { LAST_SEQ, versionKey, versionOf } from "./state-keys";
import type { StateStore, StoredKey } from "./state-store";

/** One version of a register's value: `seq` 1 is the first ever written. */
export interface RegisterEntry<T> {
  readonly seq: number;
  readonly value: T;
  /** When the store wrote it, by the store's clock. */
  readonly writtenAt?: Date;
}

/** What one read of a register saw. */
export interface RegisterRead<T> {
  /** The newest well-formed version; undefined when none was ever written. */
  readonly entry?: RegisterEntry<T>;
  /** The version the next write takes. */
  readonly next: number;
  /** The store's clock when it answered (see Listing.serverTime). */
  readonly serverTime?: Date;
  /** Objects the read passed over, each with why (malformed, or a version that follows none). */
  readonly skipped: readonly string[];
}

/** Keys one read lists: the newest versions and whatever sorts among them. */
const WINDOW = 100;
/** Malformed bodies one read gets past before it gives up (each costs a request). */
const MAX_MALFORMED = 5;

/**
 * A value that changes by compare-and-set on the write-once state store. Reading the
 * newest version is one listing and one read, however long the history; writing the
 * next version succeeds for exactly one writer (`putIfAbsent`), so concurrent writers
 * who read the same version cannot both change it: the loser reads again and decides again.
 *
 * One bad object never blocks it: a key that is not a version, a version whose body is
 * malformed, and a version that follows no earlier one (a writer that jumped ahead, say to
 * the last possible version) are passed over and named in `skipped`, and the next write
 * takes the first version above the newest good one that no object holds.
 */
export class VersionedRegister<T> {
  constructor(
    private readonly store: StateStore,
    /** Ends with "/". */
    readonly prefix: string,
    /** Checks what was read back: a malformed body throws, and is passed over. */
    private readonly parse: (body: unknown) => T,
  ) {}

  /** The newest version. A listing or read that fails rejects: the caller must fail closed. */
  async read(): Promise<RegisterRead<T>> {
    const listing = await this.store.scan(this.prefix, { limit: WINDOW });
    const skipped: string[] = [];
    const versions = listing.keys.flatMap((k) => {
      const seq = versionOf(this.prefix, k.key);
      if (seq === undefined) skipped.push(`${k.key}: not a version key (${this.prefix}<12 digits>.json)`);
      return seq === undefined ? [] : [{ ...k, seq }];
    });
    const held = new Set(versions.map((v) => v.seq));
    const full = listing.keys.length >= WINDOW;
    let entry: RegisterEntry<T> | undefined;
    let malformed = 0;
    for (const [i, version] of versions.entries()) {
      // The oldest key of a full window may have its predecessor beyond it.
      const follows = version.seq === 1 || held.has(version.seq - 1) || (full && i === versions.length - 1);
      if (!follows) {
        skipped.push(`${version.key}: version ${version.seq} follows no version ${version.seq - 1}; ignored`);
        continue;
      }
      const value = await this.value(version);
      if (value.ok) {
        entry = { seq: version.seq, value: value.value, ...(version.writtenAt === undefined ? {} : { writtenAt: version.writtenAt }) };
        break;
      }
      skipped.push(`${version.key}: ${value.error}; ignored`);
      if (++malformed >= MAX_MALFORMED) {
        throw new Error(`${this.prefix} has ${malformed} malformed versions in a row (${skipped.join("; ")}); a break-glass principal must remove them`);
      }
    }
    let next = (entry?.seq ?? 0) + 1;
    while (held.has(next)) next += 1;
    if (next > LAST_SEQ) throw new Error(`${this.prefix} is full: version ${next} is past the last, ${LAST_SEQ}`);
    return { ...(entry === undefined ? {} : { entry }), next, ...(listing.serverTime === undefined ? {} : { serverTime: listing.serverTime }), skipped };
  }

  /**
   * What the newest versions' keys are now, as one string: it changes when any version is
   * written. One listing and no read, for a caller that polls for a change.
   */
  async mark(): Promise<string> {
    const listing = await this.store.scan(this.prefix, { limit: WINDOW });
    return listing.keys.map((k) => k.key).join("\n");
  }

  /**
   * Writes `value` as the version after what `read` saw. `false` when another writer wrote
   * that version first: read again, and decide again on what is there now.
   */
  async write(read: Pick<RegisterRead<T>, "next">, value: T): Promise<boolean> {
    const seq = read.next;
    const written = await putIfAbsent(this.store, versionKey(this.prefix, seq), JSON.stringify({ v: 1, seq, value }));
    return written.status === "written";
  }

  private async value(version: StoredKey & { seq: number }): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    const text = await this.store.get(version.key);
    try {
      const body = JSON.parse(text) as { seq?: unknown; value?: unknown };
      if (body.seq !== version.seq) return { ok: false, error: `it holds version ${String(body.seq)}, not ${version.seq}` };
      return { ok: true, value: this.parse(body.value) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
