import * as fs from "node:fs";
import * as path from "node:path";
import {
  BudgetsClient,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  ListTagsForResourceCommand as ListBudgetTagsCommand,
} from "@aws-sdk/client-budgets";
import { CostExplorerClient, ListCostAllocationTagsCommand } from "@aws-sdk/client-cost-explorer";
import { CreateSecurityGroupCommand, DescribeLaunchTemplateVersionsCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from "@aws-sdk/client-eks";
import { GetRolePolicyCommand, IAMClient, ListRoleTagsCommand } from "@aws-sdk/client-iam";
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ListTagsForResourceCommand as ListRdsTagsCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ListTagsForResourceCommand as ListSnsTagsCommand, SNSClient } from "@aws-sdk/client-sns";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { AuditBucket, CostAllocationTagActivation, EnvBudget, SnapshotDatabase, SpotNodeGroup, tagEnvironment } from "../../constructs";
import { TerraformOutput, TerraformStack } from "../../constructs/core";
import { parseDatabaseCredentials, TAG } from "../../reaper/model";
import { Emulator, useEmulator } from "../../harness/emulator";
import { createExistingInfrastructure, type ExistingInfrastructure } from "../../harness/existing-infrastructure";
import { askForAccountId, describeSlowest, TerraformWorkspace, synthStack } from "../../harness/terraform";

const AUDIT_BUCKET = "ephemera-e2e-audit";
const BREAK_GLASS = "arn:aws:iam::123456789012:role/audit-break-glass";
const ENV = "pr-42";
const BASELINE_DB = "baseline-db";
const CLUSTER = "platform";

/** What the caller already runs (the harness's fixture), and an app security group the database admits. */
interface Fixture extends ExistingInfrastructure {
  readonly appSecurityGroupId: string;
}

/** Long-lived, one per account: the audit bucket (untagged by design) and the cost allocation tag. */
class SharedStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "us-east-1" });
    const reaper = new IamRole(this, "reaper-role", {
      name: "ephemera-reaper",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    const audit = new AuditBucket(this, "audit", { bucketName: AUDIT_BUCKET, retentionDays: 1, breakGlassPrincipalArn: BREAK_GLASS });
    audit.grantReadWrite(reaper);
    new CostAllocationTagActivation(this, "cost-allocation");
  }
}

/** One environment: database, spot nodes and budget, all tagged by the Aspect. */
class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, id: string, fixture: Fixture, accountId: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "us-east-1" });
    const owner = new SnsTopic(this, "owner-topic", { name: `ephemera-${ENV}-owner` });
    const pause = new SnsTopic(this, "pause-topic", { name: `ephemera-${ENV}-pause` });
    const db = new SnapshotDatabase(this, "database", {
      envId: ENV,
      onExpiry: "snapshot-delete",
      vpcId: fixture.vpcId,
      subnetIds: fixture.subnetIds,
      sourceDbInstanceIdentifier: BASELINE_DB,
    });
    db.allowFrom(fixture.appSecurityGroupId);
    const nodes = new SpotNodeGroup(this, "nodes", { envId: ENV, clusterName: CLUSTER, subnetIds: fixture.subnetIds });
    const budget = new EnvBudget(this, "budget", { envId: ENV, budgetUsd: 25, ownerTopicArn: owner.arn, pauseTopicArn: pause.arn, accountId });
    new TerraformOutput(this, "db_identifier", { value: db.identifier });
    new TerraformOutput(this, "db_secret_arn", { value: db.secretArn });
    new TerraformOutput(this, "db_security_group_id", { value: db.securityGroupId });
    new TerraformOutput(this, "node_group_name", { value: nodes.nodeGroupName });
    new TerraformOutput(this, "launch_template_id", { value: nodes.launchTemplateId });
    new TerraformOutput(this, "budget_name", { value: budget.budgetName });
    new TerraformOutput(this, "owner_topic_arn", { value: owner.arn });
    new TerraformOutput(this, "pause_topic_arn", { value: pause.arn });
    tagEnvironment(this, { envId: ENV, owner: "e2e@example.com", ttl: "2h", budgetUsd: 25, onExpiry: "snapshot-delete" });
  }
}

