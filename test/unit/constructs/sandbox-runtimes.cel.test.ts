import { parse } from "@bufbuild/cel";
import { SANDBOX_POLICY_CEL, SandboxRuntimes } from "../../../constructs/sandbox-runtimes";
import { type AdmissionRequest, type BindingSpec, type Operation, type PolicySpec, admit } from "../../../harness/validating-admission";
import { all, synth } from "./synth";

// The policy and binding exactly as synthesized, evaluated by a CEL-spec evaluator
// (harness/validating-admission.ts says what of the API server it models).
const synthesized = all(synth((scope) => new SandboxRuntimes(scope, "sandbox")), "kubernetes_manifest").map((m) => m.manifest);
const POLICY = synthesized.find((m) => m.kind === "ValidatingAdmissionPolicy")!.spec as PolicySpec;
const BINDING = synthesized.find((m) => m.kind === "ValidatingAdmissionPolicyBinding")!.spec as BindingSpec;

type Obj = Record<string, unknown>;

const namespace = (isolation?: string): Obj => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "env-pr-7", labels: { "kubernetes.io/metadata.name": "env-pr-7", ...(isolation === undefined ? {} : { "ephemera.dev/isolation": isolation }) } },
});

const podSpec = (runtimeClassName?: string): Obj => ({
  ...(runtimeClassName === undefined ? {} : { runtimeClassName }),
  containers: [{ name: "app", image: "ghcr.io/acme/agent:1", resources: { requests: { cpu: "100m" } } }],
});

const KINDS = {
  Pod: { group: "", version: "v1", resource: "pods", wrap: (spec: Obj) => ({ spec }) },
  Deployment: { group: "apps", version: "v1", resource: "deployments", wrap: (spec: Obj) => ({ spec: { replicas: 2, template: { spec } } }) },
  StatefulSet: { group: "apps", version: "v1", resource: "statefulsets", wrap: (spec: Obj) => ({ spec: { template: { spec } } }) },
  DaemonSet: { group: "apps", version: "v1", resource: "daemonsets", wrap: (spec: Obj) => ({ spec: { template: { spec } } }) },
  ReplicaSet: { group: "apps", version: "v1", resource: "replicasets", wrap: (spec: Obj) => ({ spec: { template: { spec } } }) },
  Job: { group: "batch", version: "v1", resource: "jobs", wrap: (spec: Obj) => ({ spec: { template: { spec } } }) },
  CronJob: { group: "batch", version: "v1", resource: "cronjobs", wrap: (spec: Obj) => ({ spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec } } } } }) },
} as const;
type Kind = keyof typeof KINDS;

function request(kind: Kind, runtimeClassName: string | undefined, options: { isolation?: string; operation?: Operation; metadata?: Obj; oldObject?: Obj; subResource?: string } = {}): AdmissionRequest {
  const k = KINDS[kind];
  const object = { apiVersion: k.group === "" ? "v1" : `${k.group}/v1`, kind, metadata: options.metadata ?? { name: "agent", namespace: "env-pr-7" }, ...k.wrap(podSpec(runtimeClassName)) };
  return {
    operation: options.operation ?? "CREATE",
    resource: { group: k.group, version: k.version, resource: k.resource },
    ...(options.subResource === undefined ? {} : { subResource: options.subResource }),
    object: object as AdmissionRequest["object"],
    ...(options.oldObject === undefined ? {} : { oldObject: options.oldObject as AdmissionRequest["oldObject"] }),
    namespaceObject: namespace("isolation" in options ? options.isolation : "gvisor") as AdmissionRequest["namespaceObject"],
  };
}

const verdict = (...args: Parameters<typeof request>) => admit(POLICY, BINDING, request(...args));

