import { Testing } from "../../../../constructs/core";
import { EphemeralEnvironment, EphemeralEnvironmentProps } from "../../../../constructs/ephemeral-environment";
import { SandboxRuntimes } from "../../../../constructs/sandbox-runtimes";
import { useKubeApiDouble } from "../../../../harness/kube-api-double";
import { applyKubernetes } from "../../../../harness/kube-apply";
import { k8sNamespaceAdapter } from "../../../../reaper/kinds/k8s-namespace";
import { createEksToken } from "../../../../reaper/kube/eks-token";
import { KubeClient } from "../../../../reaper/kube/kube-client";
import { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";

// What the reaper leaves of a sandboxed environment: the environments are applied to the
// Kubernetes API double by replaying their synthesized kubernetes_* resources
// (harness/kube-apply.ts), then the reaper's k8s-namespace kind deletes one of them.
const kubeApi = useKubeApiDouble();

const CLUSTER = "shared";
const ENV: EphemeralEnvironmentProps = {
  envId: "pr-7",
  owner: "agent-runner@example.com",
  budgetUsd: 10,
  clusterName: CLUSTER,
  vpcId: "vpc-0abc",
  privateSubnetIds: ["subnet-0a", "subnet-0b"],
  clusterSecurityGroupId: "sg-0cluster",
  pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
  database: false,
  isolation: "gvisor",
};

let ctx: AwsKindContext | undefined;
afterEach(async () => {
  await ctx?.destroy();
  ctx = undefined;
});

function context(): AwsKindContext {
  ctx = new AwsKindContext({
    aws: { region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" } },
    auditBucket: "ephemera-audit",
    kubernetesClusters: [CLUSTER],
    kubeClientFactory: (cluster, self) => new KubeClient({ server: kubeApi().url, token: self.eksTokenProvider(cluster) }),
  });
  return ctx;
}

const synthesized = (build: Parameters<typeof Testing.synthScope>[0]) => JSON.parse(Testing.synthScope(build)) as Record<string, unknown>;

async function createPod(namespace: string, name: string, runtimeClassName?: string): Promise<number> {
  const token = await createEksToken({ clusterName: CLUSTER, region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" } });
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { ...(runtimeClassName ? { runtimeClassName } : {}), containers: [{ name: "c", image: "busybox" }] } };
  const res = await fetch(`${kubeApi().url}/api/v1/namespaces/${namespace}/pods`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(pod) });
  return res.status;
}

const clusterScoped = () => ({
  runtimeclasses: kubeApi().clusterObjectNames("runtimeclasses"),
  validatingadmissionpolicies: kubeApi().clusterObjectNames("validatingadmissionpolicies"),
  validatingadmissionpolicybindings: kubeApi().clusterObjectNames("validatingadmissionpolicybindings"),
});

describe("reaping a sandboxed environment's namespace", () => {
  it("leaves nothing of the environment behind, and the other sandboxed environments still enforced", async () => {
    await applyKubernetes(synthesized((scope) => new SandboxRuntimes(scope, "sandbox")), kubeApi().url);
    await applyKubernetes(synthesized((scope) => new EphemeralEnvironment(scope, "env", ENV)), kubeApi().url);
    await applyKubernetes(synthesized((scope) => new EphemeralEnvironment(scope, "env", { ...ENV, envId: "pr-9" })), kubeApi().url);
    expect(await createPod("env-pr-7", "agent", "ephemera-gvisor")).toBe(201);
    const before = clusterScoped();

    const { resources } = await k8sNamespaceAdapter.list(context());
    const pr7 = resources.find((r) => r.facts?.namespace === "env-pr-7")!;
    expect(pr7.tags["ephemera:env"]).toBe("pr-7");
    expect(await k8sNamespaceAdapter.delete(context(), pr7, {})).toMatchObject({ ok: true });

    expect(kubeApi().namespace("env-pr-7")).toBeUndefined();
    expect(kubeApi().pod("env-pr-7", "agent")).toBeUndefined();
    // The cluster-scoped objects are the cluster's, shared by every sandboxed environment: none is the reaped one's.
    expect(clusterScoped()).toEqual(before);
    expect(JSON.stringify(clusterScoped())).not.toContain("pr-7");
    expect(await createPod("env-pr-9", "plain")).toBe(403);
    expect(await createPod("env-pr-9", "sandboxed", "ephemera-gvisor")).toBe(201);
  });
});
