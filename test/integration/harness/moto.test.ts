// The moto 5.2.1 gaps that harness/moto/moto_gaps/ fills (see
// docs/testing.md), each proven through the AWS SDK calls that
// Terraform and the reaper make. If moto is upgraded and a fix is dropped, the
// matching test says which behaviour went missing.
import {
  BudgetsClient,
  CreateBudgetCommand,
  CreateSubscriberCommand,
  DeleteBudgetCommand,
  DeleteSubscriberCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  ListTagsForResourceCommand as ListBudgetTagsCommand,
  Notification,
  TagResourceCommand as TagBudgetCommand,
  UntagResourceCommand as UntagBudgetCommand,
  UpdateBudgetCommand,
} from "@aws-sdk/client-budgets";
import {
  CostExplorerClient,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from "@aws-sdk/client-cost-explorer";
import { CreateLaunchTemplateCommand, CreateTagsCommand, DescribeLaunchTemplatesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListTagsForResourceCommand as ListEksTagsCommand,
  TagResourceCommand as TagEksCommand,
  UntagResourceCommand as UntagEksCommand,
  UpdateAccessEntryCommand,
  UpdateNodegroupConfigCommand,
  UpdateNodegroupVersionCommand,
} from "@aws-sdk/client-eks";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { DeleteScheduleGroupCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { useEmulator } from "../../../harness/emulator";

const emulator = useEmulator();

describe("RDS: unique DbiResourceIds", () => {
  const createInstance = (rds: RDSClient, id: string) =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: "postgres",
        DBInstanceClass: "db.t3.micro",
        AllocatedStorage: 20,
        MasterUsername: "ephemera",
        MasterUserPassword: "not-a-secret-123",
      }),
    );

  it("two DB instances get different DbiResourceIds", async () => {
    const rds = new RDSClient(emulator().clientConfig());
    const a = (await createInstance(rds, "env-a")).DBInstance?.DbiResourceId;
    const b = (await createInstance(rds, "env-b")).DBInstance?.DbiResourceId;
    expect(a).toMatch(/^db-[A-Z2-7]{26}$/);
    expect(b).toMatch(/^db-[A-Z2-7]{26}$/);
    expect(a).not.toEqual(b);
  });

  it("an instance restored from a snapshot has its own DbiResourceId and is found alone by it", async () => {
    const rds = new RDSClient(emulator().clientConfig());
    const baseline = (await createInstance(rds, "baseline")).DBInstance?.DbiResourceId;
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "baseline", DBSnapshotIdentifier: "baseline-snap" }));
    const restored = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: "pr-123-db",
        DBSnapshotIdentifier: "baseline-snap",
        DBInstanceClass: "db.t3.micro",
      }),
    );
    const restoredId = restored.DBInstance?.DbiResourceId;
    expect(restoredId).toBeDefined();
    expect(restoredId).not.toEqual(baseline);

    // What the aws provider does to read an aws_db_instance back.
    const found = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: "dbi-resource-id", Values: [restoredId!] }] }),
    );
    expect(found.DBInstances?.map((d) => d.DBInstanceIdentifier)).toEqual(["pr-123-db"]);
  });

  it("a restore keeps the overrides that are false or 0, as RDS does", async () => {
    const rds = new RDSClient(emulator().clientConfig());
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "baseline",
        Engine: "postgres",
        DBInstanceClass: "db.t3.micro",
        AllocatedStorage: 20,
        MasterUsername: "ephemera",
        MasterUserPassword: "not-a-secret-123",
        BackupRetentionPeriod: 7,
        AutoMinorVersionUpgrade: true,
        DeletionProtection: true,
      }),
    );
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "baseline", DBSnapshotIdentifier: "baseline-snap" }));
    const restored = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: "pool-db",
        DBSnapshotIdentifier: "baseline-snap",
        BackupRetentionPeriod: 0,
        AutoMinorVersionUpgrade: false,
        DeletionProtection: false,
      }),
    );
    expect(restored.DBInstance).toMatchObject({ BackupRetentionPeriod: 0, AutoMinorVersionUpgrade: false, DeletionProtection: false });
    const described = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "pool-db" }))).DBInstances?.[0];
    expect(described).toMatchObject({ BackupRetentionPeriod: 0, AutoMinorVersionUpgrade: false, DeletionProtection: false });
  });
});

