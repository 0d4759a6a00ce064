import { groupEnvironments } from "../decision/group-environments";
import type { ReaperRuntime } from "../runtime/reaper-runtime";
import { appendTrace, type AppendTraceOptions, type AppendTraceResult, TraceContentionError, type WrittenBatch } from "../traces/append-trace";
import type { TraceEntry } from "../traces/trace-record";
import { traceWriterOf } from "../traces/trace-writer";
import { lookAtEnvironment } from "./operator-request";

export interface AppendToTraceRequest {
  readonly env: string;
  /** Checked already (parseTraceLines, messageEntry): nothing is checked here but who asks. */
  readonly entries: readonly TraceEntry[];
  /** @default the system clock */
  readonly clock?: () => Date;
  readonly append?: AppendTraceOptions;
}

export type AppendToTraceResult =
  | ({ readonly ok: true; readonly status: "appended"; readonly writer: "workload" | "operator" } & AppendTraceResult)
  | {
      readonly ok: false;
      readonly env: string;
      readonly status: "refused" | "failed";
      /** `not-found` and `other-workload` are the caller's to fix (exit 2); `account`, `incomplete` and `contention` are not. */
      readonly code: "not-found" | "other-workload" | "account" | "incomplete" | "contention";
      readonly message: string;
      /** For `contention`: the batches that were written before the rest lost. */
      readonly written?: readonly WrittenBatch[];
    };

/**
 * `ephemera trace append`: who asks first (STS, which needs no permission), then the
 * append. The environment's own workload role appends at once (its role exists, so the
 * environment does); another environment's workload is refused; anyone else passes the
 * account guard and must name an environment that discovery finds.
 */
export async function appendToTrace(runtime: ReaperRuntime, request: AppendToTraceRequest): Promise<AppendToTraceResult> {
  const { env } = request;
  const writer = traceWriterOf(await runtime.callerArn(), env);
  if (writer.kind === "other-workload") {
    const message = `the caller is environment ${writer.env}'s workload (role ${writer.role}); it may append to ${writer.env}'s trace only, not to ${env}'s; nothing was written`;
    return { ok: false, env, status: "refused", code: "other-workload", message };
  }
  if (writer.kind === "operator") {
    const refused = await unknownEnvironment(runtime, request);
    if (refused !== undefined) return refused;
  }
  try {
    const result = await appendTrace(runtime.auditStore(request.clock), env, request.entries, request.append);
    return { ok: true, status: "appended", writer: writer.kind, ...result };
  } catch (err) {
    if (!(err instanceof TraceContentionError)) throw err;
    return { ok: false, env, status: "failed", code: "contention", message: err.message, written: err.written };
  }
}

/** The account guard and a discovery of the environment: a refusal when it is not there (or may be hidden by a failed listing). */
async function unknownEnvironment(runtime: ReaperRuntime, request: AppendToTraceRequest): Promise<AppendToTraceResult | undefined> {
  const { env } = request;
  const look = await lookAtEnvironment(runtime, { env, ...(request.clock === undefined ? {} : { clock: request.clock }) });
  if (!look.ok) return { ok: false, env, status: "refused", code: "account", message: look.message };
  if (groupEnvironments(look.inventory, runtime.config.auditBucket).environments.some((e) => e.env === env)) return undefined;
  if (look.inventory.failures.length > 0) {
    const failed = look.inventory.failures.map((f) => `${f.kind}: ${f.code ?? f.message}`).join("; ");
    return { ok: false, env, status: "failed", code: "incomplete", message: `no resources of environment ${env} were found, but listings failed (${failed}); nothing was written: try again` };
  }
  return { ok: false, env, status: "refused", code: "not-found", message: `no resources of environment ${env} were found; nothing was written: check the id (ephemera ls lists them)` };
}