/** The caller's existing network, baseline database + snapshot and EKS cluster, and the app's security group. */
async function createFixture(emulator: Emulator): Promise<Fixture> {
  const infra = await createExistingInfrastructure(emulator, { clusterName: CLUSTER, baselineDbInstance: BASELINE_DB, baselineSnapshot: "baseline-db-2025-06-01" });
  const ec2 = new EC2Client(emulator.clientConfig());
  const appSecurityGroupId = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: infra.vpcId, GroupName: "app", Description: "the app's pods" }))).GroupId!;
  ec2.destroy();
  return { ...infra, appSecurityGroupId };
}

type TagList = { Key?: string; Value?: string }[] | undefined;
const tagsOf = (list: TagList): Record<string, string> => Object.fromEntries((list ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

interface StateResource {
  readonly type: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/** The managed resources in a workspace's local state, with their attributes. */
function stateResources(ws: TerraformWorkspace): StateResource[] {
  type State = { resources?: { mode: string; type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[] };
  const state = JSON.parse(fs.readFileSync(path.join(ws.dir, "terraform.tfstate"), "utf8")) as State;
  return (state.resources ?? [])
    .filter((r) => r.mode === "managed")
    .flatMap((r) => r.instances.map((i) => ({ type: r.type, name: r.name, attributes: i.attributes })));
}

const emulator = useEmulator({ resetBetweenTests: false });
const timings: Record<string, number> = {};
const details: string[] = [];

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings[label] = Date.now() - started;
  }
}

describe("the AWS constructs applied together against the emulator", () => {
  let fixture: Fixture;
  let shared: TerraformWorkspace;
  let env: TerraformWorkspace;
  let out: Record<string, string>;
  let recordVersionId: string;

  beforeAll(async () => {
    fixture = await createFixture(emulator());
    const [s, e] = await Promise.all([
      TerraformWorkspace.create(synthStack((app) => new SharedStack(app, "shared")), emulator()),
      TerraformWorkspace.create(synthStack((app) => new EnvironmentStack(app, "env", fixture, emulator().accountId)), emulator()),
    ]);
    shared = s;
    env = e;
    askForAccountId(shared);
    askForAccountId(env);
    // The two stacks are independent, so they apply side by side, as two pipelines would.
    const [sharedApply, envApply] = await timed("apply (both stacks, in parallel)", () =>
      Promise.all([timed("apply shared stack", () => shared.apply()), timed("apply environment stack", () => env.apply())]),
    );
    details.push(`slowest in shared apply: ${describeSlowest(sharedApply.output)}`, `slowest in environment apply: ${describeSlowest(envApply.output)}`);
    out = Object.fromEntries(Object.entries(await env.outputs()).map(([k, v]) => [k, String(v)]));
  });

  afterAll(() => {
    console.log(
      ["e2e wall times:", ...Object.entries(timings).map(([label, ms]) => `  ${label}: ${(ms / 1000).toFixed(1)} s`), ...details.map((d) => `  ${d}`)].join("\n"),
    );
    shared?.dispose();
    env?.dispose();
  });

  it("creates the audit bucket locked, versioned, KMS-encrypted, private and with a deny policy", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: AUDIT_BUCKET }));
    expect(lock.ObjectLockConfiguration).toMatchObject({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: AUDIT_BUCKET }))).Status).toBe("Enabled");
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: AUDIT_BUCKET }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("aws:kms");
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: AUDIT_BUCKET }));
    expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: AUDIT_BUCKET }))).Policy!) as { Statement: { Sid: string; Effect: string; Action: string | string[] }[] };
    const denied = policy.Statement.filter((s) => s.Effect === "Deny").flatMap((s) => s.Action);
    expect(denied).toEqual(expect.arrayContaining(["s3:*", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"]));
  });

  it("applies the bucket policy that makes every key write-once and the bucket's policy, lifecycle and lock fixed but for the break-glass principal", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    type Statement = { Sid: string; Effect: string; Principal: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string>> };
    const applied = (JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: AUDIT_BUCKET }))).Policy!) as { Statement: Statement[] }).Statement;
    const bySid = Object.fromEntries(applied.map((s) => [s.Sid, s]));
    const exceptBreakGlass = { ArnNotEquals: { "aws:PrincipalArn": BREAK_GLASS } };
    expect(bySid.WriteEachKeyOnce).toEqual({
      Sid: "WriteEachKeyOnce",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${AUDIT_BUCKET}/*`,
      Condition: { Null: { "s3:if-none-match": "true" } },
    });
    expect(bySid.DenyPolicyLifecycleLockAndVersioningChanges).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"],
      Resource: `arn:aws:s3:::${AUDIT_BUCKET}`,
      Condition: exceptBreakGlass,
    });
    // Retention only as the bucket's default (GOVERNANCE, 1 day here), within a day either way.
    expect(applied.filter((s) => s.Action === "s3:PutObjectRetention").map((s) => s.Condition)).toEqual([
      { StringNotEquals: { "s3:object-lock-mode": "GOVERNANCE" }, ...exceptBreakGlass },
      { NumericGreaterThan: { "s3:object-lock-remaining-retention-days": "2" }, ...exceptBreakGlass },
      { NumericLessThan: { "s3:object-lock-remaining-retention-days": "0" }, ...exceptBreakGlass },
    ]);
  });

  it("grants the reaper's role reads and write-once puts under audit/, leases/, spend/, claims/, admissions/, admission-requests/, provisioning/, live-index/, traces/, trace-seals/ and plans/", async () => {
    const iam = new IAMClient(emulator().clientConfig());
    const doc = (await iam.send(new GetRolePolicyCommand({ RoleName: "ephemera-reaper", PolicyName: `ephemera-audit-read-write-${AUDIT_BUCKET}` }))).PolicyDocument!;
    const policy = JSON.parse(decodeURIComponent(doc)) as { Statement: { Effect: string; Action: string | string[]; Resource: string | string[] }[] };
    const names = (resource: string | string[]) => (Array.isArray(resource) ? resource.map((r) => r.split(":::").pop()) : resource.split(":::").pop());
    expect(policy.Statement.map((s) => [s.Effect, s.Action, names(s.Resource)])).toEqual(
      expect.arrayContaining([
        ["Allow", ["s3:PutObject", "s3:GetObject"], ["audit", "leases", "spend", "claims", "admissions", "admission-requests", "provisioning", "live-index", "traces", "trace-seals", "plans"].map((prefix) => `${AUDIT_BUCKET}/${prefix}/*`)],
        ["Allow", "s3:ListBucket", AUDIT_BUCKET],
        ["Deny", "s3:PutObject", `${AUDIT_BUCKET}/*`],
      ]),
    );
  });

  it("never puts ephemera:managed-by on the audit bucket, and marks it protected", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    const tags = tagsOf((await s3.send(new GetBucketTaggingCommand({ Bucket: AUDIT_BUCKET }))).TagSet);
    expect(tags).not.toHaveProperty(TAG.managedBy);
    expect(tags).not.toHaveProperty(TAG.env);
    expect(tags[TAG.protect]).toBe("true");
  });

  it("activates the ephemera:env cost allocation tag", async () => {
    const ce = new CostExplorerClient(emulator().clientConfig());
    const tags = (await ce.send(new ListCostAllocationTagsCommand({ TagKeys: [TAG.env] }))).CostAllocationTags ?? [];
    expect(tags).toEqual([expect.objectContaining({ TagKey: TAG.env, Status: "Active" })]);
  });

  it("restores the database from the baseline's latest snapshot with the short-lived defaults", async () => {
    const rds = new RDSClient(emulator().clientConfig());
    const [db] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: out.db_identifier }))).DBInstances ?? [];
    expect(db).toMatchObject({
      DBInstanceIdentifier: `${ENV}-database`,
      Engine: "postgres",
      DBInstanceClass: "db.t4g.micro",
      BackupRetentionPeriod: 0,
      DeletionProtection: false,
      StorageEncrypted: true,
      MultiAZ: false,
      CopyTagsToSnapshot: true,
      DBSubnetGroup: expect.objectContaining({ DBSubnetGroupName: `${ENV}-database` }),
      VpcSecurityGroups: [expect.objectContaining({ VpcSecurityGroupId: out.db_security_group_id })],
    });
    expect(db?.PubliclyAccessible ?? false).toBe(false); // moto omits the field when false
    // The credentials are in the environment's own secret, not an RDS-managed one, and in the contract's shape.
    expect(db?.MasterUserSecret).toBeUndefined();
    const secrets = new SecretsManagerClient(emulator().clientConfig());
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: out.db_secret_arn }))).Name).toMatch(new RegExp(`^ephemera-${ENV}-database-credentials-`));
    const value = parseDatabaseCredentials((await secrets.send(new GetSecretValueCommand({ SecretId: out.db_secret_arn }))).SecretString!);
    expect(value).toMatchObject({ engine: "postgres", host: db!.Endpoint!.Address, port: db!.Endpoint!.Port, username: db!.MasterUsername, dbInstanceIdentifier: `${ENV}-database` });
  });

  it("admits only the app's security group to the database, on the database's port", async () => {
    const ec2 = new EC2Client(emulator().clientConfig());
    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [out.db_security_group_id!] }] }))).SecurityGroupRules ?? [];
    const ingress = rules.filter((r) => !r.IsEgress);
    expect(ingress).toEqual([expect.objectContaining({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, ReferencedGroupInfo: expect.objectContaining({ GroupId: fixture.appSecurityGroupId }) })]);
  });

  it("runs a Spot node group from zero, labelled and tainted for the environment only", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: out.node_group_name }))).nodegroup!;
    expect(group).toMatchObject({
      capacityType: "SPOT",
      instanceTypes: ["m6i.large", "m6a.large", "m5.large", "m5a.large"],
      scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 3 },
      labels: { "ephemera.dev/env": ENV },
      taints: [{ key: "ephemera.dev/env", value: ENV, effect: "NO_SCHEDULE" }],
      launchTemplate: expect.objectContaining({ id: out.launch_template_id }),
    });
  });

  it("tags the instances, volumes and network interfaces launched for the node group", async () => {
    const ec2 = new EC2Client(emulator().clientConfig());
    const [version] = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: out.launch_template_id, Versions: ["$Latest"] }))).LaunchTemplateVersions ?? [];
    // moto also lists the template's own tags as a "launch-template" entry; AWS does not.
    const specs = (version?.LaunchTemplateData?.TagSpecifications ?? []).filter((spec) => spec.ResourceType !== "launch-template");
    expect(specs.map((s) => s.ResourceType).sort()).toEqual(["instance", "network-interface", "volume"]);
    for (const spec of specs) {
      expect(tagsOf(spec.Tags)).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: ENV, [TAG.owner]: "e2e@example.com", [TAG.ttl]: "2h" });
      expect(tagsOf(spec.Tags)[TAG.createdAt]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it("budgets the environment's tagged spend, alerting the owner and then the pause topic", async () => {
    const budgets = new BudgetsClient(emulator().clientConfig());
    const accountId = emulator().accountId;
    const { Budget } = await budgets.send(new DescribeBudgetCommand({ AccountId: accountId, BudgetName: out.budget_name }));
    expect(Budget).toMatchObject({ BudgetName: `ephemera-${ENV}`, BudgetType: "COST", TimeUnit: "MONTHLY", CostFilters: { TagKeyValue: [`user:${TAG.env}$${ENV}`] } });
    expect(Number(Budget?.BudgetLimit?.Amount)).toBe(25);
    const notifications = (await budgets.send(new DescribeNotificationsForBudgetCommand({ AccountId: accountId, BudgetName: out.budget_name }))).Notifications ?? [];
    const routed = await Promise.all(
      notifications.map(async (n) => {
        const subs = (await budgets.send(new DescribeSubscribersForNotificationCommand({ AccountId: accountId, BudgetName: out.budget_name, Notification: n }))).Subscribers ?? [];
        return `${n.NotificationType} ${n.Threshold}% -> ${subs.map((s) => s.Address).join(",")}`;
      }),
    );
    expect(routed.sort()).toEqual(
      [`ACTUAL 50% -> ${out.owner_topic_arn}`, `ACTUAL 80% -> ${out.owner_topic_arn}`, `ACTUAL 100% -> ${out.pause_topic_arn}`, `FORECASTED 100% -> ${out.pause_topic_arn}`].sort(),
    );
  });

  it("tags every environment resource with the Ephemera tags, as AWS reports them", async () => {
    const config = emulator().clientConfig();
    const ec2 = new EC2Client(config);
    const rds = new RDSClient(config);
    const iam = new IAMClient(config);
    const eks = new EKSClient(config);
    const sns = new SNSClient(config);
    const budgets = new BudgetsClient(config);
    const a = (r: StateResource, key: string) => String(r.attributes[key]);
    // How to read each taggable type's tags back from AWS; a type missing here fails the test.
    const lookups: Record<string, (r: StateResource) => Promise<Record<string, string>>> = {
      aws_security_group: async (r) => tagsOf((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [a(r, "id")] }))).SecurityGroups?.[0]?.Tags),
      aws_vpc_security_group_ingress_rule: async (r) =>
        tagsOf((await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [a(r, "id")] }))).SecurityGroupRules?.[0]?.Tags),
      aws_db_subnet_group: async (r) => tagsOf((await rds.send(new ListRdsTagsCommand({ ResourceName: a(r, "arn") }))).TagList),
      aws_db_instance: async (r) => tagsOf((await rds.send(new ListRdsTagsCommand({ ResourceName: a(r, "arn") }))).TagList),
      aws_iam_role: async (r) => tagsOf((await iam.send(new ListRoleTagsCommand({ RoleName: a(r, "name") }))).Tags),
      aws_launch_template: async (r) => tagsOf((await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [a(r, "id")] }))).LaunchTemplates?.[0]?.Tags),
      aws_eks_node_group: async (r) =>
        (await eks.send(new DescribeNodegroupCommand({ clusterName: a(r, "cluster_name"), nodegroupName: a(r, "node_group_name") }))).nodegroup?.tags ?? {},
      aws_sns_topic: async (r) => tagsOf((await sns.send(new ListSnsTagsCommand({ ResourceArn: a(r, "arn") }))).Tags),
      aws_budgets_budget: async (r) => tagsOf((await budgets.send(new ListBudgetTagsCommand({ ResourceARN: a(r, "arn") }))).ResourceTags),
      aws_secretsmanager_secret: async (r) => tagsOf((await new SecretsManagerClient(emulator().clientConfig()).send(new DescribeSecretCommand({ SecretId: a(r, "arn") }))).Tags),
    };
    const taggable = stateResources(env).filter((r) => "tags_all" in r.attributes);
    expect(taggable.length).toBeGreaterThanOrEqual(10);
    for (const resource of taggable) {
      const lookup = lookups[resource.type];
      if (!lookup) throw new Error(`no SDK tag lookup for ${resource.type}; add one so every environment resource is checked`);
      const tags = await lookup(resource);
      expect({ resource: `${resource.type}.${resource.name}`, tags }).toEqual({
        resource: `${resource.type}.${resource.name}`,
        tags: expect.objectContaining({
          [TAG.managedBy]: "ephemera",
          [TAG.env]: ENV,
          [TAG.owner]: "e2e@example.com",
          [TAG.ttl]: "2h",
          [TAG.onExpiry]: "snapshot-delete",
          [TAG.budgetUsd]: "25",
          [TAG.createdAt]: expect.stringMatching(/Z$/),
        }),
      });
    }
  });

  it("re-plans both stacks clean", async () => {
    const [sharedPlan, envPlan] = await timed("plan (both stacks, in parallel)", () =>
      Promise.all([timed("plan shared stack", () => shared.plan()), timed("plan environment stack", () => env.plan())]),
    );
    expect({ code: sharedPlan.code, output: sharedPlan.code === 0 ? "" : sharedPlan.output }).toEqual({ code: 0, output: "" });
    expect({ code: envPlan.code, output: envPlan.code === 0 ? "" : envPlan.output }).toEqual({ code: 0, output: "" });
  });

  it("refuses plain-HTTP access to audit records", async () => {
    // The emulator speaks plain HTTP, so the TLS-only statement denies this, as AWS would.
    // (moto ignores policy conditions, so this does not tell the statements apart.)
    const s3 = new S3Client(emulator().clientConfig());
    await expect(s3.send(new PutObjectCommand({ Bucket: AUDIT_BUCKET, Key: "audit/plain-http.json", Body: "{}" }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("locks each audit record and refuses to delete its version", async () => {
    const s3 = new S3Client(emulator().clientConfig());
    // Emulator workaround, in the test only: moto applies a bucket policy's Deny
    // statements without their conditions, so the TLS-only Deny refuses every object
    // call. Without the policy, what refuses the delete below is Object Lock alone.
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: AUDIT_BUCKET }));
    const key = "audit/2025/06/01/e2e.json";
    const put = await s3.send(new PutObjectCommand({ Bucket: AUDIT_BUCKET, Key: key, Body: JSON.stringify({ action: "reap", env: ENV }) }));
    recordVersionId = put.VersionId!;
    const head = await s3.send(new HeadObjectCommand({ Bucket: AUDIT_BUCKET, Key: key, VersionId: recordVersionId }));
    expect(head.ObjectLockMode).toBe("GOVERNANCE");
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now());
    await expect(s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: key, VersionId: recordVersionId }))).rejects.toMatchObject({ name: "AccessDenied" });
  });

  it("destroys the environment, keeping a final snapshot, and leaves the audit bucket and its records", async () => {
    const destroyed = await timed("destroy environment stack", () => env.destroy());
    details.push(`slowest in environment destroy: ${describeSlowest(destroyed.output)}`);
    expect(await env.stateList()).toEqual([]);

    const rds = new RDSClient(emulator().clientConfig());
    const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    expect(instances.map((i) => i.DBInstanceIdentifier)).toEqual([BASELINE_DB]);
    const snapshots = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: `${ENV}-database` }))).DBSnapshots ?? [];
    expect(snapshots.map((s) => s.DBSnapshotIdentifier)).toEqual([expect.stringMatching(new RegExp(`^ephemera-${ENV}-database-final-\\d{12}$`))]);
    const eks = new EKSClient(emulator().clientConfig());
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: CLUSTER }))).nodegroups ?? []).toEqual([]);
    const budgets = new BudgetsClient(emulator().clientConfig());
    expect((await budgets.send(new DescribeBudgetsCommand({ AccountId: emulator().accountId }))).Budgets ?? []).toEqual([]);

    const s3 = new S3Client(emulator().clientConfig());
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: AUDIT_BUCKET }))).Versions ?? [];
    expect(versions.map((v) => v.VersionId)).toContain(recordVersionId);
    expect(await shared.stateList()).toContainEqual(expect.stringMatching(/^aws_s3_bucket\.audit_bucket_/));
  });
});