describe("EC2: a launch template's tags follow CreateTags", () => {
  it("DescribeLaunchTemplates shows tags added after the template was created", async () => {
    const ec2 = new EC2Client(emulator().clientConfig());
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "pr-1-nodes",
        LaunchTemplateData: { InstanceType: "m6i.large" },
        TagSpecifications: [{ ResourceType: "launch-template", Tags: [{ Key: "ephemera:env", Value: "pr-1" }] }],
      }),
    );
    const id = created.LaunchTemplate!.LaunchTemplateId!;
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "ephemera:state", Value: "reaping" }] }));
    const described = await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }));
    expect(described.LaunchTemplates?.[0]?.Tags?.sort((a, b) => a.Key!.localeCompare(b.Key!))).toEqual([
      { Key: "ephemera:env", Value: "pr-1" },
      { Key: "ephemera:state", Value: "reaping" },
    ]);
    const filtered = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:ephemera:state", Values: ["reaping"] }] }));
    expect(filtered.LaunchTemplates?.map((t) => t.LaunchTemplateId)).toEqual([id]);
    ec2.destroy();
  });
});

describe("Scheduler: deleting a schedule group that does not exist", () => {
  it("answers ResourceNotFoundException, as AWS does", async () => {
    const scheduler = new SchedulerClient(emulator().clientConfig());
    await expect(scheduler.send(new DeleteScheduleGroupCommand({ Name: "ephemera-pr-404" }))).rejects.toMatchObject({ name: "ResourceNotFoundException", $metadata: { httpStatusCode: 404 } });
    scheduler.destroy();
  });
});

