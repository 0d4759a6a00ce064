import type { RegisterRead, VersionedRegister } from "./versioned-register";

/** What to do with what was read: stop with `done`, or write `write` as the next version and return `then` if it lands. */
export type CasStep<T, R> = { readonly done: R } | { readonly write: T; readonly then: R };

export interface CompareAndSetOptions {
  /** Reads (and writes) before giving up. @default 8 */
  readonly attempts?: number;
  /** The first retry waits up to this long; each doubles it. @default 25 */
  readonly baseDelayMs?: number;
  /** No retry waits longer. @default 1000 */
  readonly maxDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

export type CasResult<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly attempts: number };

/**
 * The one compare-and-set loop on a register: read, decide, write the next version; when
 * another writer wrote it first, wait (exponential backoff with full jitter, so writers
 * that collided do not collide again in step) and decide again on what is there now.
 * `{ ok: false }` when it lost every attempt: the caller reports contention.
 */
export async function compareAndSet<T, R>(
  register: VersionedRegister<T>,
  step: (read: RegisterRead<T>) => CasStep<T, R> | Promise<CasStep<T, R>>,
  options: CompareAndSetOptions = {},
): Promise<CasResult<R>> {
  const attempts = options.attempts ?? 8;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt, random, options));
    const read = await register.read();
    const next = await step(read);
    if ("done" in next) return { ok: true, result: next.done };
    if (await register.write(read, next.write)) return { ok: true, result: next.then };
  }
  return { ok: false, attempts };
}

/** The wait before retry `attempt` (1 is the first retry): exponential backoff with full jitter, so writers that collided do not collide again in step. */
export function backoffMs(attempt: number, random: () => number, options: Pick<CompareAndSetOptions, "baseDelayMs" | "maxDelayMs"> = {}): number {
  return Math.floor(random() * Math.min(options.maxDelayMs ?? 1000, (options.baseDelayMs ?? 25) * 2 ** (attempt - 1)));
}
