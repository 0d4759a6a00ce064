import {
  SANDBOX_NAMESPACE_SELECTOR,
  SANDBOX_POLICY_CEL,
  SANDBOX_POLICY_NAME,
  SandboxRuntimes,
  SandboxRuntimesProps,
} from "../../../constructs/sandbox-runtimes";
import { RUNTIME_OVERHEAD, SANDBOX_NODE_LABEL, sandboxNodeLabels, sandboxTaint } from "../../../reaper/model";
import { Block, all, expectInvalid, synth } from "./synth";

const manifests = (props?: SandboxRuntimesProps): Block[] => all(synth((scope) => new SandboxRuntimes(scope, "sandbox", props)), "kubernetes_manifest").map((m) => m.manifest);
const ofKind = (kind: string, props?: SandboxRuntimesProps) => manifests(props).filter((m) => m.kind === kind);

describe("SandboxRuntimes", () => {
  it("creates one RuntimeClass per level, with the containerd handler the sandbox nodes define", () => {
    const classes = ofKind("RuntimeClass");
    expect(classes.map((c) => [c.apiVersion, c.metadata.name, c.handler])).toEqual([
      ["node.k8s.io/v1", "ephemera-gvisor", "runsc"],
      ["node.k8s.io/v1", "ephemera-kata", "kata-qemu"],
    ]);
  });

  it.each(["gvisor", "kata"] as const)("schedules %s pods onto the sandbox nodes only: their label selected, their taint tolerated", (level) => {
    const [runtimeClass] = ofKind("RuntimeClass").filter((c) => c.metadata.name === `ephemera-${level}`);
    expect(runtimeClass.scheduling.nodeSelector).toEqual(sandboxNodeLabels(level));
    const taint = sandboxTaint(level);
    expect(runtimeClass.scheduling.tolerations).toEqual([{ key: SANDBOX_NODE_LABEL, operator: "Equal", value: level, effect: taint.effect }]);
  });

  it("charges each pod the runtime's overhead, so the scheduler and the quota see it", () => {
    const overheads = Object.fromEntries(ofKind("RuntimeClass").map((c) => [c.metadata.name, c.overhead.podFixed]));
    expect(overheads).toEqual({ "ephemera-gvisor": RUNTIME_OVERHEAD.gvisor, "ephemera-kata": RUNTIME_OVERHEAD.kata });
    expect(overheads["ephemera-kata"]).toEqual({ cpu: "250m", memory: "160Mi" });
  });

  it("creates only the levels asked for", () => {
    expect(ofKind("RuntimeClass", { levels: ["gvisor"] }).map((c) => c.metadata.name)).toEqual(["ephemera-gvisor"]);
  });

  it("creates one admission policy that fails closed over pods and every workload kind with a pod template", () => {
    const [policy] = ofKind("ValidatingAdmissionPolicy");
    expect(policy.apiVersion).toBe("admissionregistration.k8s.io/v1");
    expect(policy.metadata.name).toBe(SANDBOX_POLICY_NAME);
    expect(policy.spec.failurePolicy).toBe("Fail");
    const rules = policy.spec.matchConstraints.resourceRules as Block[];
    const operations = Object.fromEntries(rules.flatMap((r) => r.resources.map((res: string) => [res, r.operations])));
    expect(operations).toEqual({
      pods: ["CREATE"],
      deployments: ["CREATE", "UPDATE"],
      statefulsets: ["CREATE", "UPDATE"],
      daemonsets: ["CREATE", "UPDATE"],
      replicasets: ["CREATE", "UPDATE"],
      jobs: ["CREATE", "UPDATE"],
      cronjobs: ["CREATE", "UPDATE"],
      replicationcontrollers: ["CREATE", "UPDATE"],
    });
  });

  it("synthesizes exactly the CEL the tests evaluate", () => {
    const [policy] = ofKind("ValidatingAdmissionPolicy");
    expect(policy.spec.variables).toEqual(SANDBOX_POLICY_CEL.variables);
    expect(policy.spec.matchConditions).toEqual(SANDBOX_POLICY_CEL.matchConditions);
    expect(policy.spec.validations).toEqual([{ ...SANDBOX_POLICY_CEL.validation, message: SANDBOX_POLICY_CEL.message, reason: "Forbidden" }]);
  });

  it("binds the policy with Deny to the namespaces labelled with a sandbox level, and to no other", () => {
    const [binding] = ofKind("ValidatingAdmissionPolicyBinding");
    expect(binding.spec).toEqual({ policyName: SANDBOX_POLICY_NAME, validationActions: ["Deny"], matchResources: { namespaceSelector: SANDBOX_NAMESPACE_SELECTOR } });
    expect(SANDBOX_NAMESPACE_SELECTOR.matchExpressions).toEqual([
      { key: "ephemera.dev/isolation", operator: "Exists" },
      { key: "ephemera.dev/isolation", operator: "NotIn", values: ["none"] },
    ]);
    const [policy] = ofKind("ValidatingAdmissionPolicy");
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual(SANDBOX_NAMESPACE_SELECTOR);
  });

  it("creates the binding after the policy", () => {
    const out = synth((scope) => new SandboxRuntimes(scope, "sandbox"));
    const blocks = out.resource.kubernetes_manifest!;
    const [policyId] = Object.entries(blocks).find(([, b]) => b.manifest.kind === "ValidatingAdmissionPolicy")!;
    const [, binding] = Object.entries(blocks).find(([, b]) => b.manifest.kind === "ValidatingAdmissionPolicyBinding")!;
    expect(binding.depends_on).toEqual([`kubernetes_manifest.${policyId}`]);
  });

  it.each([
    [{ levels: [] }, "levels", /"\[\]" is empty/],
    [{ levels: ["none"] }, "levels[0]", /is not a sandbox level; use "gvisor" or "kata"/],
    [{ levels: ["gvisor", "firecracker"] }, "levels[1]", /is not a known isolation level; use one of "none", "gvisor", "kata"/],
  ])("rejects %p, naming the field", (props, field, problem) => {
    expectInvalid(() => manifests(props as SandboxRuntimesProps), field, problem);
  });
});