describe("Budgets: tags, subscribers and updates", () => {
  const accountId = "123456789012";
  const budgetName = "ephemera-pr-123";
  const budgetArn = `arn:aws:budgets::${accountId}:budget/${budgetName}`;
  const actual80: Notification = {
    NotificationType: "ACTUAL",
    ComparisonOperator: "GREATER_THAN",
    Threshold: 80,
    ThresholdType: "PERCENTAGE",
  };
  const topicArn = `arn:aws:sns:us-east-1:${accountId}:budget-alerts`;

  const createBudget = (budgets: BudgetsClient) =>
    budgets.send(
      new CreateBudgetCommand({
        AccountId: accountId,
        Budget: {
          BudgetName: budgetName,
          BudgetType: "COST",
          TimeUnit: "MONTHLY",
          BudgetLimit: { Amount: "25", Unit: "USD" },
          CostFilters: { TagKeyValue: ["user:ephemera:env$pr-123"] },
          CalculatedSpend: { ActualSpend: { Amount: "30", Unit: "USD" } },
        },
        NotificationsWithSubscribers: [
          {
            Notification: actual80,
            Subscribers: [
              { SubscriptionType: "EMAIL", Address: "owner@example.com" },
              { SubscriptionType: "SNS", Address: topicArn },
            ],
          },
        ],
        ResourceTags: [
          { Key: "ephemera:env", Value: "pr-123" },
          { Key: "ephemera:managed-by", Value: "ephemera" },
        ],
      }),
    );

  const tagsOf = async (budgets: BudgetsClient) => {
    const { ResourceTags } = await budgets.send(new ListBudgetTagsCommand({ ResourceARN: budgetArn }));
    return Object.fromEntries((ResourceTags ?? []).map((t) => [t.Key, t.Value]));
  };

  it("a budget's tags read back, whether given at creation or added and removed later", async () => {
    const budgets = new BudgetsClient(emulator().clientConfig());
    await createBudget(budgets);
    expect(await tagsOf(budgets)).toEqual({ "ephemera:env": "pr-123", "ephemera:managed-by": "ephemera" });

    await budgets.send(
      new TagBudgetCommand({ ResourceARN: budgetArn, ResourceTags: [{ Key: "ephemera:owner", Value: "alice" }] }),
    );
    await budgets.send(new UntagBudgetCommand({ ResourceARN: budgetArn, ResourceTagKeys: ["ephemera:managed-by"] }));
    expect(await tagsOf(budgets)).toEqual({ "ephemera:env": "pr-123", "ephemera:owner": "alice" });
  });

  it("a deleted budget's tags go with it", async () => {
    const budgets = new BudgetsClient(emulator().clientConfig());
    await createBudget(budgets);
    await budgets.send(new DeleteBudgetCommand({ AccountId: accountId, BudgetName: budgetName }));
    await expect(budgets.send(new ListBudgetTagsCommand({ ResourceARN: budgetArn }))).rejects.toMatchObject({
      name: "NotFoundException",
    });
  });

  it("a notification's SNS and EMAIL subscribers read back and can be added and removed", async () => {
    const budgets = new BudgetsClient(emulator().clientConfig());
    await createBudget(budgets);
    const { Notifications } = await budgets.send(
      new DescribeNotificationsForBudgetCommand({ AccountId: accountId, BudgetName: budgetName }),
    );
    expect(Notifications).toEqual([actual80]);

    const subscribers = async () => {
      const { Subscribers } = await budgets.send(
        new DescribeSubscribersForNotificationCommand({ AccountId: accountId, BudgetName: budgetName, Notification: actual80 }),
      );
      return (Subscribers ?? []).map((s) => `${s.SubscriptionType} ${s.Address}`).sort();
    };
    expect(await subscribers()).toEqual(["EMAIL owner@example.com", `SNS ${topicArn}`]);

    const base = { AccountId: accountId, BudgetName: budgetName, Notification: actual80 };
    await budgets.send(new CreateSubscriberCommand({ ...base, Subscriber: { SubscriptionType: "EMAIL", Address: "ops@example.com" } }));
    await budgets.send(new DeleteSubscriberCommand({ ...base, Subscriber: { SubscriptionType: "SNS", Address: topicArn } }));
    expect(await subscribers()).toEqual(["EMAIL ops@example.com", "EMAIL owner@example.com"]);
  });

  it("a budget is updated in place with a new limit and tag filter, keeping its seeded spend", async () => {
    const budgets = new BudgetsClient(emulator().clientConfig());
    await createBudget(budgets);
    await budgets.send(
      new UpdateBudgetCommand({
        AccountId: accountId,
        NewBudget: {
          BudgetName: budgetName,
          BudgetType: "COST",
          TimeUnit: "MONTHLY",
          BudgetLimit: { Amount: "40", Unit: "USD" },
          CostFilters: { TagKeyValue: ["user:ephemera:env$pr-124"] },
        },
      }),
    );
    const { Budget } = await budgets.send(new DescribeBudgetCommand({ AccountId: accountId, BudgetName: budgetName }));
    expect(Budget?.BudgetLimit).toEqual({ Amount: "40", Unit: "USD" });
    expect(Budget?.CostFilters).toEqual({ TagKeyValue: ["user:ephemera:env$pr-124"] });
    expect(Budget?.CalculatedSpend?.ActualSpend).toEqual({ Amount: "30", Unit: "USD" });
  });
});

