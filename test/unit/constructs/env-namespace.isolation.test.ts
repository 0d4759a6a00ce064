import { EnvNamespace, EnvNamespaceProps } from "../../../constructs/env-namespace";
import { SANDBOX_POLICY_NAME } from "../../../constructs/sandbox-runtimes";
import { ISOLATION_NAMESPACE_LABEL } from "../../../reaper/model";
import { all, expectInvalid, one, synth } from "./synth";

const PROPS: EnvNamespaceProps = { envId: "pr-9", identity: { type: "pod-identity", clusterName: "previews" } };

const synthNs = (overrides: Partial<EnvNamespaceProps> = {}) => synth((scope) => new EnvNamespace(scope, "ns", { ...PROPS, ...overrides }));
const hard = (overrides: Partial<EnvNamespaceProps> = {}) => one(synthNs(overrides), "kubernetes_resource_quota_v1").spec.hard;

describe("EnvNamespace isolation", () => {
  it("by default labels nothing, reads nothing from the cluster and keeps the size class's quota", () => {
    const out = synthNs();
    expect(one(out, "kubernetes_namespace_v1").metadata.labels[ISOLATION_NAMESPACE_LABEL]).toBeUndefined();
    expect(all(out, "kubernetes_resource", "data")).toEqual([]);
    expect(hard()).toEqual(hard({ isolation: "none" }));
    expect(hard()).toMatchObject({ "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi" });
  });

  it.each(["gvisor", "kata"] as const)("with %s, labels the namespace for the cluster's admission policy and names the RuntimeClass pods must use", (level) => {
    let ns: EnvNamespace | undefined;
    const out = synth((scope) => {
      ns = new EnvNamespace(scope, "ns", { ...PROPS, isolation: level });
    });
    expect(one(out, "kubernetes_namespace_v1").metadata.labels).toMatchObject({
      [ISOLATION_NAMESPACE_LABEL]: level,
      "pod-security.kubernetes.io/enforce": "restricted",
    });
    expect(ns!.isolation).toBe(level);
    expect(ns!.runtimeClassName).toBe(`ephemera-${level}`);
  });

  it("without a sandbox, names no RuntimeClass", () => {
    let ns: EnvNamespace | undefined;
    synth((scope) => {
      ns = new EnvNamespace(scope, "ns", PROPS);
    });
    expect(ns!.isolation).toBe("none");
    expect(ns!.runtimeClassName).toBeUndefined();
  });

  it("grows the quota's CPU and memory by the RuntimeClass overhead of every pod the quota allows", () => {
    // small: 20 pods; gVisor 100m and 64Mi a pod, Kata 250m and 160Mi.
    expect(hard({ isolation: "gvisor" })).toMatchObject({ "requests.cpu": "4", "limits.cpu": "6", "requests.memory": "5376Mi", "limits.memory": "9472Mi", pods: "20" });
    expect(hard({ isolation: "kata" })).toMatchObject({ "requests.cpu": "7", "limits.cpu": "9", "requests.memory": "7296Mi", "limits.memory": "11392Mi", pods: "20" });
    expect(hard({ isolation: "kata", size: "large" })).toMatchObject({ "requests.cpu": "28", "requests.memory": "29184Mi" });
  });

  it("counts the overhead for an explicit pod count, and takes explicit CPU and memory as they are", () => {
    expect(hard({ isolation: "kata", quota: { pods: "4" } })).toMatchObject({ pods: "4", "requests.cpu": "3", "requests.memory": "4736Mi" });
    expect(hard({ isolation: "kata", quota: { "requests.cpu": "3" } })["requests.cpu"]).toBe("3");
  });

  it("fails the plan, naming the fix, while the cluster lacks the RuntimeClass, the policy or its binding", () => {
    const reads = all(synthNs({ isolation: "gvisor" }), "kubernetes_resource", "data");
    expect(reads.map((r) => [r.kind, r.metadata.name]).sort()).toEqual([
      ["RuntimeClass", "ephemera-gvisor"],
      ["ValidatingAdmissionPolicy", SANDBOX_POLICY_NAME],
      ["ValidatingAdmissionPolicyBinding", SANDBOX_POLICY_NAME],
    ]);
    for (const read of reads) {
      const [check] = read.lifecycle.postcondition;
      expect(check.condition).toBe(`\${try(self.object.metadata.name, "") == "${read.metadata.name}"}`);
      expect(check.error_message).toContain("create the cluster's SandboxRuntimes");
    }
  });

  it.each(["gVisor", "firecracker", ""])("rejects isolation %j, naming the field and the valid levels", (bad) => {
    expectInvalid(() => synthNs({ isolation: bad as never }), "isolation", /is not a known isolation level; use one of "none", "gvisor", "kata"/);
  });
});
