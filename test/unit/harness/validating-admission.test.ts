import { type AdmissionRequest, type BindingSpec, type PolicySpec, admit, selects } from "../../../harness/validating-admission";

const POLICY: PolicySpec = {
  failurePolicy: "Fail",
  matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }] },
  variables: [{ name: "image", expression: "object.spec.containers[0].image" }],
  validations: [{ expression: "variables.image.startsWith('registry.local/')", message: "use the local registry" }],
};
const DENY: BindingSpec = { policyName: "p", validationActions: ["Deny"] };

const pod = (spec: Record<string, unknown>, operation: AdmissionRequest["operation"] = "CREATE"): AdmissionRequest => ({
  operation,
  resource: { group: "", version: "v1", resource: "pods" },
  object: { kind: "Pod", metadata: { name: "p" }, spec } as AdmissionRequest["object"],
  namespaceObject: { kind: "Namespace", metadata: { name: "ns", labels: { team: "web" } } },
});

describe("admit, the ValidatingAdmissionPolicy evaluator", () => {
  it("admits what the validation accepts, and denies with the message what it does not", () => {
    expect(admit(POLICY, DENY, pod({ containers: [{ image: "registry.local/app" }] }))).toEqual({ allowed: true, matched: true });
    expect(admit(POLICY, DENY, pod({ containers: [{ image: "docker.io/app" }] }))).toEqual({ allowed: false, reason: "Invalid", message: "use the local registry" });
  });

  it("does not apply to an operation or resource outside the rules", () => {
    expect(admit(POLICY, DENY, pod({ containers: [{ image: "docker.io/app" }] }, "UPDATE"))).toEqual({ allowed: true, matched: false });
  });

  it("fails closed on an evaluation error under Fail, and open under Ignore", () => {
    const broken = pod({});
    expect(admit(POLICY, DENY, broken)).toMatchObject({ allowed: false, message: expect.stringContaining("variable image") });
    expect(admit({ ...POLICY, failurePolicy: "Ignore" }, DENY, broken)).toEqual({ allowed: true, matched: true });
  });

  it("only denies through a binding with the Deny action", () => {
    expect(admit(POLICY, { ...DENY, validationActions: ["Warn"] }, pod({ containers: [{ image: "docker.io/app" }] }))).toEqual({ allowed: true, matched: true });
  });

  it("selects namespaces as Kubernetes label selectors do", () => {
    const labels = { team: "web", tier: "preview" };
    expect(selects(undefined, labels)).toBe(true);
    expect(selects({ matchLabels: { team: "web" } }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: "team", operator: "In", values: ["api"] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: "gone", operator: "NotIn", values: ["x"] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: "gone", operator: "Exists" }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: "gone", operator: "DoesNotExist" }] }, labels)).toBe(true);
  });
});
