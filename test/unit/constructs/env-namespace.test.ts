import { Construct } from "constructs";
import { Testing } from "../../../constructs/core";
import { EnvNamespace, EnvNamespaceProps } from "../../../constructs/env-namespace";

const IRSA: EnvNamespaceProps = {
  envId: "pr-9",
  identity: {
    type: "irsa",
    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  },
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function synth(props: EnvNamespaceProps): { resource: Json; data: Json } {
  return JSON.parse(Testing.synthScope((scope: Construct) => new EnvNamespace(scope, "ns", props)));
}

const only = (group: Json | undefined): Json[] => Object.values(group ?? {});

describe("EnvNamespace", () => {
  it("creates env-<id> with Pod Security restricted enforced", () => {
    const [ns] = only(synth(IRSA).resource.kubernetes_namespace_v1);
    expect(ns.metadata.name).toBe("env-pr-9");
    expect(ns.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("denies all ingress and egress by default, then allows the namespace itself and DNS", () => {
    const policies = only(synth(IRSA).resource.kubernetes_network_policy_v1);
    const byName = Object.fromEntries(policies.map((p) => [p.metadata.name, p.spec]));
    expect(byName["default-deny-all"]).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
    expect(byName["allow-same-namespace"].egress).toEqual([{ to: [{ pod_selector: {} }] }]);
    expect(byName["allow-dns"].egress[0].ports).toEqual([{ port: "53", protocol: "UDP" }, { port: "53", protocol: "TCP" }]);
    expect(byName["allow-listed-egress"]).toBeUndefined();
  });

  it("allows egress to the database only on its port and subnets", () => {
    const policies = only(synth({ ...IRSA, databaseEgress: { port: 5432, cidrBlocks: ["10.0.16.0/20"] } }).resource.kubernetes_network_policy_v1);
    const allow = policies.find((p) => p.metadata.name === "allow-listed-egress")!;
    expect(allow.spec.egress).toEqual([{ to: [{ ip_block: { cidr: "10.0.16.0/20" } }], ports: [{ port: "5432", protocol: "TCP" }] }]);
  });

  it("sets a quota for the size class that forbids load balancers and node ports", () => {
    const small = only(synth(IRSA).resource.kubernetes_resource_quota_v1)[0].spec.hard;
    const large = only(synth({ ...IRSA, size: "large" }).resource.kubernetes_resource_quota_v1)[0].spec.hard;
    expect(small).toMatchObject({ "requests.cpu": "2", "services.loadbalancers": "0", "services.nodeports": "0" });
    expect(large["requests.cpu"]).toBe("8");
  });

  it("lets explicit quota values override the size class", () => {
    const hard = only(synth({ ...IRSA, quota: { pods: "5" } }).resource.kubernetes_resource_quota_v1)[0].spec.hard;
    expect(hard).toMatchObject({ pods: "5", "requests.cpu": "2" });
  });

  it("gives containers default requests and limits", () => {
    const [range] = only(synth(IRSA).resource.kubernetes_limit_range_v1);
    expect(range.spec.limit[0]).toMatchObject({ type: "Container", default_request: { cpu: "100m", memory: "128Mi" }, default: { cpu: "500m", memory: "512Mi" } });
  });

  it("scopes the IRSA trust policy to exactly this namespace's service account", () => {
    const out = synth(IRSA);
    const [trust] = only(out.data.aws_iam_policy_document);
    const conditions = trust.statement[0].condition;
    expect(trust.statement[0].actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(conditions).toContainEqual(expect.objectContaining({ test: "StringEquals", values: ["system:serviceaccount:env-pr-9:workload"] }));
    expect(conditions).toContainEqual(expect.objectContaining({ values: ["sts.amazonaws.com"] }));
    expect(JSON.stringify(trust)).not.toContain("*");
    const [sa] = only(out.resource.kubernetes_service_account_v1);
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(/aws_iam_role\..*\.arn/);
  });

  it("uses an EKS Pod Identity association when asked, trusting only the pods service", () => {
    const out = synth({ envId: "pr-9", identity: { type: "pod-identity", clusterName: "previews" } });
    const [assoc] = only(out.resource.aws_eks_pod_identity_association);
    expect(assoc).toMatchObject({ cluster_name: "previews", namespace: "env-pr-9", service_account: "workload" });
    expect(only(out.data.aws_iam_policy_document)[0].statement[0].principals).toEqual([{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }]);
  });

  it("grants the deployer group namespace-scoped rights with no RBAC escalation", () => {
    const out = synth(IRSA);
    const [role] = only(out.resource.kubernetes_role_v1);
    const resources = role.rule.flatMap((r: Json) => r.resources);
    expect(resources).toContain("deployments");
    expect(resources).not.toContain("roles");
    expect(resources).not.toContain("rolebindings");
    expect(role.rule.flatMap((r: Json) => r.verbs)).not.toContain("*");
    const [binding] = only(out.resource.kubernetes_role_binding_v1);
    expect(binding.subject).toEqual([{ api_group: "rbac.authorization.k8s.io", kind: "Group", name: "ephemera:pr-9:deployers" }]);
  });

  it("exposes the node selector and tolerations of the environment's spot nodes", () => {
    let ns: EnvNamespace | undefined;
    Testing.synthScope((scope) => {
      ns = new EnvNamespace(scope, "ns", IRSA);
    });
    expect(ns!.nodeSelector).toEqual({ "ephemera.dev/env": "pr-9" });
    expect(ns!.tolerations).toEqual([{ key: "ephemera.dev/env", operator: "Equal", value: "pr-9", effect: "NoSchedule" }]);
  });

  it.each([
    [{ envId: "Bad_Id" }, /envId "Bad_Id"/],
    [{ size: "huge" as never }, /size "huge" is not a size class; use "small"/],
    [{ databaseEgress: { port: 70000, cidrBlocks: ["10.0.0.0/16"] } }, /databaseEgress\.port "70000"/],
    [{ databaseEgress: { port: 5432, cidrBlocks: [] } }, /databaseEgress\.cidrBlocks "\[\]" is empty/],
    [{ identity: { type: "irsa", oidcProviderArn: "" } as const }, /identity\.oidcProviderArn "" is empty/],
  ])("rejects %p with an error naming the prop", (bad, message) => {
    expect(() => synth({ ...IRSA, ...bad })).toThrow(message);
  });
});
