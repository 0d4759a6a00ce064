import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import { Fn, Token } from "./core";
import { integerProp, isLiteral, nonEmptyListProp, requiredStringProp } from "./private/props";
import { InvalidValueError, POOL_MEMBER_PREFIX, tryParsePoolMaxAge, tryParsePoolName } from "../reaper/model";

export interface WarmDatabasePoolProps {
  /**
   * The VPC of the pool's databases, which must be the environments' VPC: each database's
   * own security group is created here, and the environment that claims it imports it.
   */
  readonly vpcId: string;
  /** Private subnets (two Availability Zones or more) the pool's databases are restored into. */
  readonly subnetIds: readonly string[];
  /**
   * Restore the newest snapshot of this DB instance, looked up by the reaper on each sweep.
   * Give this or `snapshotIdentifier`, not both.
   */
  readonly sourceDbInstanceIdentifier?: string;
  /** Restore this snapshot. Give this or `sourceDbInstanceIdentifier`, not both. */
  readonly snapshotIdentifier?: string;
  /**
   * The pool's name: in its databases' identifiers (`ephemera-pool-<name>-<8 hex>`) and their `ephemera:pool` tag.
   * @default "default"
   */
  readonly name?: string;
  /**
   * Warm databases kept ready; 0 keeps the pool's groups and restores nothing.
   * @default 2
   */
  readonly size?: number;
  /**
   * The class the pool's databases are restored as; an environment that claims one keeps it.
   * @default db.t4g.micro
   */
  readonly instanceClass?: string;
  /**
   * A warm database older than this is replaced (the TTL grammar, an hour at least), so a claim never gets a stale copy.
   * @default 1d
   */
  readonly maxAge?: string;
}

export const DEFAULT_POOL_SIZE = 2;
const DEFAULT_INSTANCE_CLASS = "db.t4g.micro";

/**
 * Keeps databases restored from the baseline ready to be claimed (`ephemera claim`), so an
 * environment does not wait minutes for its own restore. This construct makes what the
 * pool needs in the platform stack: a DB subnet group, and a shared security group that
 * admits nothing (only databases restored before each had its own are in it; the refill
 * replaces them). The reaper restores and replaces the databases on each sweep from
 * {@link settingsJson} (give the pool to the Reaper construct), each in a security group of
 * its own that admits nothing until an environment claims it.
 *
 * What it costs idle: `size` × (the class per hour + the snapshot's allocated storage). The
 * default, 2 × db.t4g.micro with 20 GB of gp2 in us-east-1, is 2 × ($0.016 × 730 + 20 ×
 * $0.115) = $27.96 a month, before the snapshot's own storage.
 */
export class WarmDatabasePool extends Construct {
  readonly name: string;
  readonly size: number;
  readonly subnetGroupName: string;
  /** The VPC each database's own security group is created in. */
  readonly vpcId: string;
  /** The pool's shared security group, which admits nothing: only members restored before each had its own are in it. */
  readonly securityGroupId: string;
  /** What the pool restores from: the named snapshot, or the newest snapshot of the source instance. */
  readonly baseline: { readonly snapshot: string } | { readonly sourceDbInstance: string };
  /** `EPHEMERA_DATABASE_POOL`: the settings the reaper and the CLI read (a Terraform expression until apply). */
  readonly settingsJson: string;

  constructor(scope: Construct, id: string, props: WarmDatabasePoolProps) {
    super(scope, id);
    const name = props.name ?? "default";
    if (isLiteral(name)) {
      const parsed = tryParsePoolName(name, { field: "name" });
      if (!parsed.ok) throw parsed.error;
    }
    this.name = name;
    this.size = integerProp("size", props.size, DEFAULT_POOL_SIZE, 0, 50, 2);
    requiredStringProp("vpcId", props.vpcId, "vpc-0abc1234");
    const subnetIds = nonEmptyListProp("subnetIds", props.subnetIds, '"subnet-0abc1234", "subnet-0def5678"');
    if (!Token.isUnresolved(subnetIds) && subnetIds.length < 2) {
      throw new InvalidValueError("subnetIds", JSON.stringify(subnetIds), "lists one subnet, but a DB subnet group needs two Availability Zones", 'add a private subnet in another zone, such as ["subnet-0abc1234", "subnet-0def5678"]');
    }
    const maxAge = props.maxAge ?? "1d";
    const parsedAge = tryParsePoolMaxAge(maxAge, { field: "maxAge" });
    if (!parsedAge.ok) throw parsedAge.error;
    if ((props.sourceDbInstanceIdentifier === undefined) === (props.snapshotIdentifier === undefined)) {
      throw new InvalidValueError(
        "sourceDbInstanceIdentifier",
        String(props.sourceDbInstanceIdentifier ?? ""),
        props.snapshotIdentifier === undefined ? "and snapshotIdentifier are both missing" : "and snapshotIdentifier are both given",
        'give one: sourceDbInstanceIdentifier: "app-baseline" (its newest snapshot), or snapshotIdentifier: "app-baseline-2026-05-01"',
      );
    }

    const groupName = `${POOL_MEMBER_PREFIX}${name}`;
    const subnetGroup = new DbSubnetGroup(this, "subnet-group", { name: groupName, description: `Ephemera warm pool ${name}: private subnets of its databases`, subnetIds: [...subnetIds] });
    // No ingress: a warm database is reachable by nobody until an environment claims it and admits its own nodes.
    const securityGroup = new SecurityGroup(this, "security-group", { name: groupName, description: `Ephemera warm pool ${name}: admits nothing`, vpcId: props.vpcId });
    this.subnetGroupName = subnetGroup.name;
    this.vpcId = props.vpcId;
    this.securityGroupId = securityGroup.id;
    this.baseline = props.snapshotIdentifier !== undefined ? { snapshot: props.snapshotIdentifier } : { sourceDbInstance: props.sourceDbInstanceIdentifier! };
    this.settingsJson = Fn.jsonencode({
      name,
      size: this.size,
      maxAge,
      instanceClass: props.instanceClass ?? DEFAULT_INSTANCE_CLASS,
      subnetGroup: subnetGroup.name,
      vpcId: props.vpcId,
      securityGroupIds: [securityGroup.id],
      baseline: this.baseline,
    });
  }
}