describe("the sandbox admission policy's CEL", () => {
  it("parses, every expression of it", () => {
    const expressions = [
      ...SANDBOX_POLICY_CEL.variables.map((v) => v.expression),
      ...SANDBOX_POLICY_CEL.matchConditions.map((c) => c.expression),
      SANDBOX_POLICY_CEL.validation.expression,
      SANDBOX_POLICY_CEL.validation.messageExpression,
    ];
    for (const expression of expressions) expect(() => parse(expression)).not.toThrow();
  });

  it.each(Object.keys(KINDS) as Kind[])("admits a %s that names the namespace's RuntimeClass", (kind) => {
    expect(verdict(kind, "ephemera-gvisor")).toEqual({ allowed: true, matched: true });
  });

  it.each(Object.keys(KINDS) as Kind[])("rejects a %s without a runtimeClassName", (kind) => {
    expect(verdict(kind, undefined)).toMatchObject({ allowed: false, reason: "Forbidden" });
  });

  it("rejects a pod naming another RuntimeClass, even the other sandbox's", () => {
    expect(verdict("Pod", "ephemera-kata")).toMatchObject({ allowed: false });
    expect(verdict("Pod", "runc")).toMatchObject({ allowed: false });
    expect(verdict("Pod", "ephemera-gvisor", { isolation: "kata" })).toMatchObject({ allowed: false });
    expect(verdict("Pod", "ephemera-kata", { isolation: "kata" })).toEqual({ allowed: true, matched: true });
  });

  it("tells a pod's author which field to set to what, and what it was", () => {
    expect(verdict("Pod", undefined)).toEqual({
      allowed: false,
      reason: "Forbidden",
      message: "Pod agent in namespace env-pr-7 must run in the gvisor sandbox: set spec.runtimeClassName: ephemera-gvisor (it has none)",
    });
    expect(verdict("Pod", "runc")).toMatchObject({ message: expect.stringMatching(/set spec\.runtimeClassName: ephemera-gvisor \(it is runc\)$/) });
  });

  it("names the template's field for workloads, two templates down for a CronJob", () => {
    expect(verdict("Deployment", undefined)).toMatchObject({ message: expect.stringContaining("Deployment agent in namespace env-pr-7 must run in the gvisor sandbox: set spec.template.spec.runtimeClassName: ephemera-gvisor") });
    expect(verdict("CronJob", "runc", { isolation: "kata" })).toMatchObject({
      message: "CronJob agent in namespace env-pr-7 must run in the kata sandbox: set spec.jobTemplate.spec.template.spec.runtimeClassName: ephemera-kata (it is runc)",
    });
  });

  it("names a pod a controller creates by its generateName", () => {
    expect(verdict("Pod", undefined, { metadata: { generateName: "web-7d9f-", namespace: "env-pr-7" } })).toMatchObject({ message: expect.stringMatching(/^Pod web-7d9f-\* in namespace/) });
  });

  it("leaves namespaces without a sandbox label, or labelled none, alone", () => {
    expect(verdict("Pod", undefined, { isolation: undefined })).toEqual({ allowed: true, matched: false });
    expect(verdict("Pod", undefined, { isolation: "none" })).toEqual({ allowed: true, matched: false });
  });

  it("rejects an update that drops a workload's runtimeClassName", () => {
    const before = request("Deployment", "ephemera-gvisor").object;
    expect(verdict("Deployment", undefined, { operation: "UPDATE", oldObject: before })).toMatchObject({ allowed: false });
    expect(verdict("Deployment", "ephemera-gvisor", { operation: "UPDATE", oldObject: before })).toEqual({ allowed: true, matched: true });
  });

  it("lets a workload that is being deleted lose its finalizers, so the namespace can terminate", () => {
    const deleting = { name: "agent", namespace: "env-pr-7", deletionTimestamp: "2026-12-07T02:00:00Z", finalizers: [] };
    expect(verdict("Deployment", undefined, { operation: "UPDATE", metadata: deleting })).toEqual({ allowed: true, matched: false });
  });

  it("does not check pod updates or ephemeral containers: a pod's runtimeClassName is immutable, and debug containers join its sandbox", () => {
    expect(verdict("Pod", undefined, { operation: "UPDATE" })).toEqual({ allowed: true, matched: false });
    expect(verdict("Pod", "ephemera-gvisor", { operation: "UPDATE", subResource: "ephemeralcontainers" })).toEqual({ allowed: true, matched: false });
  });

  it("fails closed for a level it does not know: no pod can name a RuntimeClass that does not exist", () => {
    expect(verdict("Pod", "ephemera-gvisor", { isolation: "firecracker" })).toMatchObject({
      allowed: false,
      message: expect.stringContaining("set spec.runtimeClassName: ephemera-firecracker"),
    });
  });

  it("fails closed when the object lacks the pod template the CEL reads (failurePolicy Fail)", () => {
    const noTemplate = { ...request("Deployment", "ephemera-gvisor"), object: { kind: "Deployment", metadata: { name: "agent" }, spec: {} } };
    expect(admit(POLICY, BINDING, noTemplate)).toMatchObject({ allowed: false, message: expect.stringContaining("failed") });
  });
});