describe("Cost Explorer: cost allocation tags", () => {
  it("activated cost allocation tags are listed with their status and type", async () => {
    const ce = new CostExplorerClient(emulator().clientConfig());
    const { Errors } = await ce.send(
      new UpdateCostAllocationTagsStatusCommand({
        CostAllocationTagsStatus: [
          { TagKey: "ephemera:env", Status: "Active" },
          { TagKey: "ephemera:owner", Status: "Active" },
        ],
      }),
    );
    expect(Errors).toEqual([]);

    const { CostAllocationTags } = await ce.send(new ListCostAllocationTagsCommand({ TagKeys: ["ephemera:env"] }));
    expect(CostAllocationTags).toEqual([
      expect.objectContaining({ TagKey: "ephemera:env", Status: "Active", Type: "UserDefined" }),
    ]);
  });

  it("a deactivated tag is listed as Inactive and drops out of the Active list", async () => {
    const ce = new CostExplorerClient(emulator().clientConfig());
    await ce.send(
      new UpdateCostAllocationTagsStatusCommand({
        CostAllocationTagsStatus: [
          { TagKey: "ephemera:env", Status: "Active" },
          { TagKey: "ephemera:owner", Status: "Active" },
        ],
      }),
    );
    await ce.send(
      new UpdateCostAllocationTagsStatusCommand({ CostAllocationTagsStatus: [{ TagKey: "ephemera:owner", Status: "Inactive" }] }),
    );

    const active = await ce.send(new ListCostAllocationTagsCommand({ Status: "Active" }));
    expect(active.CostAllocationTags?.map((t) => t.TagKey)).toEqual(["ephemera:env"]);
    const owner = await ce.send(new ListCostAllocationTagsCommand({ TagKeys: ["ephemera:owner"] }));
    expect(owner.CostAllocationTags?.map((t) => t.Status)).toEqual(["Inactive"]);
  });
});

const CLUSTER = "shared";
const NODE_ROLE = "arn:aws:iam::123456789012:role/eks-node";
const AGENT_ROLE = "arn:aws:iam::123456789012:role/ephemera/agent-7f3a";
const EDIT_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";
const VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

async function createCluster(eks: EKSClient, authenticationMode: "API" | "API_AND_CONFIG_MAP" | "CONFIG_MAP") {
  await eks.send(
    new CreateClusterCommand({
      name: CLUSTER,
      roleArn: "arn:aws:iam::123456789012:role/eks-cluster",
      resourcesVpcConfig: { subnetIds: ["subnet-1", "subnet-2"] },
      accessConfig: { authenticationMode },
    }),
  );
}

describe("EKS: access entries", () => {
  it("an access entry reads back, is listed, updated and deleted", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    await createCluster(eks, "API_AND_CONFIG_MAP");
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: CLUSTER }));
    expect(cluster?.accessConfig?.authenticationMode).toBe("API_AND_CONFIG_MAP");

    const created = await eks.send(
      new CreateAccessEntryCommand({
        clusterName: CLUSTER,
        principalArn: AGENT_ROLE,
        kubernetesGroups: ["ephemera-pr-123"],
        tags: { "ephemera:env": "pr-123" },
      }),
    );
    expect(created.accessEntry).toMatchObject({
      clusterName: CLUSTER,
      principalArn: AGENT_ROLE,
      kubernetesGroups: ["ephemera-pr-123"],
      type: "STANDARD",
      username: "arn:aws:sts::123456789012:assumed-role/agent-7f3a/{{SessionName}}",
      tags: { "ephemera:env": "pr-123" },
    });
    expect(created.accessEntry?.accessEntryArn).toMatch(
      /^arn:aws:eks:us-east-1:123456789012:access-entry\/shared\/role\/123456789012\/agent-7f3a\//,
    );
    await expect(
      eks.send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE })),
    ).rejects.toMatchObject({ name: "ResourceInUseException" });

    const listed = await eks.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }));
    expect(listed.accessEntries).toEqual([AGENT_ROLE]);

    await eks.send(
      new UpdateAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE, kubernetesGroups: ["viewers"] }),
    );
    const described = await eks.send(new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE }));
    expect(described.accessEntry?.kubernetesGroups).toEqual(["viewers"]);

    await eks.send(new DeleteAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE }));
    expect((await eks.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }))).accessEntries).toEqual([]);
    await expect(
      eks.send(new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("access policies are associated with a scope, listed, re-scoped and disassociated", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    await createCluster(eks, "API");
    await eks.send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE }));
    const entry = { clusterName: CLUSTER, principalArn: AGENT_ROLE };

    await eks.send(
      new AssociateAccessPolicyCommand({ ...entry, policyArn: EDIT_POLICY, accessScope: { type: "namespace", namespaces: ["pr-123"] } }),
    );
    await eks.send(new AssociateAccessPolicyCommand({ ...entry, policyArn: VIEW_POLICY, accessScope: { type: "cluster" } }));
    await eks.send(
      new AssociateAccessPolicyCommand({
        ...entry,
        policyArn: EDIT_POLICY,
        accessScope: { type: "namespace", namespaces: ["pr-123", "pr-123-jobs"] },
      }),
    );
    const listed = await eks.send(new ListAssociatedAccessPoliciesCommand(entry));
    expect(listed.associatedAccessPolicies?.map((p) => [p.policyArn, p.accessScope])).toEqual([
      [EDIT_POLICY, { type: "namespace", namespaces: ["pr-123", "pr-123-jobs"] }],
      [VIEW_POLICY, { type: "cluster", namespaces: [] }],
    ]);
    const byPolicy = await eks.send(new ListAccessEntriesCommand({ clusterName: CLUSTER, associatedPolicyArn: VIEW_POLICY }));
    expect(byPolicy.accessEntries).toEqual([AGENT_ROLE]);

    await eks.send(new DisassociateAccessPolicyCommand({ ...entry, policyArn: VIEW_POLICY }));
    const after = await eks.send(new ListAssociatedAccessPoliciesCommand(entry));
    expect(after.associatedAccessPolicies?.map((p) => p.policyArn)).toEqual([EDIT_POLICY]);

    await expect(
      eks.send(
        new AssociateAccessPolicyCommand({
          ...entry,
          policyArn: "arn:aws:eks::aws:cluster-access-policy/NoSuchPolicy",
          accessScope: { type: "cluster" },
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
  });

  it("access entries are refused on a cluster whose authentication mode is CONFIG_MAP", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    await createCluster(eks, "CONFIG_MAP");
    await expect(
      eks.send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn: AGENT_ROLE })),
    ).rejects.toMatchObject({ name: "InvalidRequestException" });
  });
});

