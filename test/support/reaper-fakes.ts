import { parseAuditKey, parseAuditMarker } from "../../reaper/audit/audit-key";
import type { StateStore } from "../../reaper/state/state-store";
import type { DiscoveredResource, KindAdapter, KindName, OperationResult } from "../../reaper/contracts/kind-adapter";
import type { Notification, Notifier } from "../../reaper/action/notifier";

/** Records every operation in one shared log, remembers what it deleted/paused, and fails on request. */
export class FakeWorld {
  readonly calls: string[] = [];
  readonly deleted = new Set<string>();
  readonly paused = new Set<string>();
  readonly tags = new Map<string, Record<string, string>>();
  /** `delete:rds-instance:pr-1-db` → the result (or error) to give instead of succeeding. */
  readonly failures = new Map<string, OperationResult | Error>();
  /** Milliseconds every operation takes, to observe concurrency. */
  delayMs = 0;
  inFlight = new Map<string, number>();
  maxEnvsInFlight = 0;
  /** The most operations on one environment at once (1 when runs never race an environment). */
  maxOpsPerEnvInFlight = 0;

  adapters(kinds: readonly KindName[], options: { withoutPause?: readonly KindName[] } = {}): KindAdapter<FakeWorld>[] {
    return kinds.map((kind) => {
      const adapter: KindAdapter<FakeWorld> = {
        kind,
        list: async () => ({ resources: [], failures: [] }),
        tag: (world, r, tags) =>
          world.op("tag", r, () => {
            world.tags.set(key(r), { ...world.tags.get(key(r)), ...tags });
            return { ok: true, requestId: `req-tag-${r.id}` };
          }),
        delete: (world, r, opts) =>
          world.op(`delete${opts.finalSnapshotName ? `(${opts.finalSnapshotName})` : ""}`, r, () => {
            if (world.deleted.has(key(r))) return { ok: true, alreadyDone: true, message: "already gone" };
            world.deleted.add(key(r));
            return { ok: true, requestId: `req-delete-${r.id}` };
          }),
      };
      if (options.withoutPause?.includes(kind)) return adapter;
      return {
        ...adapter,
        pause: (world, r) =>
          world.op("pause", r, () => {
            if (world.paused.has(key(r))) return { ok: true, alreadyDone: true };
            world.paused.add(key(r));
            return { ok: true, facts: { previousSize: 2 } };
          }),
        resume: (world, r) =>
          world.op("resume", r, () => {
            if (!world.paused.delete(key(r))) return { ok: true, alreadyDone: true };
            return { ok: true };
          }),
      };
    });
  }

  private async op(name: string, r: DiscoveredResource, effect: () => OperationResult): Promise<OperationResult> {
    const env = r.tags["ephemera:env"] ?? "?";
    this.inFlight.set(env, (this.inFlight.get(env) ?? 0) + 1);
    this.maxEnvsInFlight = Math.max(this.maxEnvsInFlight, [...this.inFlight.values()].filter((n) => n > 0).length);
    this.maxOpsPerEnvInFlight = Math.max(this.maxOpsPerEnvInFlight, this.inFlight.get(env)!);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      this.calls.push(`${name.split("(")[0]} ${r.kind} ${r.id}`);
      const failure = this.failures.get(`${name.split("(")[0]}:${r.kind}:${r.id}`);
      if (failure instanceof Error) throw failure;
      if (failure !== undefined) return failure;
      return effect();
    } finally {
      this.inFlight.set(env, this.inFlight.get(env)! - 1);
    }
  }
}

function key(r: DiscoveredResource): string {
  return `${r.kind}:${r.id}`;
}

/** An SDK-shaped error: `name` is the API's error code, `$metadata` carries the request id. */
export function awsError(code: string, message: string, requestId = "req-err"): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { requestId, httpStatusCode: 400 } });
}

/**
 * The state store in a Map, with S3's conditional-write semantics; `failWhen` makes a put
 * reject. With `serverClock` it keeps S3's clock too (each key's write time, each
 * listing's time); without it, it has no clock of its own, as callers then assume.
 */
export class MemoryStateStore implements StateStore {
  readonly objects = new Map<string, string>();
  readonly writtenAt = new Map<string, Date>();
  readonly puts: string[] = [];
  failWhen: (key: string, body: string) => boolean = () => false;
  /** Record seqs whose keys count as taken by another writer: an exclusive put of one fails. */
  readonly taken = new Set<number>();
  /** Requests by kind, to count what an operation costs. */
  readonly requests = { put: 0, list: 0, get: 0 };

  constructor(public serverClock?: () => Date) {}

  async put(key: string, body: string, options: { exclusive?: boolean } = {}) {
    this.requests.put += 1;
    if (this.failWhen(key, body)) throw awsError("ServiceUnavailable", "the audit bucket is unavailable");
    const seq = /\/(\d+)\.json$/.exec(key)?.[1];
    if (options.exclusive && (this.objects.has(key) || (seq !== undefined && this.taken.has(Number(seq))))) throw awsError("PreconditionFailed", `${key} is taken`);
    this.objects.set(key, body);
    if (this.serverClock !== undefined) this.writtenAt.set(key, this.serverClock());
    this.puts.push(key);
    return { requestId: `put-${this.puts.length}` };
  }

  async scan(prefix: string, options: { startAfter?: string; limit?: number } = {}) {
    const keys = (await this.list(prefix, options)).map((key) => {
      const at = this.writtenAt.get(key);
      return at === undefined ? { key } : { key, writtenAt: at };
    });
    return this.serverClock === undefined ? { keys } : { keys, serverTime: this.serverClock() };
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}) {
    this.requests.list += 1;
    const after = options.startAfter;
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).sort();
    return options.limit === undefined ? keys : keys.slice(0, options.limit);
  }

  async get(key: string) {
    this.requests.get += 1;
    const body = this.objects.get(key);
    if (body === undefined) throw awsError("NoSuchKey", key);
    return body;
  }

  /** The audit records (markers left out), in key order. */
  records(): Record<string, unknown>[] {
    return [...this.objects.keys()]
      .filter((k) => parseAuditKey(k) !== undefined)
      .sort()
      .map((k) => JSON.parse(this.objects.get(k)!));
  }

  /** The marker keys written beside the records. */
  markers(): string[] {
    return [...this.objects.keys()].filter((k) => parseAuditMarker(k) !== undefined).sort();
  }
}

export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  fail?: Error;
  async notify(notification: Notification) {
    if (this.fail) throw this.fail;
    this.sent.push(notification);
    return { requestId: "sns-req", messageId: `msg-${this.sent.length}` };
  }
}
