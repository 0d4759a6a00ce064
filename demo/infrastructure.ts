/**
 * What a platform team already has before Ephemera arrives, created with the AWS SDK
 * on the emulator: a VPC with two private subnets, the shared EKS cluster and its OIDC
 * provider, and a baseline database with a snapshot to restore from. Also a small local
 * HTTP endpoint that stands in for the owners' inbox (subscribed to the platform's
 * notification topic once that exists), so the demo can show what owners are told.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient } from "@aws-sdk/client-rds";
import { SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "../harness/emulator";

export const CLUSTER = "previews";
export const BASELINE_DB = "baseline-db";
export const BASELINE_SNAPSHOT = "baseline-db-snapshot";

export interface ExistingInfrastructure {
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly clusterName: string;
  readonly oidcProviderArn: string;
  /** The EKS cluster security group, or a stand-in where the emulator reports none. */
  readonly clusterSecurityGroupId: string;
  readonly clusterSecurityGroupIsStandIn: boolean;
  readonly baselineSnapshot: string;
}

export async function createExistingInfrastructure(emulator: Emulator): Promise<ExistingInfrastructure> {
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
    await eks.send(new CreateClusterCommand({ name: CLUSTER, roleArn: clusterRole.Role!.Arn!, resourcesVpcConfig: { subnetIds } }));
    const cluster = (await eks.send(new DescribeClusterCommand({ name: CLUSTER }))).cluster!;
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
        await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: `eks-cluster-sg-${CLUSTER}`, Description: "stands in for the EKS cluster security group" }))
      ).GroupId!;
    }

    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: BASELINE_DB,
        Engine: "postgres",
        DBInstanceClass: "db.t4g.micro",
        AllocatedStorage: 20,
        MasterUsername: "app",
        MasterUserPassword: "baseline-password-1",
        StorageEncrypted: true,
      }),
    );
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: BASELINE_DB, DBSnapshotIdentifier: BASELINE_SNAPSHOT }));

    return {
      vpcId,
      subnetIds,
      clusterName: CLUSTER,
      oidcProviderArn,
      clusterSecurityGroupId,
      clusterSecurityGroupIsStandIn,
      baselineSnapshot: BASELINE_SNAPSHOT,
    };
  } finally {
    for (const client of [ec2, iam, eks, rds]) client.destroy();
  }
}

/**
 * A local HTTP endpoint subscribed to the owners' topic: it keeps what SNS delivers
 * (the emulator posts each notification to it), as an owner's inbox would.
 */
export class OwnerInbox {
  private readonly received: string[] = [];
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<OwnerInbox> {
    const server = http.createServer();
    const inbox = new OwnerInbox(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Type?: string; Subject?: string; Message?: string };
          if (body.Type === "Notification") inbox.received.push(`${body.Subject ?? "(no subject)"}: ${(body.Message ?? "").split("\n")[0]}`);
        } catch {
          // not a notification
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return inbox;
  }

  /** Subscribes the inbox to a topic (SNS over HTTP: the emulator posts each message here). */
  async subscribe(emulator: Emulator, topicArn: string): Promise<void> {
    const sns = new SNSClient(emulator.clientConfig());
    try {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "http", Endpoint: this.url }));
    } finally {
      sns.destroy();
    }
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/owners`;
  }

  /** What arrived since the last call (subject: first line), oldest first. */
  take(): string[] {
    return this.received.splice(0);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
