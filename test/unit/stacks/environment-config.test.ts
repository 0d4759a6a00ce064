import { EnvironmentConfigError, readEnvironmentConfig } from "../../../stacks/environment-config";

const VALID: Record<string, string> = {
  EPHEMERA_ENV: "pr-123",
  EPHEMERA_OWNER: "web@example.com",
  EPHEMERA_BUDGET_USD: "25",
  EPHEMERA_CLUSTER_NAME: "previews",
  EPHEMERA_OIDC_PROVIDER_ARN: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  EPHEMERA_VPC_ID: "vpc-1",
  EPHEMERA_PRIVATE_SUBNET_IDS: "subnet-a, subnet-b",
  EPHEMERA_BASELINE_SNAPSHOT: "baseline",
  EPHEMERA_PAUSE_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
};

const from = (vars: Record<string, string | undefined>) => (name: string) => vars[name];

function problemsOf(vars: Record<string, string | undefined>): readonly string[] {
  try {
    readEnvironmentConfig(from(vars));
  } catch (err) {
    if (err instanceof EnvironmentConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the config to be rejected");
}

describe("readEnvironmentConfig", () => {
  it("reads a complete set of inputs with defaults for the optional ones", () => {
    expect(readEnvironmentConfig(from(VALID))).toMatchObject({
      envId: "pr-123",
      budgetUsd: 25,
      onExpiry: "delete",
      database: true,
      subnetIds: ["subnet-a", "subnet-b"],
      ttl: undefined,
      stateBucket: undefined,
    });
  });

  it("lists every missing required input at once, each with an example", () => {
    const problems = problemsOf({});
    for (const name of ["EPHEMERA_ENV", "EPHEMERA_OWNER", "EPHEMERA_BUDGET_USD", "EPHEMERA_CLUSTER_NAME", "EPHEMERA_VPC_ID", "EPHEMERA_PRIVATE_SUBNET_IDS", "EPHEMERA_PAUSE_TOPIC_ARN"]) {
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${name} is not set .*e\\.g\\. ${name}=`)));
    }
  });

  it.each([
    ["EPHEMERA_ENV", "PR_123", /EPHEMERA_ENV "PR_123"/],
    ["EPHEMERA_TTL", "3y", /EPHEMERA_TTL "3y"/],
    ["EPHEMERA_EXPIRES_AT", "2026-12-01T10:00:00", /EPHEMERA_EXPIRES_AT "2026-12-01T10:00:00"/],
    ["EPHEMERA_BUDGET_USD", "-3", /EPHEMERA_BUDGET_USD "-3" is not a positive number/],
    ["EPHEMERA_ON_EXPIRY", "explode", /EPHEMERA_ON_EXPIRY "explode" is not one of delete, snapshot-delete, pause/],
  ])("rejects a bad %s (%s) naming the variable", (name, value, message) => {
    expect(problemsOf({ ...VALID, [name]: value })).toContainEqual(expect.stringMatching(message));
  });

  it("needs exactly one baseline for the database, unless the database is switched off", () => {
    expect(problemsOf({ ...VALID, EPHEMERA_BASELINE_SNAPSHOT: undefined })).toContainEqual(expect.stringContaining("set exactly one of EPHEMERA_BASELINE_SNAPSHOT"));
    expect(problemsOf({ ...VALID, EPHEMERA_BASELINE_DB_INSTANCE: "db" })).toContainEqual(expect.stringContaining("set exactly one of"));
    expect(readEnvironmentConfig(from({ ...VALID, EPHEMERA_BASELINE_SNAPSHOT: undefined, EPHEMERA_DATABASE: "false" })).database).toBe(false);
  });

  it("passes the platform's reaper to the environment only when both of its outputs are set", () => {
    const reaper = {
      EPHEMERA_REAPER_FUNCTION_ARN: "arn:aws:lambda:us-east-1:123456789012:function:ephemera-reaper",
      EPHEMERA_REAPER_SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/ephemera-reaper-scheduler-us-east-1",
    };
    expect(readEnvironmentConfig(from({ ...VALID, ...reaper })).reaper).toEqual({
      functionArn: reaper.EPHEMERA_REAPER_FUNCTION_ARN,
      schedulerRoleArn: reaper.EPHEMERA_REAPER_SCHEDULER_ROLE_ARN,
    });
    expect(readEnvironmentConfig(from(VALID)).reaper).toBeUndefined();
    expect(problemsOf({ ...VALID, EPHEMERA_REAPER_FUNCTION_ARN: reaper.EPHEMERA_REAPER_FUNCTION_ARN })).toContainEqual(
      expect.stringContaining("set both EPHEMERA_REAPER_FUNCTION_ARN and EPHEMERA_REAPER_SCHEDULER_ROLE_ARN"),
    );
  });
});

describe("readEnvironmentConfig: the workload's decision trace", () => {
  const AUDIT = { EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit", EPHEMERA_AUDIT_KMS_KEY_ARN: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" };

  it("grants the workload its trace with both the audit bucket and its key, and nothing with neither", () => {
    expect(readEnvironmentConfig(from({ ...VALID, ...AUDIT })).decisionTrace).toEqual({ auditBucketName: AUDIT.EPHEMERA_AUDIT_BUCKET, auditKmsKeyArn: AUDIT.EPHEMERA_AUDIT_KMS_KEY_ARN });
    expect(readEnvironmentConfig(from(VALID)).decisionTrace).toBeUndefined();
  });

  it.each([["EPHEMERA_AUDIT_BUCKET"], ["EPHEMERA_AUDIT_KMS_KEY_ARN"]])("refuses %s alone, naming both", (name) => {
    expect(problemsOf({ ...VALID, [name]: AUDIT[name as keyof typeof AUDIT] })).toEqual([
      "set both EPHEMERA_AUDIT_BUCKET and EPHEMERA_AUDIT_KMS_KEY_ARN (the platform stack's audit_bucket and audit_kms_key_arn outputs), or neither: with both, the workload may append to its decision trace",
    ]);
  });

  it.each([
    ["EPHEMERA_AUDIT_BUCKET", "Audit_Bucket", /^EPHEMERA_AUDIT_BUCKET "Audit_Bucket" is not an S3 bucket name; .* e\.g\. EPHEMERA_AUDIT_BUCKET=acme-ephemera-audit$/],
    ["EPHEMERA_AUDIT_KMS_KEY_ARN", "alias/ephemera-audit", /^EPHEMERA_AUDIT_KMS_KEY_ARN "alias\/ephemera-audit" is not a KMS key ARN; .* e\.g\. EPHEMERA_AUDIT_KMS_KEY_ARN=arn:aws:kms:/],
  ])("rejects a bad %s (%s) naming the variable and the fix", (name, value, message) => {
    expect(problemsOf({ ...VALID, ...AUDIT, [name]: value })).toEqual([expect.stringMatching(message)]);
  });
});

describe("readEnvironmentConfig: a claimed pool database", () => {
  const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ephemera-pool-default-ab12cd34-credentials-1a2b3c4d-AbCdEf";
  const CLAIM = {
    EPHEMERA_CLAIMED_DATABASE: "ephemera-pool-default-ab12cd34",
    EPHEMERA_POOL_SUBNET_GROUP: "ephemera-pool-default",
    EPHEMERA_CLAIMED_SECURITY_GROUP: "sg-0ab12cd34",
    EPHEMERA_CLAIMED_SECRET: SECRET,
  };

  it("takes the claimed database, the pool's subnet group, the database's own security group and its credentials secret together", () => {
    expect(readEnvironmentConfig(from({ ...VALID, ...CLAIM })).claimedDatabase).toEqual({
      identifier: "ephemera-pool-default-ab12cd34",
      subnetGroupName: "ephemera-pool-default",
      securityGroupId: "sg-0ab12cd34",
      secretArn: SECRET,
    });
    expect(readEnvironmentConfig(from(VALID)).claimedDatabase).toBeUndefined();
  });

  it("names one given without the others, a bad security group id or secret ARN, and a claim with no database", () => {
    expect(problemsOf({ ...VALID, ...CLAIM, EPHEMERA_POOL_SUBNET_GROUP: undefined })).toEqual([
      "set both EPHEMERA_CLAIMED_DATABASE (ephemera claim's database) and EPHEMERA_POOL_SUBNET_GROUP (e.g. ephemera-pool-default), or neither",
    ]);
    expect(problemsOf({ ...VALID, ...CLAIM, EPHEMERA_CLAIMED_SECURITY_GROUP: undefined })).toEqual([
      "EPHEMERA_CLAIMED_DATABASE is set, but EPHEMERA_CLAIMED_SECURITY_GROUP is not: set it to ephemera claim --json's securityGroupId (e.g. EPHEMERA_CLAIMED_SECURITY_GROUP=sg-0abc1234), the database's own security group",
    ]);
    expect(problemsOf({ ...VALID, EPHEMERA_CLAIMED_SECURITY_GROUP: "sg-0ab12cd34" })).toEqual([
      "EPHEMERA_CLAIMED_SECURITY_GROUP is set, but EPHEMERA_CLAIMED_DATABASE is not: set both (ephemera claim --json's database and securityGroupId), or neither",
    ]);
    expect(problemsOf({ ...VALID, ...CLAIM, EPHEMERA_CLAIMED_SECRET: undefined })).toEqual([
      `EPHEMERA_CLAIMED_DATABASE is set, but EPHEMERA_CLAIMED_SECRET is not: set it to ephemera claim --json's secretArn (e.g. EPHEMERA_CLAIMED_SECRET=${SECRET}), the environment's credentials secret`,
    ]);
    expect(problemsOf({ ...VALID, EPHEMERA_CLAIMED_SECRET: SECRET })).toEqual([
      "EPHEMERA_CLAIMED_SECRET is set, but EPHEMERA_CLAIMED_DATABASE is not: set both (ephemera claim --json's database and secretArn), or neither",
    ]);
    expect(problemsOf({ ...VALID, ...CLAIM, EPHEMERA_CLAIMED_SECRET: "rds!db-1" })).toEqual([
      `EPHEMERA_CLAIMED_SECRET "rds!db-1" is not a Secrets Manager secret ARN; set it to ephemera claim --json's secretArn, e.g. EPHEMERA_CLAIMED_SECRET=${SECRET}`,
    ]);
    expect(problemsOf({ ...VALID, ...CLAIM, EPHEMERA_CLAIMED_SECURITY_GROUP: "ephemera-pool-default" })).toEqual([
      'EPHEMERA_CLAIMED_SECURITY_GROUP "ephemera-pool-default" is not a security group id; set it to ephemera claim --json\'s securityGroupId, e.g. EPHEMERA_CLAIMED_SECURITY_GROUP=sg-0abc1234',
    ]);
    expect(problemsOf({ ...VALID, EPHEMERA_DATABASE: "false", EPHEMERA_BASELINE_SNAPSHOT: undefined, ...CLAIM })).toEqual([
      "EPHEMERA_CLAIMED_DATABASE is set, but EPHEMERA_DATABASE=false: a claimed database needs a database",
    ]);
  });
});

describe("readEnvironmentConfig: shared nodes", () => {
  it("takes shared nodes with the pool's security group; dedicated is the default", () => {
    expect(readEnvironmentConfig(from(VALID)).nodes).toBe("dedicated");
    expect(readEnvironmentConfig(from({ ...VALID, EPHEMERA_NODES: "shared", EPHEMERA_SHARED_NODE_SECURITY_GROUP: "sg-0pool" }))).toMatchObject({ nodes: "shared", sharedNodeSecurityGroup: "sg-0pool" });
  });

  it("names a node mode it does not know, and shared nodes with a database but no security group", () => {
    expect(problemsOf({ ...VALID, EPHEMERA_NODES: "fargate" })).toEqual(['EPHEMERA_NODES "fargate" is not dedicated or shared; use e.g. EPHEMERA_NODES=shared']);
    expect(problemsOf({ ...VALID, EPHEMERA_NODES: "shared" })).toEqual([
      "EPHEMERA_NODES=shared with a database needs EPHEMERA_SHARED_NODE_SECURITY_GROUP (e.g. sg-0pool1234), the security group the database admits",
    ]);
  });
});
