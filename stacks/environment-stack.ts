import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Construct } from "constructs";
import { EphemeralEnvironment } from "../constructs/ephemeral-environment";
import { Fn, S3Backend, TerraformOutput, TerraformStack } from "../constructs/core";
import { EnvironmentConfig } from "./environment-config";

/** The stack name a pipeline deploys and destroys: `env-<id>`. */
export function environmentStackName(envId: string): string {
  return `env-${envId}`;
}

/**
 * One environment, deployable on its own: `cdktf deploy env-<id>` and
 * `cdktf destroy env-<id>` touch this environment's state and nothing else.
 */
export class EnvironmentStack extends TerraformStack {
  readonly environment: EphemeralEnvironment;

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    if (config.stateBucket) {
      // One state file per environment, so destroying one can never touch another.
      new S3Backend(this, {
        bucket: config.stateBucket,
        key: `ephemera/environments/${config.envId}/terraform.tfstate`,
        region: config.region,
        encrypt: true,
        dynamodbTable: config.stateLockTable,
      });
    }
    new AwsProvider(this, "aws", { region: config.region });

    const cluster = new DataAwsEksCluster(this, "cluster", { name: config.clusterName });
    new KubernetesProvider(this, "kubernetes", {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
      // A token fetched when the provider starts, not aws_eks_cluster_auth's: that one is
      // read at plan time and lasts 15 minutes, shorter than a database restore, and the
      // namespace's database egress policy is created only after the restore.
      exec: [
        {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: ["eks", "get-token", "--cluster-name", config.clusterName, ...(config.region ? ["--region", config.region] : [])],
        },
      ],
    });

    this.environment = new EphemeralEnvironment(this, "environment", {
      envId: config.envId,
      ttl: config.ttl,
      expiresAt: config.expiresAt,
      owner: config.owner,
      budgetUsd: config.budgetUsd,
      onExpiry: config.onExpiry,
      clusterName: config.clusterName,
      oidcProviderArn: config.oidcProviderArn,
      vpcId: config.vpcId,
      privateSubnetIds: config.subnetIds,
      clusterSecurityGroupId: cluster.vpcConfig.get(0).clusterSecurityGroupId,
      pauseTopicArn: config.pauseTopicArn,
      ownerTopicArn: config.ownerTopicArn,
      database: config.database,
      baselineSnapshotIdentifier: config.baselineSnapshot,
      baselineDbInstanceIdentifier: config.baselineDbInstance,
      ...(config.claimedDatabase === undefined ? {} : { claimedDatabase: config.claimedDatabase }),
      ...(config.nodes === undefined ? {} : { nodes: config.nodes }),
      ...(config.sharedNodeSecurityGroup === undefined ? {} : { sharedNodeSecurityGroupId: config.sharedNodeSecurityGroup }),
      reaper: config.reaper,
      ...(config.decisionTrace === undefined ? {} : { decisionTrace: config.decisionTrace }),
    });

    for (const [name, value] of Object.entries(this.environment.outputs)) {
      new TerraformOutput(this, name, { value });
    }
  }
}
