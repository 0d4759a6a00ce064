import { SnapshotDatabase, SnapshotDatabaseProps } from "../../../constructs/snapshot-database";
import { poolMemberSecurityGroupDescription, TAG } from "../../../reaper/model";
import { all, annotations, expectInvalid, one, synth } from "./synth";

const PROPS: SnapshotDatabaseProps = {
  envId: "pr-7",
  vpcId: "vpc-0abc",
  subnetIds: ["subnet-a", "subnet-b"],
  snapshotIdentifier: "baseline-2025-06-01",
};

function database(props: Partial<SnapshotDatabaseProps> = {}, id = "database") {
  return synth((s) => new SnapshotDatabase(s, id, { ...PROPS, ...props }));
}

describe("SnapshotDatabase", () => {
  it("restores the given snapshot without looking anything up", () => {
    const out = database();
    expect(one(out, "aws_db_instance").snapshot_identifier).toBe("baseline-2025-06-01");
    expect(all(out, "aws_db_snapshot", "data")).toEqual([]);
  });

  it("restores the latest snapshot of the source instance, looked up at plan time", () => {
    const out = database({ snapshotIdentifier: undefined, sourceDbInstanceIdentifier: "baseline-db" });
    expect(one(out, "aws_db_snapshot", "data")).toMatchObject({ db_instance_identifier: "baseline-db", most_recent: true });
    expect(one(out, "aws_db_instance").snapshot_identifier).toMatch(/^\$\{data\.aws_db_snapshot\.database_baseline_\w+\.db_snapshot_identifier\}$/);
  });

  it("stops at plan time when the latest snapshot is unencrypted, since RDS cannot encrypt while restoring", () => {
    const out = database({ snapshotIdentifier: undefined, sourceDbInstanceIdentifier: "baseline-db" });
    expect(one(out, "aws_db_snapshot", "data").lifecycle.postcondition).toEqual([
      { condition: "${self.encrypted}", error_message: expect.stringMatching(/copy it with a KMS key .* or set storageEncrypted to false/) },
    ]);
  });

  it("skips the encryption check when storageEncrypted is false", () => {
    const out = database({ snapshotIdentifier: undefined, sourceDbInstanceIdentifier: "baseline-db", storageEncrypted: false });
    expect(one(out, "aws_db_snapshot", "data")).not.toHaveProperty("lifecycle");
    expect(one(out, "aws_db_instance").storage_encrypted).toBe(false);
  });

  it("never replaces a running copy when a newer baseline snapshot appears", () => {
    expect(one(database(), "aws_db_instance").lifecycle.ignore_changes).toContain("snapshot_identifier");
  });

  it("records the snapshot it came from, its baseline checkpoint, in a tag a newer baseline never shows as a diff on", () => {
    const fixed = one(database(), "aws_db_instance");
    expect(fixed.tags).toMatchObject({ [TAG.baseline]: fixed.snapshot_identifier });
    expect(fixed.lifecycle.ignore_changes).toEqual(expect.arrayContaining([`tags["${TAG.baseline}"]`, `tags["${TAG.restoredFrom}"]`]));
    const latest = one(database({ snapshotIdentifier: undefined, sourceDbInstanceIdentifier: "baseline-db" }), "aws_db_instance");
    expect(latest.tags[TAG.baseline]).toMatch(/^\$\{data\.aws_db_snapshot\.[^}]+\.db_snapshot_identifier\}$/);
  });

  it("defaults to a small, private, encrypted copy that is quick to restore and to delete", () => {
    expect(one(database(), "aws_db_instance")).toMatchObject({
      instance_class: "db.t4g.micro",
      backup_retention_period: 0,
      deletion_protection: false,
      storage_encrypted: true,
      publicly_accessible: false,
      multi_az: false,
      performance_insights_enabled: false,
      auto_minor_version_upgrade: true,
      apply_immediately: true,
      copy_tags_to_snapshot: true,
      delete_automated_backups: true,
    });
  });

  it("sets a generated master password write-only, never an RDS-managed secret", () => {
    const out = database();
    const instance = one(out, "aws_db_instance");
    expect(instance).not.toHaveProperty("manage_master_user_password");
    expect(instance).not.toHaveProperty("password");
    expect(instance).toMatchObject({ password_wo: expect.stringMatching(/^\$\{data\.aws_secretsmanager_random_password\.database_password_\w+\.random_password\}$/), password_wo_version: 1 });
    // 32 letters and digits: nothing RDS forbids (/ @ " and the space), nothing to quote.
    expect(one(out, "aws_secretsmanager_random_password", "data")).toEqual({ password_length: 32, exclude_punctuation: true });
  });

  it("keeps the credentials in a secret of the environment's own, written once, write-only, in the contract's shape", () => {
    const out = database();
    expect(one(out, "aws_secretsmanager_secret")).toEqual({
      name_prefix: "ephemera-pr-7-database-credentials-",
      description: "Ephemera pr-7: master credentials of database pr-7-database",
      recovery_window_in_days: 7,
    });
    const version = one(out, "aws_secretsmanager_secret_version");
    expect(version).toMatchObject({ secret_id: expect.stringMatching(/^\$\{aws_secretsmanager_secret\.database_credentials_\w+\.id\}$/), secret_string_wo_version: 1 });
    expect(version).not.toHaveProperty("secret_string");
    const instance = "aws_db_instance.database_instance_";
    expect(version.secret_string_wo).toMatch(
      new RegExp(
        `^\\$\\{jsonencode\\(\\{"engine" = ${instance}\\w+\\.engine, "host" = ${instance}\\w+\\.address, "port" = ${instance}\\w+\\.port, "username" = ${instance}\\w+\\.username, ` +
          `"password" = data\\.aws_secretsmanager_random_password\\.database_password_\\w+\\.random_password, "dbInstanceIdentifier" = ${instance}\\w+\\.identifier\\}\\)\\}$`,
      ),
    );
  });

  it("takes another instance class", () => {
    expect(one(database({ instanceClass: "db.t4g.small" }), "aws_db_instance").instance_class).toBe("db.t4g.small");
  });

  it("puts the instance in its own DB subnet group on the given subnets", () => {
    const out = database();
    expect(one(out, "aws_db_subnet_group")).toMatchObject({ name: "pr-7-database", subnet_ids: ["subnet-a", "subnet-b"] });
    expect(one(out, "aws_db_instance").db_subnet_group_name).toMatch(/^\$\{aws_db_subnet_group\.database_subnet-group_\w+\.name\}$/);
  });

  it("gives the instance its own security group in the given VPC, with no rules of its own", () => {
    const out = database();
    const sg = one(out, "aws_security_group");
    expect(sg).toMatchObject({ name: "ephemera-pr-7-database", vpc_id: "vpc-0abc" });
    expect(sg).not.toHaveProperty("ingress");
    expect(one(out, "aws_db_instance").vpc_security_group_ids).toEqual([expect.stringMatching(/^\$\{aws_security_group\.database_security-group_\w+\.id\}$/)]);
    expect(all(out, "aws_vpc_security_group_ingress_rule")).toEqual([]);
  });

  it("admits the given security groups, and those passed to allowFrom, on the instance's port only", () => {
    const out = synth((s) => {
      const db = new SnapshotDatabase(s, "database", { ...PROPS, allowedSecurityGroupIds: ["sg-app"] });
      db.allowFrom("sg-jobs", "batch jobs");
    });
    const rules = all(out, "aws_vpc_security_group_ingress_rule");
    expect(rules).toEqual([
      expect.objectContaining({ referenced_security_group_id: "sg-app", ip_protocol: "tcp" }),
      expect.objectContaining({ referenced_security_group_id: "sg-jobs", description: "batch jobs" }),
    ]);
    for (const rule of rules) {
      expect(rule.from_port).toMatch(/^\$\{aws_db_instance\.database_instance_\w+\.port\}$/);
      expect(rule.to_port).toBe(rule.from_port);
      expect(rule.security_group_id).toMatch(/^\$\{aws_security_group\./);
      expect(rule).not.toHaveProperty("cidr_ipv4");
    }
  });

  it.each([["delete"], ["pause"], ["not set"]] as const)("deletes without a final snapshot when onExpiry is %s", (label) => {
    const onExpiry = label === "not set" ? undefined : label;
    expect(one(database({ onExpiry }), "aws_db_instance").skip_final_snapshot).toBe(true);
  });

  it("keeps a final snapshot named after the environment, stamped once at creation, when onExpiry is snapshot-delete", () => {
    const instance = one(database({ onExpiry: "snapshot-delete" }), "aws_db_instance");
    expect(instance.skip_final_snapshot).toBe(false);
    expect(instance.final_snapshot_identifier).toBe('ephemera-pr-7-database-final-${formatdate("YYYYMMDDhhmm", timestamp())}');
    expect(instance.lifecycle.ignore_changes).toContain("final_snapshot_identifier");
  });

  it("names its resources <envId>-<construct id> by default", () => {
    expect(one(database({}, "Orders DB"), "aws_db_instance").identifier).toBe("pr-7-orders-db");
  });

  it("names its resources after the given identifier", () => {
    const out = database({ identifier: "pr-7-orders" });
    expect(one(out, "aws_db_instance").identifier).toBe("pr-7-orders");
    expect(one(out, "aws_db_subnet_group").name).toBe("pr-7-orders");
  });

  it("exposes the endpoint, port, security group and secret for wiring", () => {
    let db: SnapshotDatabase | undefined;
    synth((s) => {
      db = new SnapshotDatabase(s, "database", PROPS);
    });
    for (const value of [db!.endpoint, db!.securityGroupId, db!.secretArn, db!.address]) expect(value).toMatch(/^\$\{TfToken\[/);
    expect(typeof db!.port).toBe("number");
  });

  it("warns at synth that deletion protection blocks teardown", () => {
    expect(annotations((s) => new SnapshotDatabase(s, "database", { ...PROPS, deletionProtection: true }))).toEqual([
      expect.objectContaining({ level: "warning", path: "stack/database", message: expect.stringMatching(/deletionProtection is true: neither the reaper nor `terraform destroy`/) }),
    ]);
  });

  it("warns at synth that backup retention slows the restore and costs money", () => {
    expect(annotations((s) => new SnapshotDatabase(s, "database", { ...PROPS, backupRetentionPeriod: 7 }))).toEqual([
      expect.objectContaining({ level: "warning", message: expect.stringMatching(/backupRetentionPeriod is 7: the restore waits for a first full backup/) }),
    ]);
  });

  it("has nothing to warn about with its defaults", () => {
    expect(annotations((s) => new SnapshotDatabase(s, "database", PROPS))).toEqual([]);
  });

  it("rejects the same security group allowed twice", () => {
    expectInvalid(
      () =>
        synth((s) => {
          const db = new SnapshotDatabase(s, "database", PROPS);
          db.allowFrom("sg-app");
          db.allowFrom("sg-app");
        }),
      "securityGroupId",
      /already allowed/,
    );
  });

  it.each<[string, Partial<SnapshotDatabaseProps>, string, RegExp]>([
    ["both a snapshot and a source instance", { sourceDbInstanceIdentifier: "baseline-db" }, "snapshotIdentifier", /both set/],
    ["neither a snapshot nor a source instance", { snapshotIdentifier: undefined }, "snapshotIdentifier", /both missing/],
    ["a bad environment id", { envId: "PR_7" }, "envId", /uppercase/],
    ["an unknown expiry action", { onExpiry: "archive" as never }, "onExpiry", /not a known expiry action/],
    ["no subnets", { subnetIds: [] }, "subnetIds", /is empty/],
    ["a single subnet", { subnetIds: ["subnet-a"] }, "subnetIds", /two Availability Zones/],
    ["no VPC", { vpcId: "" }, "vpcId", /is empty/],
    ["an uppercase identifier", { identifier: "PR-7-db" }, "identifier", /uppercase/],
    ["an identifier with a double hyphen", { identifier: "pr-7--db" }, "identifier", /"--"/],
    ["an identifier over 63 characters", { identifier: `db-${"x".repeat(61)}` }, "identifier", /longer than 63/],
    ["a backup retention over 35 days", { backupRetentionPeriod: 40 }, "backupRetentionPeriod", /from 0 to 35/],
  ])("rejects %s, naming the prop and the fix", (_name, bad, field, problem) => {
    expectInvalid(() => database(bad), field, problem);
  });

  it("rejects a construct id too long to name the database, pointing to the identifier prop", () => {
    expectInvalid(() => database({}, "x".repeat(60)), "identifier", /longer than 63/);
  });
});

describe("SnapshotDatabase, claimed from the warm pool", () => {
  const claimed = {
    identifier: "ephemera-pool-default-ab12cd34",
    subnetGroupName: "ephemera-pool-default",
    securityGroupId: "sg-0ab12cd34",
    secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ephemera-pool-default-ab12cd34-credentials-1a2b3c4d-AbCdEf",
  };

  it("imports the claimed instance and its own security group instead of restoring one: its identifier, the pool's subnet group, its group with this environment's rules", () => {
    const out = database({ claimed, allowedSecurityGroupIds: ["sg-0nodes"] });
    const instance = one(out, "aws_db_instance");
    expect(instance).toMatchObject({ identifier: claimed.identifier, db_subnet_group_name: "ephemera-pool-default" });
    expect(instance.vpc_security_group_ids).toEqual([expect.stringMatching(/^\$\{aws_security_group\.database_security-group_\w+\.id\}$/)]);
    expect(all(out, "aws_db_subnet_group")).toEqual([]);
    // The group is the pool's, named and described as the reaper's restore made it (Terraform would replace it otherwise).
    expect(one(out, "aws_security_group")).toMatchObject({ name: claimed.identifier, description: poolMemberSecurityGroupDescription(claimed.identifier), vpc_id: PROPS.vpcId });
    expect(one(out, "aws_vpc_security_group_ingress_rule")).toMatchObject({
      security_group_id: expect.stringMatching(/^\$\{aws_security_group\.database_security-group_\w+\.id\}$/),
      referenced_security_group_id: "sg-0nodes",
    });
    const imports = (out as unknown as { import?: { to: string; id: string }[] }).import ?? [];
    expect(imports).toEqual(
      expect.arrayContaining([
        { to: expect.stringMatching(/^aws_db_instance\.database_instance_\w+$/), id: claimed.identifier },
        { to: expect.stringMatching(/^aws_security_group\.database_security-group_\w+$/), id: claimed.securityGroupId },
        { to: expect.stringMatching(/^aws_secretsmanager_secret\.database_credentials_\w+$/), id: claimed.secretArn },
      ]),
    );
    expect(imports).toHaveLength(3);
  });

  it("imports the credentials secret the claim created and wrote: no password, no version, no name of its own", () => {
    const out = database({ claimed });
    const instance = one(out, "aws_db_instance");
    for (const argument of ["password", "password_wo", "password_wo_version", "manage_master_user_password"]) expect(instance).not.toHaveProperty(argument);
    expect(all(out, "aws_secretsmanager_random_password", "data")).toEqual([]);
    expect(all(out, "aws_secretsmanager_secret_version")).toEqual([]);
    // Name and prefix are read back by the import; the description is the one the claim wrote.
    expect(one(out, "aws_secretsmanager_secret")).toEqual({ description: "Ephemera pr-7: master credentials of database ephemera-pool-default-ab12cd34", recovery_window_in_days: 7 });
  });

  it("ignores only what an import never reads back, and the pool's class: the import modifies nothing", () => {
    const instance = one(database({ claimed, instanceClass: "db.r6g.large" }), "aws_db_instance");
    // Its baseline checkpoint's tag is the pool restore's, ignored as on a fresh restore, and so is the one a rollback writes.
    expect(instance.lifecycle.ignore_changes).toEqual(["snapshot_identifier", "instance_class", "manage_master_user_password", "apply_immediately", `tags["${TAG.baseline}"]`, `tags["${TAG.restoredFrom}"]`]);
    expect(instance.tags?.[TAG.baseline]).toBeUndefined();
    // What the pool's restore wrote, declared the same (reaper/kinds/rds-instance.ts restore).
    expect(instance).toMatchObject({ backup_retention_period: 0, auto_minor_version_upgrade: true, copy_tags_to_snapshot: true, publicly_accessible: false, multi_az: false, deletion_protection: false });
  });

  it("with snapshot-delete, names its final snapshot after the pool identifier, and keeps the name in the plan so that destroy can take it", () => {
    const instance = one(database({ claimed, onExpiry: "snapshot-delete" }), "aws_db_instance");
    expect(instance.skip_final_snapshot).toBe(false);
    expect(instance.final_snapshot_identifier).toBe("ephemera-pool-default-ab12cd34-final");
    expect(instance.lifecycle.ignore_changes).not.toContain("final_snapshot_identifier");
  });

  it("names a claim without its identifier, subnet group, security group or secret, or with a bad security group id or secret ARN", () => {
    expectInvalid(() => database({ claimed: { ...claimed, identifier: "" } }), "claimed.identifier");
    expectInvalid(() => database({ claimed: { ...claimed, subnetGroupName: "" } }), "claimed.subnetGroupName");
    expectInvalid(() => database({ claimed: { ...claimed, securityGroupId: "" } }), "claimed.securityGroupId");
    expectInvalid(() => database({ claimed: { ...claimed, securityGroupId: "ephemera-pool-default-ab12cd34" } }), "claimed.securityGroupId", /is not a security group id/);
    expectInvalid(() => database({ claimed: { ...claimed, secretArn: "" } }), "claimed.secretArn");
    expectInvalid(() => database({ claimed: { ...claimed, secretArn: "ephemera-pool-default-ab12cd34-credentials" } }), "claimed.secretArn", /is not a Secrets Manager secret ARN/);
  });
});
