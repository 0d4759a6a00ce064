import type { AuditStore } from "./audit-store";
import { errorCode } from "../support/outcomes";

/** The highest sequence number a register can reach; keys count down from it, so the newest lists first. */
const LAST_SEQ = 999_999_999_999;

/** One version of a register's value: `seq` 1 is the first ever written. */
export interface RegisterEntry<T> {
  readonly seq: number;
  readonly value: T;
}

/**
 * A value that changes by compare-and-set on a write-once store (the audit bucket, where
 * nothing is ever overwritten or deleted). Version `n` lives at `<prefix><countdown of n>.json`:
 * reading the newest is one listing of one key and one read, however long the history; writing
 * version `n + 1` succeeds for exactly one writer (`If-None-Match: *`), so concurrent writers
 * who read the same version cannot both change it. The loser reads again and decides again.
 */
export class WriteOnceRegister<T> {
  constructor(
    private readonly store: AuditStore,
    /** Ends with "/". */
    readonly prefix: string,
    /** Checks what was read back: a malformed body is an error, never a value. */
    private readonly parse: (body: unknown) => T,
  ) {}

  /** The newest version, or undefined when none was ever written. A read that fails rejects: the caller must fail closed. */
  async read(): Promise<RegisterEntry<T> | undefined> {
    const [key] = await this.store.list(this.prefix, { limit: 1 });
    if (key === undefined) return undefined;
    const seq = seqOf(this.prefix, key);
    const body = JSON.parse(await this.store.get(key)) as { seq?: unknown; value?: unknown };
    if (body.seq !== seq) throw new Error(`${key} holds version ${String(body.seq)}, not ${seq}`);
    return { seq, value: this.parse(body.value) };
  }

  /**
   * Writes `value` as the version after `after` (undefined: the first). `false` when another
   * writer wrote that version first: read again, and decide again on what is there now.
   */
  async write(after: RegisterEntry<T> | undefined, value: T): Promise<boolean> {
    const seq = (after?.seq ?? 0) + 1;
    try {
      await this.store.put(keyOf(this.prefix, seq), JSON.stringify({ v: 1, seq, value }), { exclusive: true });
      return true;
    } catch (err) {
      const code = errorCode(err);
      if (code === "PreconditionFailed" || code === "ConditionalRequestConflict") return false;
      throw err;
    }
  }
}

function keyOf(prefix: string, seq: number): string {
  return `${prefix}${String(LAST_SEQ - seq).padStart(12, "0")}.json`;
}

function seqOf(prefix: string, key: string): number {
  const match = /^(\d{12})\.json$/.exec(key.slice(prefix.length));
  if (match === null) throw new Error(`${key} is not a register key (${prefix}<12 digits>.json)`);
  return LAST_SEQ - Number(match[1]);
}
