import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { Construct } from "constructs";
import { Fn, Token } from "./core";
import { EnvBudget } from "./env-budget";
import { EnvExpirySchedule, ExpiryTarget, checkExpiryTarget } from "./env-expiry-schedule";
import { EnvNamespace, NamespaceSize } from "./env-namespace";
import { DEFAULT_TTL, EnvironmentTagProps, tagEnvironment } from "./environment-tags";
import { integerProp, isLiteral, nonEmptyListProp, requiredStringProp } from "./private/props";
import { type ClaimedDatabase, SnapshotDatabase } from "./snapshot-database";
import { SpotNodeGroup } from "./spot-node-group";
import type { DecisionTraceGrant } from "./trace-append-policy";
import { expiryExpression } from "./private/terraform-time";
import { InvalidValueError, type Isolation, TAG, formatInstant, parseInstant, parseOnExpiry } from "../reaper/model";

export interface EphemeralEnvironmentProps extends EnvironmentTagProps {
  /** The environment's monthly budget in US dollars; over it, the reaper pauses the environment. */
  readonly budgetUsd: number;
  /** Name of the shared EKS cluster. */
  readonly clusterName: string;
  /**
   * ARN of the cluster's IAM OIDC provider, for IRSA. Without it the workload role is
   * bound with EKS Pod Identity (the cluster needs the eks-pod-identity-agent add-on).
   * @default - EKS Pod Identity
   */
  readonly oidcProviderArn?: string;
  /** The cluster's VPC. */
  readonly vpcId: string;
  /** Private subnets (at least two Availability Zones) for nodes and the database; a literal list. */
  readonly privateSubnetIds: readonly string[];
  /**
   * The cluster security group, which the environment's own nodes keep beside their own
   * security group. Required with dedicated nodes.
   * @default - none
   */
  readonly clusterSecurityGroupId?: string;
  /** SNS topic that budget alerts at 100 % go to; the reaper pauses the environment. */
  readonly pauseTopicArn: string;
  /**
   * SNS topic for the owner's early budget warnings (50 %, 80 %).
   * @default - no early warnings
   */
  readonly ownerTopicArn?: string;
  /**
   * Account the budget lives in.
   * @default - the caller's account
   */
  readonly accountId?: string;
  /**
   * `false` creates no database. Otherwise the database is restored from
   * `baselineSnapshotIdentifier` or the latest snapshot of `baselineDbInstanceIdentifier`.
   * @default true
   */
  readonly database?: boolean;
  /** The snapshot to restore. @default - the latest snapshot of baselineDbInstanceIdentifier */
  readonly baselineSnapshotIdentifier?: string;
  /** Restore the latest snapshot of this DB instance. @default - baselineSnapshotIdentifier is used */
  readonly baselineDbInstanceIdentifier?: string;
  /** @default db.t4g.micro */
  readonly databaseInstanceClass?: string;
  /**
   * A warm pool database claimed for this environment (`ephemera claim`), imported instead
   * of restored, with its security group and the credentials secret the claim wrote; the
   * `database_source` output says which happened.
   * @default - a fresh restore
   */
  readonly claimedDatabase?: ClaimedDatabase;
  /**
   * `dedicated`: a Spot node group of the environment's own, which is what the reaper
   * scales to 0 on pause. `shared`: workloads run on an existing pool, the database
   * admits `sharedNodeSecurityGroupId`.
   * @default dedicated
   */
  readonly nodes?: "dedicated" | "shared";
  /** The shared pool's node security group, with `nodes: "shared"`. @default - none */
  readonly sharedNodeSecurityGroupId?: string;
  /** Spot instance types of the dedicated node group. @default - SpotNodeGroup's default */
  readonly instanceTypes?: readonly string[];
  /** @default 1 */
  readonly desiredNodes?: number;
  /** @default 3 */
  readonly maxNodes?: number;
  /** @default small */
  readonly namespaceSize?: NamespaceSize;
  /** How the environment's pods are sandboxed: EnvNamespace's `isolation`. @default none */
  readonly isolation?: Isolation;
  /**
   * The reaper to invoke at the environment's expiry: `Reaper.expiryTarget`, or the
   * platform stack's `reaper_function_arn` and `reaper_scheduler_role_arn` outputs.
   * Given it, a one-shot EventBridge Scheduler schedule `ephemera-expiry-<env>` invokes
   * the reaper for this environment at its expiry, to the minute (see EnvExpirySchedule).
   * @default - no expiry schedule: the next sweep after the expiry reaps it
   */
  readonly reaper?: ExpiryTarget;
  /**
   * The platform's audit bucket and its key (the platform stack's `audit_bucket` and
   * `audit_kms_key_arn` outputs): the workload role may then append to this environment's
   * decision trace, `traces/<envId>/`, and do nothing else in the bucket (docs/traces.md).
   * @default - no grant: the workload cannot append to a decision trace
   */
  readonly decisionTrace?: DecisionTraceGrant;
}

