import { ClusterStack, type ClusterStackProps, clusterStackName } from "../../../stacks/cluster-stack";
import { EnvironmentStack } from "../../../stacks/environment-stack";
import { synthStack } from "../../../harness/terraform";
import type { SandboxIsolation } from "../../../reaper/model";
import { ENVIRONMENT_CONFIG, type SynthesizedStack } from "../../support/stack-fixtures";

type Tf = SynthesizedStack;

const PROPS: ClusterStackProps = { clusterName: "previews", region: "us-east-1" };
const synthCluster = (props: Partial<ClusterStackProps> = {}): Tf => {
  const merged = { ...PROPS, ...props };
  return synthStack((app) => new ClusterStack(app, clusterStackName(merged.clusterName), merged)) as unknown as Tf;
};
/** The manifests' kind/name, as the API server will see them. */
const manifests = (tf: Tf) =>
  Object.values(tf.resource.kubernetes_manifest ?? {})
    .map((m) => `${m.manifest.kind}/${m.manifest.metadata.name}`)
    .sort();

describe("ClusterStack", () => {
  it("is named ephemera-cluster-<cluster>", () => {
    expect(clusterStackName("previews")).toBe("ephemera-cluster-previews");
  });

  it("creates a RuntimeClass per sandbox level and the one admission policy with its binding, by default for gVisor and Kata", () => {
    expect(manifests(synthCluster())).toEqual([
      "RuntimeClass/ephemera-gvisor",
      "RuntimeClass/ephemera-kata",
      "ValidatingAdmissionPolicy/ephemera-sandbox-runtime",
      "ValidatingAdmissionPolicyBinding/ephemera-sandbox-runtime",
    ]);
  });

  it("creates only the RuntimeClasses of the levels it is given, and outputs their names", () => {
    const tf = synthCluster({ levels: ["gvisor"] });
    expect(manifests(tf)).toEqual(["RuntimeClass/ephemera-gvisor", "ValidatingAdmissionPolicy/ephemera-sandbox-runtime", "ValidatingAdmissionPolicyBinding/ephemera-sandbox-runtime"]);
    expect(tf.output.runtime_class_names!.value).toEqual(["ephemera-gvisor"]);
  });

  it("has nothing but the cluster's Kubernetes objects: no AWS resource", () => {
    const tf = synthCluster();
    expect(Object.keys(tf.resource)).toEqual(["kubernetes_manifest"]);
  });

  it("talks to the cluster read by name, with a token from aws eks get-token when the provider starts", () => {
    const tf = synthCluster({ clusterName: "shared-eu", region: "eu-west-1" });
    expect(tf.provider.aws).toEqual([expect.objectContaining({ region: "eu-west-1" })]);
    expect(tf.data.aws_eks_cluster!.cluster).toMatchObject({ name: "shared-eu" });
    expect(tf.provider.kubernetes).toEqual([
      {
        host: "${data.aws_eks_cluster.cluster.endpoint}",
        cluster_ca_certificate: "${base64decode(data.aws_eks_cluster.cluster.certificate_authority[0].data)}",
        exec: [{ api_version: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", "shared-eu", "--region", "eu-west-1"] }],
      },
    ]);
  });

  it("configures its Kubernetes provider exactly as an environment stack on the same cluster does", () => {
    const environment = synthStack((app) => new EnvironmentStack(app, "env-pr-123", ENVIRONMENT_CONFIG)) as unknown as Tf;
    const cluster = synthCluster();
    expect(cluster.provider).toEqual(environment.provider);
    expect(cluster.data.aws_eks_cluster!.cluster!.name).toBe(environment.data.aws_eks_cluster!.cluster!.name);
  });

  it("keeps local state by default, and its own key of the S3 state bucket when given one", () => {
    expect(Object.keys(synthCluster().terraform.backend ?? {})).toEqual(["local"]);
    expect(synthCluster({ stateBucket: "acme-terraform-state", stateLockTable: "terraform-locks" }).terraform.backend).toEqual({
      s3: { bucket: "acme-terraform-state", key: "ephemera/clusters/previews/terraform.tfstate", region: "us-east-1", encrypt: true, dynamodb_table: "terraform-locks" },
    });
  });

  it("refuses a cluster name EKS cannot have, and levels that are not sandboxes, naming the field and the fix", () => {
    expect(() => synthCluster({ clusterName: "previews_" + "x".repeat(100) })).toThrow(/^clusterName "previews_x+"… \(109 characters\) is not an EKS cluster name; use the cluster's name as EKS shows it, such as "previews"$/);
    expect(() => synthCluster({ clusterName: "-previews" })).toThrow('clusterName "-previews" is not an EKS cluster name; use the cluster\'s name as EKS shows it, such as "previews"');
    expect(() => synthCluster({ levels: ["none" as SandboxIsolation] })).toThrow('levels[0] "none" is not a sandbox level');
    expect(() => synthCluster({ levels: [] })).toThrow(/levels "\[\]" is empty/);
  });
});