describe("EKS: managed node groups", () => {
  async function createSpotNodegroup(eks: EKSClient): Promise<{ arn: string; templateId: string }> {
    const ec2 = new EC2Client(emulator().clientConfig());
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: "ephemera-nodes", LaunchTemplateData: { InstanceType: "t3.medium" } }),
    );
    const templateId = template.LaunchTemplate!.LaunchTemplateId!;
    await createCluster(eks, "API");
    const { nodegroup } = await eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName: "pr-123-spot",
        nodeRole: NODE_ROLE,
        subnets: ["subnet-1"],
        capacityType: "SPOT",
        launchTemplate: { id: templateId, version: "1" },
        scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 },
        labels: { "ephemera.dev/env": "pr-123" },
        taints: [{ key: "ephemera.dev/env", value: "pr-123", effect: "NO_SCHEDULE" }],
        tags: { "ephemera:env": "pr-123" },
      }),
    );
    return { arn: nodegroup!.nodegroupArn!, templateId };
  }

  const currentNodegroup = async (eks: EKSClient) =>
    (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: "pr-123-spot" }))).nodegroup!;

  it("a node group created without remote access reports none", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    await createCluster(eks, "API");
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName: "plain",
        nodeRole: NODE_ROLE,
        subnets: ["subnet-1"],
        scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 1 },
      }),
    );
    const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: "plain" }));
    expect(nodegroup?.remoteAccess).toBeUndefined();
    expect(nodegroup?.resources?.remoteAccessSecurityGroup).toBeUndefined();
    expect(nodegroup?.scalingConfig).toEqual({ minSize: 1, desiredSize: 1, maxSize: 1 });
  });

  it("a node group keeps its launch template, SPOT capacity, labels and taints", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    const { templateId } = await createSpotNodegroup(eks);
    const nodegroup = await currentNodegroup(eks);
    expect(nodegroup.launchTemplate).toEqual({ id: templateId, name: "ephemera-nodes", version: "1" });
    expect(nodegroup.capacityType).toBe("SPOT");
    expect(nodegroup.labels).toEqual({ "ephemera.dev/env": "pr-123" });
    expect(nodegroup.taints).toEqual([{ key: "ephemera.dev/env", value: "pr-123", effect: "NO_SCHEDULE" }]);
    expect(nodegroup.remoteAccess).toBeUndefined();
    // Sizes come from the launch template, as in AWS.
    expect(nodegroup.diskSize).toBeUndefined();
    expect(nodegroup.instanceTypes).toBeUndefined();
  });

  it("scaling a node group to zero is an update the caller can wait for", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    await createSpotNodegroup(eks);
    const { update } = await eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName: CLUSTER,
        nodegroupName: "pr-123-spot",
        scalingConfig: { minSize: 0, desiredSize: 0 },
      }),
    );
    expect(update?.id).toBeDefined();
    const awaited = await eks.send(
      new DescribeUpdateCommand({ name: CLUSTER, nodegroupName: "pr-123-spot", updateId: update!.id! }),
    );
    expect(awaited.update?.status).toBe("Successful");
    expect((await currentNodegroup(eks)).scalingConfig).toEqual({ minSize: 0, desiredSize: 0, maxSize: 3 });
  });

  it("scaling desiredSize below minSize is refused, as in AWS", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    await createSpotNodegroup(eks);
    await expect(
      eks.send(new UpdateNodegroupConfigCommand({ clusterName: CLUSTER, nodegroupName: "pr-123-spot", scalingConfig: { desiredSize: 0 } })),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
    expect((await currentNodegroup(eks)).scalingConfig?.desiredSize).toBe(2);
  });

  it("a node group's tags can be added, removed and listed", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    const { arn } = await createSpotNodegroup(eks);
    await eks.send(new TagEksCommand({ resourceArn: arn, tags: { "ephemera:state": "paused", "ephemera:desired-size": "2" } }));
    await eks.send(new UntagEksCommand({ resourceArn: arn, tagKeys: ["ephemera:desired-size"] }));
    const { tags } = await eks.send(new ListEksTagsCommand({ resourceArn: arn }));
    expect(tags).toEqual({ "ephemera:env": "pr-123", "ephemera:state": "paused" });
    expect((await currentNodegroup(eks)).tags).toEqual(tags);
  });

  it("a node group's launch template version can be moved", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    const { templateId } = await createSpotNodegroup(eks);
    const { update } = await eks.send(
      new UpdateNodegroupVersionCommand({
        clusterName: CLUSTER,
        nodegroupName: "pr-123-spot",
        launchTemplate: { id: templateId, version: "2" },
      }),
    );
    const awaited = await eks.send(
      new DescribeUpdateCommand({ name: CLUSTER, nodegroupName: "pr-123-spot", updateId: update!.id! }),
    );
    expect(awaited.update).toMatchObject({ status: "Successful", type: "VersionUpdate" });
    expect((await currentNodegroup(eks)).launchTemplate?.version).toBe("2");
  });
});