/**
 * One whole ephemeral environment: a namespace on the shared cluster, Spot nodes of its
 * own, a database restored from the baseline (reachable only from those nodes), and a
 * budget whose alerts pause it; every resource carries the environment's tags.
 */
export class EphemeralEnvironment extends Construct {
  readonly envId: string;
  readonly namespace: EnvNamespace;
  readonly nodes?: SpotNodeGroup;
  readonly database?: SnapshotDatabase;
  readonly budget: EnvBudget;
  /** The one-shot expiry schedule, when `reaper` was given. */
  readonly expirySchedule?: EnvExpirySchedule;
  /**
   * The environment's expiry as Terraform computes it at first apply: the later of
   * created-at + ttl and `expiresAt`. Extensions by `ephemera extend` come later and
   * are shown by `ephemera ls`.
   */
  readonly expiresAt: string;

  constructor(scope: Construct, id: string, props: EphemeralEnvironmentProps) {
    super(scope, id);
    // Validates the environment's facts first, so their errors come before any other.
    tagEnvironment(this, props);
    this.envId = props.envId;
    // The steps below create the constructs in this order, which the synthesized JSON follows.
    const config = checkProps(props);
    if (config.nodes === "dedicated") this.nodes = this.createNodes(props, config);
    if (config.database) this.database = this.createDatabase(props, config);
    this.namespace = this.createNamespace(props, config);
    this.budget = new EnvBudget(this, "budget", {
      envId: props.envId,
      budgetUsd: props.budgetUsd,
      pauseTopicArn: props.pauseTopicArn,
      ownerTopicArn: props.ownerTopicArn,
      accountId: props.accountId,
    });

    const override = props.expiresAt === undefined ? undefined : formatInstant(parseInstant(props.expiresAt, { field: "expiresAt" }));
    this.expiresAt = expiryExpression(Fn.lookup(this.budget.budget.tagsAll, TAG.createdAt, ""), props.ttl ?? DEFAULT_TTL, override);

    if (props.reaper !== undefined) {
      this.expirySchedule = new EnvExpirySchedule(this, "expiry", {
        envId: props.envId,
        expiresAt: this.expiresAt,
        functionArn: props.reaper.functionArn,
        schedulerRoleArn: props.reaper.schedulerRoleArn,
      });
    }
  }

  /** The environment's own Spot node group, with `nodes: "dedicated"`. */
  private createNodes(props: EphemeralEnvironmentProps, config: CheckedConfig): SpotNodeGroup {
    return new SpotNodeGroup(this, "nodes", {
      envId: props.envId,
      clusterName: props.clusterName,
      subnetIds: config.subnets,
      vpcId: props.vpcId,
      clusterSecurityGroupId: props.clusterSecurityGroupId,
      instanceTypes: props.instanceTypes,
      desiredSize: props.desiredNodes,
      maxSize: props.maxNodes,
    });
  }

  /** The database, restored from the baseline (or a claimed pool database), admitting only the environment's nodes. */
  private createDatabase(props: EphemeralEnvironmentProps, config: CheckedConfig): SnapshotDatabase {
    const nodeSecurityGroup =
      config.nodes === "dedicated"
        ? this.nodes!.securityGroupId!
        : requiredStringProp("sharedNodeSecurityGroupId", props.sharedNodeSecurityGroupId, "sg-0pool1234");
    return new SnapshotDatabase(this, "database", {
      envId: props.envId,
      onExpiry: props.onExpiry,
      vpcId: props.vpcId,
      subnetIds: config.subnets,
      snapshotIdentifier: props.baselineSnapshotIdentifier,
      sourceDbInstanceIdentifier: props.baselineDbInstanceIdentifier,
      instanceClass: props.databaseInstanceClass,
      ...(props.claimedDatabase === undefined ? {} : { claimed: props.claimedDatabase }),
      // Only this environment's nodes: its own node security group, nothing shared.
      allowedSecurityGroupIds: [nodeSecurityGroup],
    });
  }

  /** The namespace on the shared cluster, its workload identity, and its egress to the database. */
  private createNamespace(props: EphemeralEnvironmentProps, config: CheckedConfig): EnvNamespace {
    // The database subnets' CIDRs, looked up only when there is a database to reach.
    const databaseCidrs = () => config.subnets.map((subnetId, i) => new DataAwsSubnet(this, `subnet-${i}`, { id: subnetId }).cidrBlock);
    return new EnvNamespace(this, "namespace", {
      envId: props.envId,
      size: props.namespaceSize,
      isolation: props.isolation,
      identity: props.oidcProviderArn
        ? { type: "irsa", oidcProviderArn: props.oidcProviderArn }
        : { type: "pod-identity", clusterName: props.clusterName },
      databaseEgress: this.database ? { port: this.database.port, cidrBlocks: databaseCidrs() } : undefined,
      ...(props.decisionTrace === undefined ? {} : { decisionTrace: props.decisionTrace }),
    });
  }

