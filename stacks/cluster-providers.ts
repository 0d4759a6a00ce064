import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Construct } from "constructs";
import { Fn } from "../constructs/core";

export interface ClusterProvidersProps {
  /** The shared EKS cluster the Kubernetes provider talks to. */
  readonly clusterName: string;
  /**
   * AWS region of the cluster.
   * @default - the AWS provider's and the AWS CLI's own (AWS_REGION, then the AWS config)
   */
  readonly region?: string;
}

/** The providers a stack on the shared cluster needs, and the cluster as read. */
export interface ClusterProviders {
  readonly aws: AwsProvider;
  readonly cluster: DataAwsEksCluster;
  readonly kubernetes: KubernetesProvider;
}

/**
 * The one wiring of a stack to the shared EKS cluster, for every stack that has
 * Kubernetes resources in it: an AWS provider, the cluster read by name, and a
 * Kubernetes provider authenticated with `aws eks get-token`. The ids (`aws`,
 * `cluster`, `kubernetes`) are the stacks' public API: renaming one changes their plans.
 */
export function clusterProviders(stack: Construct, props: ClusterProvidersProps): ClusterProviders {
  const aws = new AwsProvider(stack, "aws", { region: props.region });
  const cluster = new DataAwsEksCluster(stack, "cluster", { name: props.clusterName });
  const kubernetes = new KubernetesProvider(stack, "kubernetes", {
    host: cluster.endpoint,
    clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
    // A token fetched when the provider starts, not aws_eks_cluster_auth's: that one is
    // read at plan time and lasts 15 minutes, shorter than a database restore, and the
    // namespace's database egress policy is created only after the restore.
    exec: [
      {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", props.clusterName, ...(props.region ? ["--region", props.region] : [])],
      },
    ],
  });
  return { aws, cluster, kubernetes };
}
