import type { AuditOutcome } from "../audit/audit-record";
import { refersToAuditBucket } from "../contracts/refers-to-audit-bucket";
import type { PlannedAction } from "../contracts/plan";
import type { KindAdapter, KindName, OperationResult } from "../contracts/kind-adapter";
import { errorCode, isAmbiguous, messageOf, requestIdOf } from "../support/outcomes";
import type { Notifier } from "./notifier";

/** The kind adapters, as reaper/kinds/index.ts exports them: a list, or a record keyed by kind. */
export type AdapterTable<Ctx> = readonly KindAdapter<Ctx>[] | Readonly<Partial<Record<KindName, KindAdapter<Ctx>>>>;

/** What an executed action came to: every outcome an after-record can carry. */
export type ExecutedOutcome = Exclude<AuditOutcome, "pending">;

/** What an action is carried out with. */
export interface ExecuteWith<Ctx> {
  readonly lookup: (kind: KindName) => KindAdapter<Ctx> | undefined;
  readonly ctx: Ctx;
  readonly notifier: Notifier;
  /** Never acted on, whatever the plan says. */
  readonly auditBucket: string;
  /** Renews the environment's lease while an action waits (a rollback's restore); false when it was lost. @default - nothing to keep */
  readonly keepLease?: () => Promise<boolean>;
}

/**
 * Carries out one planned action: a notification through the notifier, anything else
 * through its kind's adapter. Nothing it throws escapes: a thrown error is `failed`, or
 * `unknown` when the call may still have been carried out.
 */
export async function executeAction<Ctx>(action: PlannedAction, using: ExecuteWith<Ctx>): Promise<[ExecutedOutcome, Partial<OperationResult>]> {
  try {
    if (action.type === "notify") {
      const sent = await using.notifier.notify(action);
      return ["done", { ...(sent.requestId === undefined ? {} : { requestId: sent.requestId }), ...(sent.messageId === undefined ? {} : { facts: { messageId: sent.messageId } }) }];
    }
    const { resource } = action;
    if (refersToAuditBucket(resource, using.auditBucket)) {
      return ["refused", { code: "AuditBucketProtected", message: "the audit bucket and its records are never acted on" }];
    }
    const adapter = using.lookup(resource.kind);
    if (adapter === undefined) return ["failed", { code: "NoAdapter", message: `no adapter for kind ${resource.kind}` }];
    let result: OperationResult;
    switch (action.type) {
      case "tag":
        result = await adapter.tag(using.ctx, resource, action.tags);
        break;
      case "delete":
        result = await adapter.delete(using.ctx, resource, action.finalSnapshotName === undefined ? {} : { finalSnapshotName: action.finalSnapshotName });
        break;
      case "pause":
      case "resume": {
        const operation = action.type === "pause" ? adapter.pause : adapter.resume;
        if (operation === undefined) return ["not-applicable", { message: `${resource.kind} has no ${action.type}: it costs nothing idle` }];
        result = await operation.call(adapter, using.ctx, resource);
        break;
      }
      case "restore":
        if (adapter.restore === undefined) return ["refused", { code: "NotRestorable", message: `${resource.kind} is never restored` }];
        result = await adapter.restore(using.ctx, resource, action.from);
        break;
      case "rotate-credentials":
        if (adapter.rotateCredentials === undefined) return ["refused", { code: "NoCredentials", message: `${resource.kind} has no master password to rotate` }];
        result = await adapter.rotateCredentials(using.ctx, resource, action.secret);
        break;
      case "checkpoint":
        if (adapter.checkpoint === undefined) return ["refused", { code: "NoCheckpoint", message: `${resource.kind} takes no snapshots` }];
        result = await adapter.checkpoint(using.ctx, resource, action.snapshot, action.tags);
        break;
      case "restore-checkpoint":
      case "rename":
      case "set-password": {
        const rollback = adapter.rollbackSteps;
        if (rollback === undefined) return ["refused", { code: "NotRollingBack", message: `${resource.kind} is never rolled back` }];
        const waiting = { keepLease: using.keepLease ?? (async () => true) };
        if (action.type === "restore-checkpoint") result = await rollback.restoreCheckpoint(using.ctx, resource, action.from, waiting);
        else if (action.type === "rename") result = await rollback.rename(using.ctx, resource, action.to, waiting);
        else result = await rollback.setPassword(using.ctx, resource, action.secretArn, waiting);
        break;
      }
    }
    if (!result.ok) return [result.ambiguous ? "unknown" : "failed", { ...result, code: result.code ?? "Failed" }];
    return [result.alreadyDone ? "already-done" : "done", result];
  } catch (err) {
    const requestId = requestIdOf(err);
    return [isAmbiguous(err) ? "unknown" : "failed", { code: errorCode(err), message: messageOf(err), ...(requestId === undefined ? {} : { requestId }) }];
  }
}

/** Finds a kind's adapter in the table, list or record. */
export function adapterLookup<Ctx>(table: AdapterTable<Ctx>): (kind: KindName) => KindAdapter<Ctx> | undefined {
  if (Array.isArray(table)) {
    const byKind = new Map((table as readonly KindAdapter<Ctx>[]).map((a) => [a.kind, a] as const));
    return (kind) => byKind.get(kind);
  }
  const record = table as Readonly<Partial<Record<KindName, KindAdapter<Ctx>>>>;
  return (kind) => (Object.prototype.hasOwnProperty.call(record, kind) ? record[kind] : undefined);
}