  /** What a pipeline or an agent needs next, as output name → value. */
  get outputs(): Record<string, string> {
    // Each comment is the output's row of docs/deploying.md's table (generated from it).
    return {
      /** the environment id */
      env_id: this.envId,
      /** `env-<id>`, the environment's namespace */
      namespace: this.namespace.namespaceName,
      /** `workload`, the ServiceAccount bound to the workload role */
      service_account: this.namespace.serviceAccountName,
      /** created-at + ttl (or the later expiry override: the `expiresAt` prop, `EPHEMERA_EXPIRES_AT` of the environment stack), fixed at first apply; later `ephemera extend`s are shown by `ephemera ls` */
      expires_at: this.expiresAt,
      /** `ephemera-<id>`, the environment's budget */
      budget_name: this.budget.budgetName,
      ...(this.database
        ? {
            /** `address:port` (only with a database) */
            database_endpoint: this.database.endpoint,
            /** the environment's Secrets Manager secret with the master credentials, JSON `{engine, host, port, username, password, dbInstanceIdentifier}` (only with a database) */
            database_secret_arn: this.database.secretArn,
            /** `pool` (a claimed warm database, imported) or `restore` (restored from the baseline); only with a database */
            database_source: this.database.source,
          }
        : {}),
    };
  }
}

/** The props' choices, checked. */
interface CheckedConfig {
  readonly subnets: readonly string[];
  readonly nodes: "dedicated" | "shared";
  readonly database: boolean;
}

/** The props tagEnvironment does not check, in this order (the first bad prop found is the one reported). */
function checkProps(props: EphemeralEnvironmentProps): CheckedConfig {
  requiredStringProp("clusterName", props.clusterName, "previews");
  requiredStringProp("vpcId", props.vpcId, "vpc-0abc1234");
  const subnets = nonEmptyListProp("privateSubnetIds", props.privateSubnetIds, '"subnet-0a", "subnet-0b"');
  if (Token.isUnresolved(subnets)) {
    throw new InvalidValueError("privateSubnetIds", "<token>", "is a Terraform token", 'pass a literal list such as ["subnet-0a", "subnet-0b"], so the network policy can name each subnet');
  }
  const nodes = props.nodes ?? "dedicated";
  if (nodes !== "dedicated" && nodes !== "shared") {
    throw new InvalidValueError("nodes", String(nodes), "is not a node mode", 'use "dedicated" or "shared"');
  }
  const database = props.database ?? true;
  if (props.reaper !== undefined) checkExpiryTarget(props.reaper, "reaper.");
  checkOwnProps(props, subnets, database);
  return { subnets, nodes, database };
}

/**
 * Checks the props this construct passes on under another name (desiredNodes is
 * SpotNodeGroup's desiredSize, say), so an error names the prop the caller wrote.
 */
function checkOwnProps(props: EphemeralEnvironmentProps, subnets: readonly string[], wantsDatabase: boolean): void {
  // The tags carry it even without a database, where nothing else would check it.
  parseOnExpiry(props.onExpiry, { field: "onExpiry" });
  if (props.namespaceSize !== undefined && !["small", "medium", "large"].includes(props.namespaceSize)) {
    throw new InvalidValueError("namespaceSize", String(props.namespaceSize), "is not a size class", 'use "small", "medium" or "large", such as "small"');
  }
  const maxNodes = integerProp("maxNodes", props.maxNodes, 3, 1, 1000, 3);
  const desiredNodes = integerProp("desiredNodes", props.desiredNodes, 1, 0, 1000, 1);
  if (isLiteral(maxNodes) && isLiteral(desiredNodes) && desiredNodes > maxNodes) {
    throw new InvalidValueError("desiredNodes", String(desiredNodes), `is above maxNodes (${maxNodes})`, `use a value from 0 to ${maxNodes}, or raise maxNodes, such as ${Math.min(1, maxNodes)}`);
  }
  if (!wantsDatabase) return;
  if (!Token.isUnresolved(subnets) && subnets.length < 2) {
    throw new InvalidValueError("privateSubnetIds", JSON.stringify(subnets), "lists one subnet, but the database's subnet group needs two Availability Zones", 'add a private subnet in another zone, such as ["subnet-0a", "subnet-0b"]');
  }
  const { baselineSnapshotIdentifier: snapshot, baselineDbInstanceIdentifier: instance } = props;
  if ((snapshot === undefined) === (instance === undefined)) {
    throw new InvalidValueError(
      "baselineSnapshotIdentifier",
      snapshot ?? "",
      snapshot === undefined ? "and baselineDbInstanceIdentifier are both missing" : "and baselineDbInstanceIdentifier are both set",
      'give exactly one: a snapshot such as "baseline-2026-11-01", or baselineDbInstanceIdentifier such as "baseline-db" for its latest snapshot (or set database: false)',
    );
  }
}
