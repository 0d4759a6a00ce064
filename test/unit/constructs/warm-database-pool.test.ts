import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Reaper } from "../../../constructs/reaper";
import { WarmDatabasePool, type WarmDatabasePoolProps } from "../../../constructs/warm-database-pool";
import { all, expectInvalid, one, synth } from "./synth";

let bundlePath: string;
beforeAll(() => {
  bundlePath = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-pool-bundle-"));
  fs.writeFileSync(path.join(bundlePath, "index.js"), "exports.handler = async () => ({ ok: true });\n");
});
afterAll(() => fs.rmSync(bundlePath, { recursive: true, force: true }));

const PROPS: WarmDatabasePoolProps = { vpcId: "vpc-0abc", subnetIds: ["subnet-a", "subnet-b"], sourceDbInstanceIdentifier: "app-baseline" };

describe("WarmDatabasePool", () => {
  it("makes the pool's subnet group and a security group that admits nothing", () => {
    const out = synth((s) => new WarmDatabasePool(s, "pool", PROPS));
    expect(one(out, "aws_db_subnet_group")).toMatchObject({ name: "ephemera-pool-default", subnet_ids: ["subnet-a", "subnet-b"] });
    expect(one(out, "aws_security_group")).toMatchObject({ name: "ephemera-pool-default", vpc_id: "vpc-0abc" });
    expect(one(out, "aws_security_group")).not.toHaveProperty("ingress");
    expect(all(out, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    // The reaper restores the databases; nothing here creates one.
    expect(all(out, "aws_db_instance")).toEqual([]);
  });

  it("hands the reaper its settings: size 2, 1 day, db.t4g.micro and the baseline by default", () => {
    const out = synth((s) => {
      const pool = new WarmDatabasePool(s, "pool", PROPS);
      new Reaper(s, "reaper", { auditBucketName: "acme-ephemera-audit", bundlePath, databasePool: pool });
    });
    const variables = one(out, "aws_lambda_function").environment.variables as Record<string, string>;
    const settings = variables.EPHEMERA_DATABASE_POOL!;
    expect(settings).toMatch(/^\$\{jsonencode\(/);
    for (const fragment of ['"name" = "default"', '"size" = 2', '"maxAge" = "1d"', '"instanceClass" = "db.t4g.micro"', '"sourceDbInstance" = "app-baseline"', "aws_db_subnet_group.pool_subnet-group", '"vpcId" = "vpc-0abc"', "aws_security_group.pool_security-group"]) {
      expect(settings).toContain(fragment);
    }
  });

  describe("the reaper's restores", () => {
    function restoreStatements(props: WarmDatabasePoolProps): Record<string, { Action: string[]; Resource: string[] }> {
      const out = synth((s) => {
        const pool = new WarmDatabasePool(s, "pool", props);
        new Reaper(s, "reaper", { auditBucketName: "acme-ephemera-audit", bundlePath, databasePool: pool });
      });
      // The role's inline policy, and the pool's own managed policy, attached to the same role.
      const inline = all(out, "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!;
      const pool = one(out, "aws_iam_policy");
      const [poolPolicy] = Object.keys(out.resource.aws_iam_policy!);
      expect(one(out, "aws_iam_role_policy_attachment")).toEqual({ role: inline.role, policy_arn: `\${aws_iam_policy.${poolPolicy}.arn}` });
      const statements = [inline, pool].flatMap((p) => JSON.parse(p.policy as string).Statement as { Sid: string; Action: string[]; Resource: string[] }[]);
      return Object.fromEntries(statements.filter((st) => st.Action.some((a) => /^(rds:(RestoreDBInstanceFromDBSnapshot|AddTagsToResource)|ec2:Create(SecurityGroup|Tags))$/.test(a))).map((st) => [st.Sid, st]));
    }
    /** An RDS ARN in the account and region Terraform deploys into, ending in `resource`. */
    const ARN_HEAD = String.raw`^arn:\$\{data\.aws_partition\.[^}]+\}:rds:\$\{data\.aws_region\.[^}]+\}:\$\{data\.aws_caller_identity\.[^}]+\}:`;
    const rds = (resource: string | RegExp) =>
      expect.stringMatching(new RegExp(`${ARN_HEAD}${typeof resource === "string" ? resource.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : resource.source}$`));

    it("read only the baseline instance's snapshots and land only in the pool's subnet group", () => {
      const { RestoreRdsInstance: restore } = restoreStatements(PROPS);
      expect(restore!.Action).toEqual(["rds:RestoreDBInstanceFromDBSnapshot"]);
      expect(restore!.Resource).toEqual([
        rds("db:ephemera-pool-*"),
        rds("og:*"),
        rds("pg:*"),
        rds("snapshot:rds:app-baseline-*"),
        rds("snapshot:app-baseline-*"),
        rds(/subgrp:\$\{aws_db_subnet_group\.pool_subnet-group[^}]*\.name\}/),
      ]);
    });

    it("read only the named snapshot when the pool names one", () => {
      const { RestoreRdsInstance: restore } = restoreStatements({ ...PROPS, sourceDbInstanceIdentifier: undefined, snapshotIdentifier: "app-baseline-2026-05-01" });
      expect(restore!.Resource.filter((r) => r.includes(":snapshot:"))).toEqual([rds("snapshot:app-baseline-2026-05-01")]);
    });

    it("tag only the pool's new databases, and nothing else is restored or tagged for the pool", () => {
      const statements = restoreStatements(PROPS);
      expect(statements.TagRestoredRdsInstance).toMatchObject({ Action: ["rds:AddTagsToResource"], Resource: [rds("db:ephemera-pool-*")] });
      // Besides: each new database's own security group, the environments' managed resources (and checkpoints) with the reaper's own keys, and its final snapshots by name.
      expect(Object.keys(statements).sort()).toEqual([
        "CreateGroupOfRestoredRdsInstance",
        "FinalSnapshotRdsInstance",
        "RestoreRdsInstance",
        "TagGroupOfRestoredRdsInstance",
        "TagManagedResources",
        "TagRdsSnapshot",
        "TagRestoredRdsInstance",
      ]);
      expect(statements.FinalSnapshotRdsInstance!.Resource).toEqual([rds("snapshot:ephemera-*")]);
    });
  });

  it("lets the reaper create each new database's own security group only in the pool's VPC", () => {
    const out = synth((s) => {
      const pool = new WarmDatabasePool(s, "pool", PROPS);
      new Reaper(s, "reaper", { auditBucketName: "acme-ephemera-audit", bundlePath, databasePool: pool });
    });
    const statements = JSON.parse(one(out, "aws_iam_policy").policy as string).Statement as { Sid: string; Resource: string[] }[];
    expect(statements.find((st) => st.Sid === "CreateGroupOfRestoredRdsInstance")!.Resource).toEqual([expect.stringMatching(/:security-group\/\*$/), expect.stringMatching(/:vpc\/vpc-0abc$/)]);
  });

  it("refuses a bad size, name, max age or baseline, naming the prop and the fix", () => {
    expectInvalid(() => synth((s) => new WarmDatabasePool(s, "pool", { ...PROPS, size: 51 })), "size");
    expectInvalid(() => synth((s) => new WarmDatabasePool(s, "pool", { ...PROPS, name: "Default" })), "name");
    expectInvalid(() => synth((s) => new WarmDatabasePool(s, "pool", { ...PROPS, maxAge: "a while" })), "maxAge");
    // The reaper refuses a max age under an hour: so does synth, rather than every sweep failing.
    expectInvalid(() => synth((s) => new WarmDatabasePool(s, "pool", { ...PROPS, maxAge: "10m" })), "maxAge", /shorter than an hour/);
    expectInvalid(() => synth((s) => new WarmDatabasePool(s, "pool", { ...PROPS, snapshotIdentifier: "app-1" })), "sourceDbInstanceIdentifier", /both given/);
    expectInvalid(() => synth((s) => new WarmDatabasePool(s, "pool", { ...PROPS, subnetIds: ["subnet-a"] })), "subnetIds");
  });
});
