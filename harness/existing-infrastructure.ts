/**
 * What a platform team already has before Ephemera arrives, created with the AWS SDK on
 * the emulator: a VPC with two private subnets, the shared EKS cluster and its OIDC
 * provider, and a baseline database with a snapshot to restore from. The demo and the
 * end-to-end tests build on this one fixture.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient } from "@aws-sdk/client-rds";
import type { Emulator } from "./emulator";
import type { EnvironmentConfig } from "../stacks/environment-config";

export interface ExistingInfrastructureOptions {
  /** @default previews */
  readonly clusterName?: string;
  /** @default baseline-db */
  readonly baselineDbInstance?: string;
  /** @default baseline-db-snapshot */
  readonly baselineSnapshot?: string;
}

export interface ExistingInfrastructure {
  readonly vpcId: string;
  /** Two private subnets, in us-east-1a and us-east-1b. */
  readonly subnetIds: readonly string[];
  readonly clusterName: string;
  readonly oidcProviderArn: string;
  /** The EKS cluster security group, or a stand-in where the emulator reports none. */
  readonly clusterSecurityGroupId: string;
  readonly clusterSecurityGroupIsStandIn: boolean;
  readonly baselineDbInstance: string;
  readonly baselineSnapshot: string;
}

export async function createExistingInfrastructure(emulator: Emulator, options: ExistingInfrastructureOptions = {}): Promise<ExistingInfrastructure> {
  const clusterName = options.clusterName ?? "previews";
  const baselineDbInstance = options.baselineDbInstance ?? "baseline-db";
  const baselineSnapshot = options.baselineSnapshot ?? "baseline-db-snapshot";
  const config = emulator.clientConfig();
  const ec2 = new EC2Client(config);
  const iam = new IAMClient(config);
  const eks = new EKSClient(config);
  const rds = new RDSClient(config);
  try {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16" }))).Vpc!.VpcId!;
    const subnetIds = await Promise.all(
      ["a", "b"].map(
        async (zone, i) =>
          (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.42.${i * 16}.0/20`, AvailabilityZone: `us-east-1${zone}` }))).Subnet!.SubnetId!,
      ),
    );

    const clusterRole = await iam.send(
      new CreateRoleCommand({
        RoleName: "eks-cluster",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }),
    );
    await eks.send(new CreateClusterCommand({ name: clusterName, roleArn: clusterRole.Role!.Arn!, resourcesVpcConfig: { subnetIds } }));
    const cluster = (await eks.send(new DescribeClusterCommand({ name: clusterName }))).cluster!;
    const oidcProviderArn = (
      await iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: cluster.identity!.oidc!.issuer!,
          ClientIDList: ["sts.amazonaws.com"],
          ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        }),
      )
    ).OpenIDConnectProviderArn!;

    // EKS makes the cluster security group itself; moto 5.2.1 reports none, so a stand-in takes its place.
    let clusterSecurityGroupId = cluster.resourcesVpcConfig?.clusterSecurityGroupId ?? "";
    const clusterSecurityGroupIsStandIn = clusterSecurityGroupId === "";
    if (clusterSecurityGroupIsStandIn) {
      clusterSecurityGroupId = (
        await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: `eks-cluster-sg-${clusterName}`, Description: "stands in for the EKS cluster security group" }))
      ).GroupId!;
    }

    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: baselineDbInstance,
        Engine: "postgres",
        DBInstanceClass: "db.t4g.micro",
        AllocatedStorage: 20,
        MasterUsername: "app",
        MasterUserPassword: "baseline-password-1",
        StorageEncrypted: true,
      }),
    );
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: baselineDbInstance, DBSnapshotIdentifier: baselineSnapshot }));

    return { vpcId, subnetIds, clusterName, oidcProviderArn, clusterSecurityGroupId, clusterSecurityGroupIsStandIn, baselineDbInstance, baselineSnapshot };
  } finally {
    for (const client of [ec2, iam, eks, rds]) client.destroy();
  }
}

/**
 * An environment stack's inputs on the existing infrastructure: a one-hour, $10
 * environment of `envId`, restoring the baseline snapshot; `more` overrides or adds.
 */
export function environmentConfigOn(
  infra: ExistingInfrastructure,
  region: string,
  envId: string,
  pauseTopicArn: string,
  more: Partial<EnvironmentConfig> = {},
): EnvironmentConfig {
  return {
    envId,
    ttl: "1h",
    owner: "octocat@example.com",
    budgetUsd: 10,
    onExpiry: "delete",
    region,
    clusterName: infra.clusterName,
    oidcProviderArn: infra.oidcProviderArn,
    vpcId: infra.vpcId,
    subnetIds: infra.subnetIds,
    baselineSnapshot: infra.baselineSnapshot,
    database: true,
    pauseTopicArn,
    ...more,
  };
}
