import { workloadRoleName } from "../model";

/**
 * Who is appending to an environment's trace, by the caller's ARN:
 * - `workload`: the environment's own workload role (`assumed-role/ephemera-<env>-workload/…`):
 *   the environment exists, or its role could not be assumed;
 * - `other-workload`: another environment's workload role, which may not write here;
 * - `operator`: anyone else (a person, a pipeline, `ephemera mcp`), who must name an environment that exists.
 */
export type TraceWriter = { readonly kind: "workload" } | { readonly kind: "other-workload"; readonly env: string; readonly role: string } | { readonly kind: "operator" };

const [BEFORE, AFTER] = workloadRoleName("\u0000").split("\u0000") as [string, string];

export function traceWriterOf(callerArn: string, env: string): TraceWriter {
  const role = /^arn:[^:]+:sts::\d*:assumed-role\/([^/]+)\//.exec(callerArn)?.[1];
  if (role === undefined) return { kind: "operator" };
  if (role === workloadRoleName(env)) return { kind: "workload" };
  if (role.length > BEFORE.length + AFTER.length && role.startsWith(BEFORE) && role.endsWith(AFTER)) {
    return { kind: "other-workload", env: role.slice(BEFORE.length, role.length - AFTER.length), role };
  }
  return { kind: "operator" };
}