describe("Lambda: dead-letter config", () => {
  it("a function's dead-letter target reads back after create and update, and can be removed", async () => {
    const config = emulator().clientConfig();
    const iam = new IAMClient(config);
    const sns = new SNSClient(config);
    const lambda = new LambdaClient(config);
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: "reaper",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }),
    );
    const first = (await sns.send(new CreateTopicCommand({ Name: "reaper-dlq" }))).TopicArn!;
    const second = (await sns.send(new CreateTopicCommand({ Name: "reaper-dlq-2" }))).TopicArn!;
    // The smallest valid zip archive (an empty one): moto never runs the code.
    const emptyZip = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "reaper",
        Role: Role!.Arn!,
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Code: { ZipFile: emptyZip },
        DeadLetterConfig: { TargetArn: first },
      }),
    );
    expect(created.DeadLetterConfig).toEqual({ TargetArn: first });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: "reaper" }))).Configuration?.DeadLetterConfig).toEqual({
      TargetArn: first,
    });

    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "reaper", DeadLetterConfig: { TargetArn: second } }));
    const updated = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "reaper" }));
    expect(updated.DeadLetterConfig).toEqual({ TargetArn: second });

    // What the provider sends when the dead_letter_config block is removed.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "reaper", DeadLetterConfig: { TargetArn: "" } }));
    const removed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "reaper" }));
    expect(removed.DeadLetterConfig).toBeUndefined();
  });
});
