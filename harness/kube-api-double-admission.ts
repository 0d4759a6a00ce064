/**
 * The admission steps of the Kubernetes API double (harness/kube-api-double.ts) that
 * sandboxing relies on: the RuntimeClass admission plugin and ValidatingAdmissionPolicy
 * (evaluated by harness/validating-admission.ts). Like the double, a model of the
 * behaviour the tests rely on, not the API server's code.
 */
import { type AdmissionRequest, type BindingSpec, type PolicySpec, admit } from "./validating-admission";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The cluster-scoped collections the double holds. */
export const CLUSTER_RESOURCES = {
  runtimeclasses: { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass" },
  validatingadmissionpolicies: { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy" },
  validatingadmissionpolicybindings: { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding" },
} as const;
export type ClusterResource = keyof typeof CLUSTER_RESOURCES;

/**
 * The RuntimeClass admission plugin: a pod naming an unknown class is refused; the
 * class's `overhead.podFixed` becomes the pod's `spec.overhead` (a pod that sets a
 * different one is refused); its `scheduling` is merged into the pod's nodeSelector
 * (a conflicting value is refused) and tolerations.
 */
export function admitByRuntimeClass(pod: JsonObject, runtimeClass: (name: string) => JsonObject | undefined): { ok: true; object: JsonObject } | { ok: false; message: string } {
  const spec = (pod.spec ?? {}) as JsonObject;
  if (typeof spec.runtimeClassName !== "string") return { ok: true, object: pod };
  const found = runtimeClass(spec.runtimeClassName);
  if (found === undefined) return { ok: false, message: `pod rejected: RuntimeClass "${spec.runtimeClassName}" not found` };
  const overhead = ((found.overhead as JsonObject | undefined)?.podFixed ?? undefined) as JsonObject | undefined;
  if (spec.overhead !== undefined && JSON.stringify(spec.overhead) !== JSON.stringify(overhead)) {
    return { ok: false, message: "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead" };
  }
  const scheduling = (found.scheduling ?? {}) as { nodeSelector?: Record<string, string>; tolerations?: JsonObject[] };
  const nodeSelector = { ...((spec.nodeSelector ?? {}) as Record<string, string>) };
  for (const [key, value] of Object.entries(scheduling.nodeSelector ?? {})) {
    if (nodeSelector[key] !== undefined && nodeSelector[key] !== value) {
      return { ok: false, message: `pod rejected: conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${nodeSelector[key]}` };
    }
    nodeSelector[key] = value;
  }
  const tolerations = [...((spec.tolerations ?? []) as JsonObject[])];
  for (const toleration of scheduling.tolerations ?? []) {
    if (!tolerations.some((t) => JSON.stringify(t) === JSON.stringify(toleration))) tolerations.push(toleration);
  }
  const admitted: JsonObject = { ...spec, nodeSelector, tolerations, ...(overhead === undefined ? {} : { overhead }) };
  return { ok: true, object: { ...pod, spec: admitted } };
}

/** HTTP codes the API server answers a validation's `reason` with. */
const CODE_OF_REASON: Readonly<Record<string, number>> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/**
 * Every binding among `objects` whose policy is among them too, evaluated against the
 * request: the first denial, worded as the API server words it, or undefined.
 * A binding whose policy is missing is skipped.
 */
export function admitByPolicies(
  objects: readonly JsonObject[],
  request: Omit<AdmissionRequest, "object" | "namespaceObject"> & { object: JsonObject; namespaceObject: JsonObject },
): { code: number; reason: string; message: string } | undefined {
  const named = (kind: string) => objects.filter((o) => o.kind === kind);
  const nameOf = (o: JsonObject) => String((o.metadata as JsonObject).name);
  for (const binding of named("ValidatingAdmissionPolicyBinding")) {
    const bindingSpec = binding.spec as unknown as BindingSpec;
    const policy = named("ValidatingAdmissionPolicy").find((p) => nameOf(p) === bindingSpec.policyName);
    if (policy === undefined) continue;
    const verdict = admit(policy.spec as unknown as PolicySpec, bindingSpec, request as AdmissionRequest);
    if (verdict.allowed) continue;
    const name = (request.object.metadata as JsonObject | undefined)?.name ?? "";
    return {
      code: CODE_OF_REASON[verdict.reason] ?? 422,
      reason: verdict.reason,
      message: `${request.resource.resource} "${String(name)}" is forbidden: ValidatingAdmissionPolicy '${nameOf(policy)}' with binding '${nameOf(binding)}' denied request: ${verdict.message}`,
    };
  }
  return undefined;
}
