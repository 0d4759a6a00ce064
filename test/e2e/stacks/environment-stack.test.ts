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
import { DescribeLaunchTemplateVersionsCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from "@aws-sdk/client-eks";
import { IAMClient, ListRoleTagsCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, ListTagsForResourceCommand as ListRdsTagsCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { EnvironmentConfig } from "../../../stacks/environment-config";
import { EnvironmentStack, environmentStackName } from "../../../stacks/environment-stack";
import { TAG, parseDatabaseCredentials, parseDuration } from "../../../reaper/model";
import { Emulator, useEmulator } from "../../../harness/emulator";
import { createExistingInfrastructure, type ExistingInfrastructure } from "../../../harness/existing-infrastructure";
import { emulatorThrough, type FaultProxy, startFaultProxy } from "../../../harness/fault-proxy";
import { askForAccountId, emulatorEnvironment, describeSlowest, TerraformWorkspace, synthStack } from "../../../harness/terraform";
import { runEphemera } from "../../../harness/cli";
import { queryThroughEndpoint } from "../../../harness/postgres-backed-rds";
import { seedAuditBucket } from "../../../harness/seed-environments";
import type { CheckpointListing } from "../../../reaper/operations/list-checkpoints";
import type { RollbackResult } from "../../../reaper/operations/rollback-environment";

const ENV = "pr-77";
const TTL = "2d";
const OWNER = "octocat@example.com";
const CLUSTER = "previews";
const BASELINE_DB = "baseline-db";
const BASELINE_SNAPSHOT = "baseline-db-2026-11-01";

/** What the platform team already runs (the harness's fixture), and the platform's pause topic. */
interface Platform extends ExistingInfrastructure {
  readonly pauseTopicArn: string;
}

async function createPlatform(emulator: Emulator): Promise<Platform> {
  const infra = await createExistingInfrastructure(emulator, { clusterName: CLUSTER, baselineDbInstance: BASELINE_DB, baselineSnapshot: BASELINE_SNAPSHOT });
  const sns = new SNSClient(emulator.clientConfig());
  const pauseTopicArn = (await sns.send(new CreateTopicCommand({ Name: "ephemera-pause" }))).TopicArn!;
  sns.destroy();
  return { ...infra, pauseTopicArn };
}

/** The inputs a pipeline would pass as EPHEMERA_* variables, already read (no S3 backend: local state). */
function environmentConfig(platform: Platform): EnvironmentConfig {
  return {
    envId: ENV,
    ttl: TTL,
    owner: OWNER,
    budgetUsd: 30,
    onExpiry: "delete",
    region: "us-east-1",
    clusterName: CLUSTER,
    oidcProviderArn: platform.oidcProviderArn,
    vpcId: platform.vpcId,
    subnetIds: platform.subnetIds,
    baselineSnapshot: BASELINE_SNAPSHOT,
    database: true,
    pauseTopicArn: platform.pauseTopicArn,
  };
}

interface StateResource {
  readonly type: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

function stateResources(ws: TerraformWorkspace): StateResource[] {
  type State = { resources?: { mode: string; type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[] };
  const state = JSON.parse(fs.readFileSync(path.join(ws.dir, "terraform.tfstate"), "utf8")) as State;
  return (state.resources ?? [])
    .filter((r) => r.mode === "managed")
    .flatMap((r) => r.instances.map((i) => ({ type: r.type, name: r.name, attributes: i.attributes })));
}

/** The database under an identifier, as RDS describes it now. */
async function databaseNow(emulator: Emulator, identifier: string) {
  const rds = new RDSClient(emulator.clientConfig());
  try {
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances![0]!;
    return { resourceId: db.DbiResourceId, address: db.Endpoint?.Address, port: db.Endpoint?.Port, status: db.DBInstanceStatus, tags: tagsOf(db.TagList) };
  } finally {
    rds.destroy();
  }
}

type TagList = { Key?: string; Value?: string }[] | undefined;
const tagsOf = (list: TagList): Record<string, string> => Object.fromEntries((list ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

const ENV_TAGS = {
  [TAG.managedBy]: "ephemera",
  [TAG.env]: ENV,
  [TAG.owner]: OWNER,
  [TAG.ttl]: TTL,
  [TAG.onExpiry]: "delete",
  [TAG.budgetUsd]: "30",
};

// Its RDS instances are backed by a local PostgreSQL (harness/postgres-backed-rds.ts): the checkpoint and rollback cases read and write rows.
const emulator = useEmulator({ resetBetweenTests: false, rdsPostgres: true });
const AUDIT_BUCKET = "ephemera-audit-environment-e2e";
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

describe("an EnvironmentStack's AWS parts applied against the emulator", () => {
  let platform: Platform;
  let synthesized: Record<string, unknown>;
  let ws: TerraformWorkspace;
  let out: Record<string, string>;
  let proxy: FaultProxy;
  let applyCalls: Map<string, number>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    platform = await createPlatform(emulator());
    await seedAuditBucket(emulator(), AUDIT_BUCKET);
    settings = { ...emulator().env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: emulator().accountId, EPHEMERA_PRICE_LIST: "off" };
    details.push(`cluster security group: ${platform.clusterSecurityGroupIsStandIn ? "a fixture stand-in (the emulator reports none)" : "reported by the emulator"}`);
    const config = environmentConfig(platform);
    synthesized = synthStack((app) => new EnvironmentStack(app, environmentStackName(config.envId), config));
    // Through a counting proxy: what the apply asks of RDS is counted.
    proxy = await startFaultProxy({ target: emulator().endpoint });
    ws = await timed("init", () => TerraformWorkspace.create(emulatorEnvironment(platform)(synthesized), emulatorThrough(proxy, emulator())));
    askForAccountId(ws);
    const since = proxy.requests.length;
    const applied = await timed("apply", () => ws.apply());
    applyCalls = proxy.countByAction(since);
    details.push(`slowest in apply: ${describeSlowest(applied.output)}`);
    details.push(`RDS calls in apply: ${[...applyCalls].filter(([action]) => action.startsWith("rds:") && !action.endsWith(":DescribeDBInstances")).map(([action, n]) => `${action} ×${n}`).join(", ")}`);
    out = Object.fromEntries(Object.entries(await ws.outputs()).map(([k, v]) => [k, String(v)]));
  });

  afterAll(async () => {
    console.log(
      ["environment stack e2e wall times:", ...Object.entries(timings).map(([label, ms]) => `  ${label}: ${(ms / 1000).toFixed(1)} s`), ...details.map((d) => `  ${d}`)].join("\n"),
    );
    ws?.dispose();
    await proxy?.stop();
  });

  it("applies only AWS resources once the Kubernetes parts are dropped, keeping the cluster's data sources", () => {
    const types = new Set(stateResources(ws).map((r) => r.type));
    expect([...types].filter((t) => !t.startsWith("aws_"))).toEqual([]);
    const data = synthesized.data as Record<string, unknown>;
    expect(Object.keys(data)).toContain("aws_eks_cluster");
    expect(Object.keys(synthesized.resource as object).filter((t) => t.startsWith("kubernetes_")).length).toBeGreaterThan(0);
  });

  it("runs a Spot node group for the environment with its own security group beside the cluster's, tagged", async () => {
    const eks = new EKSClient(emulator().clientConfig());
    const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: `${ENV}-nodes` }))).nodegroup!;
    expect(group).toMatchObject({ capacityType: "SPOT", labels: { "ephemera.dev/env": ENV }, scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 3 } });
    expect(group.tags).toMatchObject(ENV_TAGS);

    const ec2 = new EC2Client(emulator().clientConfig());
    const [version] = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: group.launchTemplate!.id, Versions: ["$Latest"] }))).LaunchTemplateVersions ?? [];
    const groups = version?.LaunchTemplateData?.SecurityGroupIds ?? [];
    const [nodeSg] = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [`${ENV}-nodes-nodes`] }] }))).SecurityGroups ?? [];
    expect([...groups].sort()).toEqual([nodeSg!.GroupId!, platform.clusterSecurityGroupId].sort());
  });

  it("restores the database from the baseline snapshot, tagged, admitting only the environment's node security group", async () => {
    const rds = new RDSClient(emulator().clientConfig());
    const [db] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${ENV}-database` }))).DBInstances ?? [];
    expect(db).toMatchObject({ DBInstanceStatus: "available", StorageEncrypted: true, BackupRetentionPeriod: 0, DeletionProtection: false });
    expect(tagsOf(db?.TagList)).toMatchObject(ENV_TAGS);

    const ec2 = new EC2Client(emulator().clientConfig());
    const dbSg = db!.VpcSecurityGroups![0]!.VpcSecurityGroupId!;
    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [dbSg] }] }))).SecurityGroupRules ?? [];
    const [nodeSg] = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [`${ENV}-nodes-nodes`] }] }))).SecurityGroups ?? [];
    const ingress = rules.filter((r) => !r.IsEgress);
    expect(ingress).toEqual([expect.objectContaining({ FromPort: db!.Endpoint!.Port, ReferencedGroupInfo: expect.objectContaining({ GroupId: nodeSg!.GroupId }) })]);
    expect(ingress[0]?.CidrIpv4).toBeUndefined();
  });

  it("keeps the database's credentials in the environment's own secret, in the contract's shape, with no RDS-managed secret and nothing secret in the state but the generator's result", async () => {
    const rds = new RDSClient(emulator().clientConfig());
    const [db] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${ENV}-database` }))).DBInstances ?? [];
    expect(db?.MasterUserSecret).toBeUndefined();
    const secrets = new SecretsManagerClient(emulator().clientConfig());
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: out.database_secret_arn }));
    expect(described.Name).toMatch(new RegExp(`^ephemera-${ENV}-database-credentials-\\d{26}$`));
    const value = parseDatabaseCredentials((await secrets.send(new GetSecretValueCommand({ SecretId: out.database_secret_arn }))).SecretString!);
    expect(value).toEqual({
      engine: db!.Engine,
      host: db!.Endpoint!.Address,
      port: db!.Endpoint!.Port,
      username: db!.MasterUsername,
      password: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      dbInstanceIdentifier: `${ENV}-database`,
    });
    // Write-only: the password is in neither the instance's nor the secret version's state.
    const state = fs.readFileSync(path.join(ws.dir, "terraform.tfstate"), "utf8");
    const managed = stateResources(ws).filter((r) => r.type === "aws_db_instance" || r.type === "aws_secretsmanager_secret_version");
    expect(managed).toHaveLength(2);
    for (const r of managed) expect(JSON.stringify(r.attributes)).not.toContain(value.password);
    // The generator's own result is in the state (a data source; cdktf 0.21 has no ephemeral resources).
    expect(state).toContain(value.password);
    // The restore cannot set a password, so the provider sets it with one ModifyDBInstance after the restore.
    expect(applyCalls.get("rds:RestoreDBInstanceFromDBSnapshot")).toBe(1);
    expect(applyCalls.get("rds:ModifyDBInstance")).toBe(1);
  });

  it("creates the environment's budget, tagged, alerting the pause topic", async () => {
    const budgets = new BudgetsClient(emulator().clientConfig());
    const { Budget } = await budgets.send(new DescribeBudgetCommand({ AccountId: emulator().accountId, BudgetName: `ephemera-${ENV}` }));
    expect(Budget).toMatchObject({ BudgetType: "COST", CostFilters: { TagKeyValue: [`user:${TAG.env}$${ENV}`] } });
    expect(Number(Budget?.BudgetLimit?.Amount)).toBe(30);
    const arn = stateResources(ws).find((r) => r.type === "aws_budgets_budget")!.attributes.arn as string;
    expect(tagsOf((await budgets.send(new ListBudgetTagsCommand({ ResourceARN: arn }))).ResourceTags)).toMatchObject(ENV_TAGS);
    const notifications = (await budgets.send(new DescribeNotificationsForBudgetCommand({ AccountId: emulator().accountId, BudgetName: `ephemera-${ENV}` }))).Notifications ?? [];
    const routed = await Promise.all(
      notifications.map(async (n) => {
        const subs = (await budgets.send(new DescribeSubscribersForNotificationCommand({ AccountId: emulator().accountId, BudgetName: `ephemera-${ENV}`, Notification: n }))).Subscribers ?? [];
        return `${n.NotificationType} ${n.Threshold}% -> ${subs.map((sub) => sub.Address).join(",")}`;
      }),
    );
    // No owner topic among the inputs: only the two alerts that pause.
    expect(routed.sort()).toEqual([`ACTUAL 100% -> ${platform.pauseTopicArn}`, `FORECASTED 100% -> ${platform.pauseTopicArn}`]);
  });

  it("tags every taggable resource of the environment, as AWS reports them", async () => {
    const config = emulator().clientConfig();
    const ec2 = new EC2Client(config);
    const rds = new RDSClient(config);
    const iam = new IAMClient(config);
    const eks = new EKSClient(config);
    const budgets = new BudgetsClient(config);
    const a = (r: StateResource, key: string) => String(r.attributes[key]);
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
      aws_budgets_budget: async (r) => tagsOf((await budgets.send(new ListBudgetTagsCommand({ ResourceARN: a(r, "arn") }))).ResourceTags),
      aws_secretsmanager_secret: async (r) => tagsOf((await new SecretsManagerClient(config).send(new DescribeSecretCommand({ SecretId: a(r, "arn") }))).Tags),
    };
    const taggable = stateResources(ws).filter((r) => "tags_all" in r.attributes);
    expect(taggable.map((r) => r.type).sort()).toEqual(
      [
        "aws_budgets_budget",
        "aws_db_instance",
        "aws_db_subnet_group",
        "aws_eks_node_group",
        "aws_iam_role",
        "aws_iam_role",
        "aws_launch_template",
        "aws_secretsmanager_secret",
        "aws_security_group",
        "aws_security_group",
        "aws_vpc_security_group_ingress_rule",
      ].sort(),
    );
    for (const resource of taggable) {
      const tags = await lookups[resource.type]!(resource);
      expect({ resource: `${resource.type}.${resource.name}`, tags }).toEqual({
        resource: `${resource.type}.${resource.name}`,
        tags: expect.objectContaining({ ...ENV_TAGS, [TAG.createdAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) }),
      });
    }
  });

  it("outputs the namespace, database endpoint and secret, budget name and an expiry of created-at + ttl", async () => {
    expect(out).toMatchObject({
      env_id: ENV,
      namespace: `env-${ENV}`,
      service_account: "workload",
      budget_name: `ephemera-${ENV}`,
      database_endpoint: expect.stringMatching(/^pr-77-database\..+:\d+$/),
      database_secret_arn: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:/),
      database_source: "restore",
    });
    const budgets = new BudgetsClient(emulator().clientConfig());
    const arn = stateResources(ws).find((r) => r.type === "aws_budgets_budget")!.attributes.arn as string;
    const createdAt = tagsOf((await budgets.send(new ListBudgetTagsCommand({ ResourceARN: arn }))).ResourceTags)[TAG.createdAt]!;
    const expiresAt = Date.parse(out.expires_at!);
    expect(out.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(expiresAt - Date.parse(createdAt)).toBe(parseDuration(TTL));
  });

  it("re-plans clean", async () => {
    const plan = await timed("plan", () => ws.plan());
    expect({ code: plan.code, output: plan.code === 0 ? "" : plan.output }).toEqual({ code: 0, output: "" });
  });

  describe("its database, checkpointed and rolled back (docs/checkpoints.md)", () => {
    let before: Awaited<ReturnType<typeof databaseNow>>;
    const identifier = () => out.database_endpoint!.split(".")[0]!;

    /** SQL run as the workloads run it: the credentials from the secret the environment's outputs name, through the endpoint they give. */
    async function asWorkload(sql: string): Promise<string> {
      const secrets = new SecretsManagerClient(emulator().clientConfig());
      try {
        const credentials = parseDatabaseCredentials((await secrets.send(new GetSecretValueCommand({ SecretId: out.database_secret_arn }))).SecretString!, { field: "the workloads' secret" });
        return (await queryThroughEndpoint(emulator(), { address: credentials.host }, credentials, sql)).trim();
      } finally {
        secrets.destroy();
      }
    }

    it("takes a row through its endpoint with the workloads' secret, then a labelled checkpoint beside its baseline", async () => {
      before = await databaseNow(emulator(), identifier());
      await asWorkload("CREATE TABLE notes (v text); INSERT INTO notes VALUES ('first')");
      const taken = await timed("ephemera checkpoint", () => runEphemera(["checkpoint", ENV, "--name", "before-change", "--json"], settings));
      expect({ code: taken.code, err: taken.err }).toEqual({ code: 0, err: "" });
      const listed = (await runEphemera(["checkpoints", ENV, "--json"], settings)).json<CheckpointListing>();
      expect(listed.checkpoints.map((c) => [c.label, c.snapshot, c.state])).toEqual([
        ["before-change", expect.stringMatching(new RegExp(`^ephemera-${ENV}-\\d{14}$`)), "available"],
        ["baseline", BASELINE_SNAPSHOT, "available"],
      ]);
    });

    it("rolls back to it: the same identifier, endpoint and secret reach the checkpoint's data", async () => {
      await asWorkload("UPDATE notes SET v = 'second'");
      expect(await asWorkload("SELECT v FROM notes")).toBe("second");
      const run = await timed("ephemera rollback", () => runEphemera(["rollback", ENV, "--to", "before-change", "--json"], settings));
      expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
      const result = run.json<RollbackResult>();
      expect(result).toMatchObject({ status: "rolled-back", ok: true });
      const after = await databaseNow(emulator(), identifier());
      expect(after.resourceId).not.toBe(before.resourceId);
      expect({ address: after.address, port: after.port, status: after.status }).toEqual({ address: before.address, port: before.port, status: "available" });
      expect(after.tags[TAG.restoredFrom]).toBe(result.snapshot);
      expect(await asWorkload("SELECT v FROM notes")).toBe("first");
      // The replaced database is kept as a label-less checkpoint.
      const listed = (await runEphemera(["checkpoints", ENV, "--json"], settings)).json<CheckpointListing>();
      expect(listed.checkpoints.map((c) => c.label)).toEqual([null, "before-change", "baseline"]);
    });

    it("plans clean after the rollback, outputs and all: terraform plan -detailed-exitcode exits 0", async () => {
      const plan = await timed("plan after the rollback", () => ws.plan());
      expect({ code: plan.code, output: plan.code === 0 ? "" : plan.output.slice(plan.output.indexOf("Terraform used")) }).toEqual({ code: 0, output: "" });
    });
  });

  it("destroys the environment (the rolled-back database with it) and, once released (its checkpoints), leaves nothing of it behind, only the platform", async () => {
    const destroyed = await timed("destroy", () => ws.destroy());
    details.push(`slowest in destroy: ${describeSlowest(destroyed.output)}`);
    expect(await ws.stateList()).toEqual([]);
    // The checkpoints are not in Terraform's state: the reaper deletes them with the environment, here at once.
    const released = await timed("ephemera release (the checkpoints)", () => runEphemera(["release", ENV, "--json"], settings));
    expect({ code: released.code, err: released.err }).toEqual({ code: 0, err: "" });
    const config = emulator().clientConfig();

    const eks = new EKSClient(config);
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: CLUSTER }))).nodegroups ?? []).toEqual([]);
    const rds = new RDSClient(config);
    expect(((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier)).toEqual([BASELINE_DB]);
    expect(((await rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups ?? []).map((g) => g.DBSubnetGroupName)).not.toContain(`${ENV}-database`);
    const budgets = new BudgetsClient(config);
    expect((await budgets.send(new DescribeBudgetsCommand({ AccountId: emulator().accountId }))).Budgets ?? []).toEqual([]);
    const ec2 = new EC2Client(config);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${TAG.env}`, Values: [ENV] }] }))).SecurityGroups ?? []).toEqual([]);
    expect((await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: `tag:${TAG.env}`, Values: [ENV] }] }))).LaunchTemplates ?? []).toEqual([]);
    const iam = new IAMClient(config);
    expect(((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName)).toEqual(["eks-cluster"]);
    // The environment's credentials secret: scheduled for deletion, with the 7-day recovery window (so no longer listed).
    const secrets = new SecretsManagerClient(config);
    expect(((await secrets.send(new ListSecretsCommand({}))).SecretList ?? []).map((secret) => secret.ARN)).not.toContain(out.database_secret_arn);
    const deleted = await secrets.send(new DescribeSecretCommand({ SecretId: out.database_secret_arn }));
    const days = (deleted.DeletedDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const tagged = await new ResourceGroupsTaggingAPIClient(config).send(new GetResourcesCommand({ TagFilters: [{ Key: TAG.env, Values: [ENV] }] }));
    // Nothing but the secret waiting out its recovery window, which keeps its tags until it is gone.
    expect((tagged.ResourceTagMappingList ?? []).map((m) => m.ResourceARN).filter((arn) => arn !== out.database_secret_arn)).toEqual([]);
  });
});
