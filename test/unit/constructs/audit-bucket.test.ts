import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { AuditBucket, AuditBucketProps, auditBucketPolicy } from "../../../constructs/audit-bucket";
import { tagEnvironment } from "../../../constructs/environment-tags";
import { TAG } from "../../../reaper/model";
import { simulateIam } from "../../../harness/simulate-iam";
import { Block, all, annotations, expectInvalid, one, synth } from "./synth";

const PROPS: AuditBucketProps = { bucketName: "acme-ephemera-audit" };
const BREAK_GLASS = "arn:aws:iam::123456789012:role/audit-break-glass";
/** With a break-glass principal: no warning about being locked out of the bucket's settings. */
const QUIET: AuditBucketProps = { ...PROPS, breakGlassPrincipalArn: BREAK_GLASS };

type Statement = { Sid: string; Effect: string; Principal: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string>> };

function policyOf(out: ReturnType<typeof synth>): Statement[] {
  return (JSON.parse(one(out, "aws_s3_bucket_policy").policy as string) as { Statement: Statement[] }).Statement;
}

const actions = (s: Statement | undefined): string[] => [s?.Action ?? []].flat();

describe("AuditBucket", () => {
  it("creates the bucket with Object Lock enabled at creation and never force_destroy", () => {
    const bucket = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket");
    expect(bucket).toMatchObject({ bucket: "acme-ephemera-audit", object_lock_enabled: true, force_destroy: false });
  });

  it("locks every record in GOVERNANCE mode for 365 days by default", () => {
    const lock = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket_object_lock_configuration");
    expect(lock.rule).toEqual({ default_retention: { mode: "GOVERNANCE", days: 365 } });
  });

  it("locks records in COMPLIANCE mode for the given days when asked", () => {
    const lock = one(synth((s) => new AuditBucket(s, "audit", { ...PROPS, retentionMode: "COMPLIANCE", retentionDays: 2555 })), "aws_s3_bucket_object_lock_configuration");
    expect(lock.rule).toEqual({ default_retention: { mode: "COMPLIANCE", days: 2555 } });
  });

  it("warns at synth that COMPLIANCE retention cannot be undone", () => {
    const found = annotations((s) => new AuditBucket(s, "audit", { ...QUIET, retentionMode: "COMPLIANCE", retentionDays: 30 }));
    expect(found).toEqual([expect.objectContaining({ level: "warning", path: "stack/audit", message: expect.stringMatching(/COMPLIANCE cannot be undone: for 30 days/) })]);
  });

  it("has nothing to warn about with the default GOVERNANCE retention and a break-glass principal", () => {
    expect(annotations((s) => new AuditBucket(s, "audit", QUIET))).toEqual([]);
  });

  it("warns at synth, without a break-glass principal, that nobody (Terraform included) can change the bucket's policy, lifecycle or lock once it is applied", () => {
    const found = annotations((s) => new AuditBucket(s, "audit", PROPS));
    expect(found).toEqual([
      expect.objectContaining({
        level: "warning",
        path: "stack/audit",
        message: expect.stringMatching(/^No breakGlassPrincipalArn: .*s3:PutBucketPolicy.*Terraform included.*AccessDenied.*only the account's root user can delete the bucket policy\. Set breakGlassPrincipalArn/),
      }),
    ]);
  });

  it("turns versioning on", () => {
    const versioning = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket_versioning");
    expect(versioning.versioning_configuration).toEqual({ status: "Enabled" });
  });

  it("encrypts with a new KMS key that rotates, with S3 bucket keys to cut KMS calls", () => {
    const out = synth((s) => new AuditBucket(s, "audit", PROPS));
    expect(one(out, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(one(out, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.audit_key_\w+\.arn\}$/) }, bucket_key_enabled: true },
    ]);
  });

  it("encrypts with the given key and creates none", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const out = synth((s) => new AuditBucket(s, "audit", { ...PROPS, kmsKeyArn: key }));
    expect(all(out, "aws_kms_key")).toEqual([]);
    expect(one(out, "aws_s3_bucket_server_side_encryption_configuration").rule[0].apply_server_side_encryption_by_default.kms_master_key_id).toBe(key);
  });

  it("blocks all public access", () => {
    const block = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket_public_access_block");
    expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  it("denies any access without TLS to the bucket and its records", () => {
    const tls = policyOf(synth((s) => new AuditBucket(s, "audit", PROPS))).find((st) => st.Sid === "DenyInsecureTransport");
    expect(tls).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(tls?.Resource).toEqual([expect.stringMatching(/\.arn\}$/), expect.stringMatching(/\.arn\}\/\*$/)]);
  });

  it("denies deleting records, legal holds, governance bypass, and any change to the bucket's policy, lifecycle, Object Lock or versioning to everyone", () => {
    const statements = policyOf(synth((s) => new AuditBucket(s, "audit", PROPS))).filter((st) => st.Condition === undefined);
    for (const st of statements) expect(st).toMatchObject({ Effect: "Deny", Principal: "*" });
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        "s3:BypassGovernanceRetention",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectLegalHold",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
      ].sort(),
    );
  });

  it("denies every put without If-None-Match, on every key, to every principal: the bucket itself makes keys write-once", () => {
    for (const props of [PROPS, QUIET]) {
      const writeOnce = policyOf(synth((s) => new AuditBucket(s, "audit", props))).find((st) => st.Sid === "WriteEachKeyOnce");
      expect(writeOnce).toEqual({
        Sid: "WriteEachKeyOnce",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: expect.stringMatching(/\.arn\}\/\*$/),
        Condition: { Null: { "s3:if-none-match": "true" } },
      });
    }
  });

  it("allows retention only as the bucket's default: its mode, and within a day of its days", () => {
    const retention = policyOf(synth((s) => new AuditBucket(s, "audit", { ...PROPS, retentionDays: 90 }))).filter((st) => actions(st).includes("s3:PutObjectRetention"));
    expect(retention.map((st) => st.Condition)).toEqual([
      { StringNotEquals: { "s3:object-lock-mode": "GOVERNANCE" } },
      { NumericGreaterThan: { "s3:object-lock-remaining-retention-days": "91" } },
      { NumericLessThan: { "s3:object-lock-remaining-retention-days": "89" } },
    ]);
    for (const st of retention) expect(st).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:PutObjectRetention" });
  });

  it("exempts only the break-glass principal from those denials, never from TLS or from writing each key once", () => {
    const statements = policyOf(synth((s) => new AuditBucket(s, "audit", QUIET)));
    const always = ["DenyInsecureTransport", "WriteEachKeyOnce"];
    for (const st of statements.filter((x) => !always.includes(x.Sid))) {
      expect(st.Condition).toMatchObject({ ArnNotEquals: { "aws:PrincipalArn": BREAK_GLASS } });
    }
    expect(statements.find((x) => x.Sid === "DenyInsecureTransport")?.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(statements.find((x) => x.Sid === "WriteEachKeyOnce")?.Condition).toEqual({ Null: { "s3:if-none-match": "true" } });
  });

  it("applies the bucket policy only after versioning, Object Lock, the public access block, encryption and the lifecycle, which it locks", () => {
    const policy = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket_policy");
    expect(policy.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_s3_bucket_versioning\./),
        expect.stringMatching(/^aws_s3_bucket_object_lock_configuration\./),
        expect.stringMatching(/^aws_s3_bucket_public_access_block\./),
        expect.stringMatching(/^aws_s3_bucket_server_side_encryption_configuration\./),
        expect.stringMatching(/^aws_s3_bucket_lifecycle_configuration\./),
      ]),
    );
  });

  it("moves records and noncurrent versions to STANDARD_IA after 30 days and GLACIER_IR after 90", () => {
    const [rule] = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket_lifecycle_configuration").rule as Block[];
    expect(rule).toMatchObject({
      status: "Enabled",
      transition: [
        { days: 30, storage_class: "STANDARD_IA" },
        { days: 90, storage_class: "GLACIER_IR" },
      ],
      noncurrent_version_transition: [
        { noncurrent_days: 30, storage_class: "STANDARD_IA" },
        { noncurrent_days: 90, storage_class: "GLACIER_IR" },
      ],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
    expect(rule).not.toHaveProperty("expiration");
    expect(rule).not.toHaveProperty("noncurrent_version_expiration");
  });

  it("takes other transition ages", () => {
    const [rule] = one(synth((s) => new AuditBucket(s, "audit", { ...PROPS, infrequentAccessAfterDays: 60, glacierAfterDays: 180 })), "aws_s3_bucket_lifecycle_configuration").rule as Block[];
    expect(rule?.transition).toEqual([
      { days: 60, storage_class: "STANDARD_IA" },
      { days: 180, storage_class: "GLACIER_IR" },
    ]);
  });

  it("stops Terraform from destroying the bucket or its key", () => {
    const out = synth((s) => new AuditBucket(s, "audit", PROPS));
    expect(one(out, "aws_s3_bucket").lifecycle).toEqual({ prevent_destroy: true });
    expect(one(out, "aws_kms_key").lifecycle).toEqual({ prevent_destroy: true });
  });

  it("marks the bucket and its key ephemera:protect, so the reaper leaves them alone whatever else they carry", () => {
    const out = synth((s) => new AuditBucket(s, "audit", PROPS));
    expect(one(out, "aws_s3_bucket").tags).toEqual({ [TAG.protect]: "true" });
    expect(one(out, "aws_kms_key").tags).toEqual({ [TAG.protect]: "true" });
  });

  it("never gets the environment's tags, even when tagEnvironment covers its whole stack", () => {
    const out = synth((s) => {
      new AuditBucket(s, "audit", PROPS);
      tagEnvironment(s, { envId: "pr-1", owner: "web@example.com" });
    });
    for (const type of ["aws_s3_bucket", "aws_kms_key"]) {
      expect(one(out, type).tags).not.toHaveProperty(TAG.managedBy);
      expect(one(out, type).lifecycle).not.toHaveProperty("ignore_changes");
    }
  });

  it("fails synth when something inside it is tagged ephemera:managed-by by hand", () => {
    const found = annotations((s) => {
      const audit = new AuditBucket(s, "audit", QUIET);
      audit.bucket.tags = { [TAG.managedBy]: "ephemera" };
    });
    expect(found).toEqual([expect.objectContaining({ level: "error", path: "stack/audit/bucket", message: expect.stringContaining(TAG.managedBy) })]);
  });

  it("fails synth when the provider's default_tags would put ephemera:managed-by on it", () => {
    const found = annotations((s) => {
      new AwsProvider(s, "aws", { region: "us-east-1", defaultTags: [{ tags: { [TAG.managedBy]: "ephemera" } }] });
      new AuditBucket(s, "audit", QUIET);
    });
    expect(found).toEqual([expect.objectContaining({ level: "error", path: "stack/audit", message: expect.stringMatching(/default_tags/) })]);
  });

  it("exposes the bucket's name and ARN for wiring", () => {
    let audit: AuditBucket | undefined;
    synth((s) => {
      audit = new AuditBucket(s, "audit", PROPS);
    });
    expect(audit!.bucketName).toMatch(/^\$\{TfToken\[/);
    expect(audit!.bucketArn).toMatch(/^\$\{TfToken\[/);
  });

  describe("grantWrite and grantReadWrite", () => {
    function grant(role: (s: Construct) => IamRole | string, props: AuditBucketProps = PROPS): Block {
      const out = synth((s) => new AuditBucket(s, "audit", props).grantWrite(role(s)));
      return one(out, "aws_iam_role_policy");
    }
    const writeOnce = {
      Sid: "WriteEachKeyOnce",
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: expect.stringMatching(/\.arn\}\/\*$/),
      Condition: { Null: { "s3:if-none-match": "true" } },
    };

    it("lets an IamRole put records under audit/, each key once, and use the key for them, and nothing else", () => {
      const policy = grant((s) => new IamRole(s, "reaper", { name: "ephemera-reaper", assumeRolePolicy: "{}" }));
      expect(policy.role).toMatch(/^\$\{aws_iam_role\.reaper\.name\}$/);
      expect(JSON.parse(policy.policy as string).Statement).toEqual([
        { Sid: "PutAuditRecords", Effect: "Allow", Action: "s3:PutObject", Resource: expect.stringMatching(/\.arn\}\/audit\/\*$/) },
        { Sid: "EncryptAuditRecords", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: expect.stringMatching(/^\$\{aws_kms_key\./) },
        writeOnce,
      ]);
    });

    it("grantReadWrite adds listing and reading under audit/, the environments' leases under leases/, the spend readings under spend/, the pool's claims under claims/, the admission and provisioning registers, and decrypting, for a reaper role", () => {
      const out = synth((s) => new AuditBucket(s, "audit", PROPS).grantReadWrite("ephemera-reaper"));
      const policy = one(out, "aws_iam_role_policy");
      expect(policy.name).toMatch(/^ephemera-audit-read-write-/);
      expect(JSON.parse(policy.policy as string).Statement).toEqual([
        {
          Sid: "PutAndGetAuditRecordsAndLeases",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: ["audit", "leases", "spend", "claims", "admissions", "admission-requests", "provisioning", "live-index", "traces", "trace-seals", "plans"].map((prefix) => expect.stringMatching(new RegExp(`/${prefix}/\\*$`))),
        },
        {
          Sid: "ListAuditRecordsAndLeases",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: expect.stringMatching(/\.arn\}$/),
          Condition: { StringLike: { "s3:prefix": ["audit/*", "leases/*", "spend/*", "claims/*", "admissions/*", "admission-requests/*", "provisioning/*", "live-index/*", "traces/*", "trace-seals/*", "plans/*"] } },
        },
        { Sid: "EncryptAndDecryptAuditRecords", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: expect.stringMatching(/^\$\{aws_kms_key\./) },
        writeOnce,
      ]);
    });

    it("takes an existing role by name", () => {
      expect(grant(() => "ephemera-reaper").role).toBe("ephemera-reaper");
    });

    it("takes an existing role by ARN, path included", () => {
      expect(grant(() => "arn:aws:iam::123456789012:role/platform/ephemera-reaper").role).toBe("ephemera-reaper");
    });

    it("rejects a second grant to the same role", () => {
      expectInvalid(
        () =>
          synth((s) => {
            const audit = new AuditBucket(s, "audit", PROPS);
            audit.grantWrite("ephemera-reaper");
            audit.grantReadWrite("ephemera-reaper");
          }),
        "role",
        /already granted/,
      );
    });

    it("rejects an ARN that is not a role's", () => {
      expectInvalid(() => grant(() => "arn:aws:iam::123456789012:user/alice"), "role", /neither an IAM role name nor a role ARN/);
    });
  });

  it.each<[string, Partial<AuditBucketProps>, string, RegExp]>([
    ["an invalid bucket name", { bucketName: "Acme_Audit" }, "bucketName", /lowercase letters/],
    ["a too short bucket name", { bucketName: "ab" }, "bucketName", /3 to 63/],
    ["an unknown retention mode", { retentionMode: "LOCKED" as never }, "retentionMode", /not an Object Lock mode/],
    ["zero retention days", { retentionDays: 0 }, "retentionDays", /whole number from 1 to 36500/],
    ["fractional retention days", { retentionDays: 1.5 }, "retentionDays", /whole number/],
    ["an infrequent-access age under S3's 30-day minimum", { infrequentAccessAfterDays: 10 }, "infrequentAccessAfterDays", /from 30/],
    ["a glacier age not after the infrequent-access age", { glacierAfterDays: 30 }, "glacierAfterDays", /not later than infrequentAccessAfterDays \(30\)/],
    ["a KMS alias instead of a key ARN", { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/audit" }, "kmsKeyArn", /not a KMS key ARN/],
    ["a break-glass principal that is not an ARN", { breakGlassPrincipalArn: "admin" }, "breakGlassPrincipalArn", /not an IAM principal ARN/],
  ])("rejects %s, naming the prop and the fix", (_name, bad, field, problem) => {
    expectInvalid(() => synth((s) => new AuditBucket(s, "audit", { ...PROPS, ...bad })), field, problem);
  });
});

/**
 * The bucket policy and the grants, evaluated by an IAM policy simulator (the emulator does
 * not evaluate bucket policies): each case is one request, by a principal whose own policy
 * allows it, against the bucket's policy.
 */
describe("AuditBucket, evaluated", () => {
  const ACCOUNT = "123456789012";
  const BUCKET = "arn:aws:s3:::acme-ephemera-audit";
  const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const ADMIN = `arn:aws:iam::${ACCOUNT}:role/platform-admin`;
  const CI = `arn:aws:iam::${ACCOUNT}:role/ci-deploy`;
  const OPERATOR = `arn:aws:iam::${ACCOUNT}:role/platform-operator`;
  const REGISTER = `${BUCKET}/provisioning/999999999996.json`;
  const RESERVATION = `${BUCKET}/admissions/999999999990.json`;
  const RECORD = `${BUCKET}/audit/2026/05/01/20260501T120000Z-3f9a1c2b/000000.json`;
  const CLAIM = `${BUCKET}/claims/default/ephemera-pool-default-ab12cd34.json`;
  const LEASE = `${BUCKET}/leases/pr-1/999999999998.json`;
  const READING = `${BUCKET}/spend/8222537599999-20260501T120000Z-3f9a1c2b.json`;
  const LIVE_INDEX = `${BUCKET}/live-index/999999999990.json`;
  const PLAN = `${BUCKET}/plans/${"3f".repeat(32)}.json`;
  const PLAN_RUN = `${BUCKET}/plans/${"3f".repeat(32)}.run.json`;
  const TRACE_BATCH = `${BUCKET}/traces/pr-1/999999999998.json`;
  const TRACE_SEAL = `${BUCKET}/trace-seals/pr-1/8234567890123-20260501T120000Z-3f9a1c2b.json`;
  const REQUEST = `${BUCKET}/admission-requests/8222537599999-0b6f3d2e-8c1a-4f5e-9d7b-2a4c6e8f0a1b.json`;
  const POOL_DB = `arn:aws:rds:us-east-1:${ACCOUNT}:db:ephemera-pool-default-ab12cd34`;
  const POOL_GROUP = `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/sg-0ab12cd34`;
  const ENV_DB = `arn:aws:rds:us-east-1:${ACCOUNT}:db:pr-1-database`;
  const CHECKPOINT = `arn:aws:rds:us-east-1:${ACCOUNT}:snapshot:ephemera-pr-1-20260501120000`;
  const ENV_DB_TAGS = { [`aws:ResourceTag/${TAG.managedBy}`]: "ephemera", [`aws:ResourceTag/${TAG.env}`]: "pr-1" };
  const CHECKPOINT_TAGS = {
    [`aws:RequestTag/${TAG.managedBy}`]: "ephemera",
    [`aws:RequestTag/${TAG.checkpoint}`]: "before-migration",
    "aws:TagKeys": [TAG.managedBy, TAG.env, TAG.owner, TAG.ttl, TAG.createdAt, TAG.checkpoint],
  };
  const RDS_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:rds!db-3c4d5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f-AbCdEf`;
  const CREDENTIALS_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:ephemera-pool-default-ab12cd34-credentials-1a2b3c4d-AbCdEf`;
  /** What a claim creates its credentials secret with: the environment's tags, managed-by among them. */
  const CREDENTIALS_TAGS = { [`aws:RequestTag/${TAG.managedBy}`]: "ephemera", "aws:TagKeys": [TAG.managedBy, TAG.env, TAG.owner, TAG.ttl, TAG.createdAt, TAG.state] };
  const MANAGED = { [`aws:ResourceTag/${TAG.managedBy}`]: "ephemera" };
  const writeOnce = { "s3:if-none-match": "*" };
  /** What a principal with broad S3 rights of its own (an admin, a deploy role over `*`) may do. */
  const EVERYTHING_IN_S3 = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
  const KEY_POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] };

  interface Case {
    readonly name: string;
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly context?: Record<string, string | string[]>;
    readonly expect: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
  }

  async function evaluate(c: Case, identity: object[], bucketPolicy: string): Promise<string> {
    return simulateIam(c, { identity, bucketPolicy: JSON.parse(bucketPolicy) as object, keyPolicy: KEY_POLICY });
  }

  describe("the bucket policy makes every key write-once and the bucket's settings fixed, for every principal", () => {
    const policy = auditBucketPolicy(BUCKET, BREAK_GLASS, { mode: "GOVERNANCE", days: 365 });
    const retention = (mode: string | undefined, days: string | undefined) => ({
      ...(mode === undefined ? {} : { "s3:object-lock-mode": mode }),
      ...(days === undefined ? {} : { "s3:object-lock-remaining-retention-days": days }),
    });
    const cases: Case[] = [
      { name: "an admin overwrites no register version: a put without If-None-Match is denied", principal: ADMIN, action: "s3:PutObject", resource: REGISTER, expect: "ExplicitlyDenied" },
      { name: "an admin overwrites no audit record", principal: ADMIN, action: "s3:PutObject", resource: RECORD, expect: "ExplicitlyDenied" },
      { name: "an admin overwrites no key outside the state prefixes either", principal: ADMIN, action: "s3:PutObject", resource: `${BUCKET}/notes.txt`, expect: "ExplicitlyDenied" },
      { name: "nor does the break-glass principal", principal: BREAK_GLASS, action: "s3:PutObject", resource: REGISTER, expect: "ExplicitlyDenied" },
      { name: "a write where no object is yet (If-None-Match: *) stands", principal: ADMIN, action: "s3:PutObject", resource: REGISTER, context: writeOnce, expect: "Allowed" },
      { name: "an admin replaces no bucket policy", principal: ADMIN, action: "s3:PutBucketPolicy", resource: BUCKET, expect: "ExplicitlyDenied" },
      { name: "an admin deletes no bucket policy", principal: ADMIN, action: "s3:DeleteBucketPolicy", resource: BUCKET, expect: "ExplicitlyDenied" },
      { name: "an admin adds no lifecycle rule (one could expire records)", principal: ADMIN, action: "s3:PutLifecycleConfiguration", resource: BUCKET, expect: "ExplicitlyDenied" },
      { name: "an admin changes no Object Lock configuration", principal: ADMIN, action: "s3:PutBucketObjectLockConfiguration", resource: BUCKET, expect: "ExplicitlyDenied" },
      { name: "an admin suspends no versioning", principal: ADMIN, action: "s3:PutBucketVersioning", resource: BUCKET, expect: "ExplicitlyDenied" },
      { name: "an admin deletes no record version", principal: ADMIN, action: "s3:DeleteObjectVersion", resource: RECORD, expect: "ExplicitlyDenied" },
      { name: "an admin bypasses no governance retention", principal: ADMIN, action: "s3:BypassGovernanceRetention", resource: RECORD, expect: "ExplicitlyDenied" },
      { name: "an admin puts no legal hold", principal: ADMIN, action: "s3:PutObjectLegalHold", resource: RECORD, expect: "ExplicitlyDenied" },
      {
        name: "a writer that sends the default retention with each put (auditPerObjectRetention) still writes",
        principal: ADMIN,
        action: "s3:PutObjectRetention",
        resource: RECORD,
        context: retention("GOVERNANCE", "365"),
        expect: "Allowed",
      },
      { name: "as it does a day either way (clocks)", principal: ADMIN, action: "s3:PutObjectRetention", resource: RECORD, context: retention("GOVERNANCE", "364"), expect: "Allowed" },
      { name: "no retention in another mode", principal: ADMIN, action: "s3:PutObjectRetention", resource: RECORD, context: retention("COMPLIANCE", "365"), expect: "ExplicitlyDenied" },
      { name: "no retention removed (no mode, no date)", principal: ADMIN, action: "s3:PutObjectRetention", resource: RECORD, context: retention(undefined, undefined), expect: "ExplicitlyDenied" },
      { name: "no retention longer than the default", principal: ADMIN, action: "s3:PutObjectRetention", resource: RECORD, context: retention("GOVERNANCE", "3650"), expect: "ExplicitlyDenied" },
      { name: "no retention shorter than the default", principal: ADMIN, action: "s3:PutObjectRetention", resource: RECORD, context: retention("GOVERNANCE", "30"), expect: "ExplicitlyDenied" },
      { name: "the break-glass principal may replace the bucket policy", principal: BREAK_GLASS, action: "s3:PutBucketPolicy", resource: BUCKET, expect: "Allowed" },
      { name: "and change the lifecycle", principal: BREAK_GLASS, action: "s3:PutLifecycleConfiguration", resource: BUCKET, expect: "Allowed" },
      { name: "and the Object Lock configuration", principal: BREAK_GLASS, action: "s3:PutBucketObjectLockConfiguration", resource: BUCKET, expect: "Allowed" },
      { name: "and a record's retention", principal: BREAK_GLASS, action: "s3:PutObjectRetention", resource: RECORD, context: retention("COMPLIANCE", "3650"), expect: "Allowed" },
      { name: "and delete a record version", principal: BREAK_GLASS, action: "s3:DeleteObjectVersion", resource: RECORD, expect: "Allowed" },
      { name: "but never without TLS", principal: BREAK_GLASS, action: "s3:GetObject", resource: RECORD, context: { "aws:SecureTransport": "false" }, expect: "ExplicitlyDenied" },
    ];
    it.each(cases)("$name", async (c) => {
      expect(await evaluate(c, [EVERYTHING_IN_S3], policy)).toBe(c.expect);
    });

    it("without a break-glass principal, exempts nobody: not even a principal with s3:* may change the policy", async () => {
      const locked = auditBucketPolicy(BUCKET, undefined, { mode: "GOVERNANCE", days: 365 });
      for (const action of ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration"]) {
        expect(await evaluate({ name: action, principal: BREAK_GLASS, action, resource: BUCKET, expect: "ExplicitlyDenied" }, [EVERYTHING_IN_S3], locked)).toBe("ExplicitlyDenied");
      }
    });
  });

  /** A grant's policy as applied: the bucket's, key's, partition's, region's and account's references filled in. */
  function grantPolicy(grant: (audit: AuditBucket) => unknown): object {
    const out = synth((s) => grant(new AuditBucket(s, "audit", QUIET)));
    return JSON.parse(
      (one(out, "aws_iam_role_policy").policy as string)
        .replace(/\$\{aws_s3_bucket\.[^}]+\.arn\}/g, BUCKET)
        .replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, KEY)
        .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, "aws")
        .replace(/\$\{data\.aws_region\.[^}]+\.name\}/g, "us-east-1")
        .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, ACCOUNT),
    ) as object;
  }
  const bucketPolicy = auditBucketPolicy(BUCKET, BREAK_GLASS, { mode: "GOVERNANCE", days: 365 });
  const list = (prefix: string) => ({ "s3:prefix": prefix });

  describe("grantAdmit: a pipeline writes reservations and its decisions' records, and never opens or jams the other gates", () => {
    const admit = grantPolicy((audit) => audit.grantAdmit("ci-deploy"));
    const cases: Case[] = [
      { name: "writes the next reservation where none is yet", principal: CI, action: "s3:PutObject", resource: RESERVATION, context: writeOnce, expect: "Allowed" },
      { name: "writes the audit records of its decision", principal: CI, action: "s3:PutObject", resource: RECORD, context: writeOnce, expect: "Allowed" },
      { name: "reads the reservations", principal: CI, action: "s3:GetObject", resource: RESERVATION, expect: "Allowed" },
      { name: "reads the provisioning switch (is provisioning paused)", principal: CI, action: "s3:GetObject", resource: REGISTER, expect: "Allowed" },
      { name: "reads the trail its run opens on", principal: CI, action: "s3:GetObject", resource: RECORD, expect: "Allowed" },
      { name: "lists the reservations", principal: CI, action: "s3:ListBucket", resource: BUCKET, context: list("admissions/"), expect: "Allowed" },
      { name: "writes its request to wait its turn in the admission queue", principal: CI, action: "s3:PutObject", resource: REQUEST, context: writeOnce, expect: "Allowed" },
      { name: "reads the waiting requests it decides in turn", principal: CI, action: "s3:GetObject", resource: REQUEST, expect: "Allowed" },
      { name: "lists the admission queue", principal: CI, action: "s3:ListBucket", resource: BUCKET, context: list("admission-requests/"), expect: "Allowed" },
      { name: "never overwrites a waiting request (another admit's place in the queue)", principal: CI, action: "s3:PutObject", resource: REQUEST, expect: "ExplicitlyDenied" },
      { name: "lists the provisioning switch", principal: CI, action: "s3:ListBucket", resource: BUCKET, context: list("provisioning/"), expect: "Allowed" },
      { name: "reads the live-environment index it counts from", principal: CI, action: "s3:GetObject", resource: LIVE_INDEX, expect: "Allowed" },
      { name: "lists the live-environment index", principal: CI, action: "s3:ListBucket", resource: BUCKET, context: list("live-index/"), expect: "Allowed" },
      { name: "never writes the index it is counted by (an agent cannot shrink the count)", principal: CI, action: "s3:PutObject", resource: LIVE_INDEX, context: writeOnce, expect: "ExplicitlyDenied" },
      { name: "lists the trail", principal: CI, action: "s3:ListBucket", resource: BUCKET, context: list("audit/2026/05/01/"), expect: "Allowed" },
      { name: "encrypts with the bucket's key", principal: CI, action: "kms:GenerateDataKey", resource: KEY, expect: "Allowed" },
      { name: "decrypts with it", principal: CI, action: "kms:Decrypt", resource: KEY, expect: "Allowed" },
      { name: "counts the live environments: the databases", principal: CI, action: "rds:DescribeDBInstances", resource: "*", expect: "Allowed" },
      { name: "counts the live environments: the Tagging API", principal: CI, action: "tag:GetResources", resource: "*", expect: "Allowed" },
      { name: "counts the live environments: the budgets", principal: CI, action: "budgets:ViewBudget", resource: `arn:aws:budgets::${ACCOUNT}:budget/ephemera-pr-1`, expect: "Allowed" },
      { name: "never lifts a budget pause: no write under provisioning/", principal: CI, action: "s3:PutObject", resource: REGISTER, context: writeOnce, expect: "ExplicitlyDenied" },
      { name: "never takes a pool database: no write under claims/", principal: CI, action: "s3:PutObject", resource: CLAIM, context: writeOnce, expect: "ExplicitlyDenied" },
      { name: "never takes an environment's lease", principal: CI, action: "s3:PutObject", resource: LEASE, context: writeOnce, expect: "ExplicitlyDenied" },
      { name: "never writes a spend reading", principal: CI, action: "s3:PutObject", resource: READING, context: writeOnce, expect: "ExplicitlyDenied" },
      { name: "never overwrites a reservation", principal: CI, action: "s3:PutObject", resource: RESERVATION, expect: "ExplicitlyDenied" },
      { name: "reads no claim", principal: CI, action: "s3:GetObject", resource: CLAIM, expect: "ImplicitlyDenied" },
      { name: "lists no claims", principal: CI, action: "s3:ListBucket", resource: BUCKET, context: list("claims/"), expect: "ImplicitlyDenied" },
      { name: "rotates no database password", principal: CI, action: "rds:ModifyDBInstance", resource: POOL_DB, context: MANAGED, expect: "ImplicitlyDenied" },
    ];
    it.each(cases)("$name", async (c) => {
      expect(await evaluate(c, [admit], bucketPolicy)).toBe(c.expect);
    });

    it("keeps the pipeline out of provisioning/, claims/ and live-index/ even when its deploy policy allows s3:* on everything", async () => {
      for (const resource of [REGISTER, CLAIM, LIVE_INDEX]) {
        expect(await evaluate({ name: resource, principal: CI, action: "s3:PutObject", resource, context: writeOnce, expect: "ExplicitlyDenied" }, [admit, EVERYTHING_IN_S3], bucketPolicy)).toBe("ExplicitlyDenied");
      }
    });
  });

  describe("grantOperate: an operator flips the provisioning switch, claims and releases", () => {
    const operate = grantPolicy((audit) => audit.grantOperate("platform-operator"));
    const cases: Case[] = [
      { name: "pauses or resumes provisioning: the switch's next version", principal: OPERATOR, action: "s3:PutObject", resource: REGISTER, context: writeOnce, expect: "Allowed" },
      { name: "writes a claim record", principal: OPERATOR, action: "s3:PutObject", resource: CLAIM, context: writeOnce, expect: "Allowed" },
      { name: "takes an environment's lease (claim, release, pause, resume, extend)", principal: OPERATOR, action: "s3:PutObject", resource: LEASE, context: writeOnce, expect: "Allowed" },
      { name: "writes a reservation (a claim passes admission)", principal: OPERATOR, action: "s3:PutObject", resource: RESERVATION, context: writeOnce, expect: "Allowed" },
      { name: "writes the audit records of its runs", principal: OPERATOR, action: "s3:PutObject", resource: RECORD, context: writeOnce, expect: "Allowed" },
      { name: "stores a reviewed plan (reap --plan-out)", principal: OPERATOR, action: "s3:PutObject", resource: PLAN, context: writeOnce, expect: "Allowed" },
      { name: "reads it back to execute it (reap --plan)", principal: OPERATOR, action: "s3:GetObject", resource: PLAN, expect: "Allowed" },
      { name: "claims it for the one run that executes it", principal: OPERATOR, action: "s3:PutObject", resource: PLAN_RUN, context: writeOnce, expect: "Allowed" },
      { name: "overwrites no stored plan", principal: OPERATOR, action: "s3:PutObject", resource: PLAN, expect: "ExplicitlyDenied" },
      { name: "appends a batch to an environment's decision trace (trace append, record_decision)", principal: OPERATOR, action: "s3:PutObject", resource: TRACE_BATCH, context: writeOnce, expect: "Allowed" },
      { name: "overwrites no trace batch", principal: OPERATOR, action: "s3:PutObject", resource: TRACE_BATCH, expect: "ExplicitlyDenied" },
      { name: "writes the pointer to the trace seal a release records", principal: OPERATOR, action: "s3:PutObject", resource: TRACE_SEAL, context: writeOnce, expect: "Allowed" },
      { name: "reads the spend meter's readings (ls)", principal: OPERATOR, action: "s3:GetObject", resource: READING, expect: "Allowed" },
      { name: "lists them", principal: OPERATOR, action: "s3:ListBucket", resource: BUCKET, context: list("spend/"), expect: "Allowed" },
      { name: "lists the claims", principal: OPERATOR, action: "s3:ListBucket", resource: BUCKET, context: list("claims/default/"), expect: "Allowed" },
      { name: "writes no spend reading: the reaper's alone", principal: OPERATOR, action: "s3:PutObject", resource: READING, context: writeOnce, expect: "ImplicitlyDenied" },
      { name: "overwrites no switch version", principal: OPERATOR, action: "s3:PutObject", resource: REGISTER, expect: "ExplicitlyDenied" },
      { name: "lists the databases to claim one", principal: OPERATOR, action: "rds:DescribeDBInstances", resource: "*", expect: "Allowed" },
      {
        name: "tags a claimed pool database the environment's",
        principal: OPERATOR,
        action: "rds:AddTagsToResource",
        resource: POOL_DB,
        context: { ...MANAGED, "aws:TagKeys": [TAG.owner, TAG.ttl, TAG.createdAt, TAG.env, TAG.state] },
        expect: "Allowed",
      },
      {
        name: "tags the claimed database's own security group the environment's",
        principal: OPERATOR,
        action: "ec2:CreateTags",
        resource: POOL_GROUP,
        context: { ...MANAGED, [`aws:ResourceTag/${TAG.pool}`]: "default", "aws:TagKeys": [TAG.owner, TAG.ttl, TAG.createdAt, TAG.env, TAG.state] },
        expect: "Allowed",
      },
      { name: "tags no security group that is not a pool's", principal: OPERATOR, action: "ec2:CreateTags", resource: POOL_GROUP, context: { ...MANAGED, "aws:TagKeys": [TAG.env] }, expect: "ImplicitlyDenied" },
      { name: "tags no pool security group that is not managed", principal: OPERATOR, action: "ec2:CreateTags", resource: POOL_GROUP, context: { [`aws:ResourceTag/${TAG.pool}`]: "default", "aws:TagKeys": [TAG.env] }, expect: "ImplicitlyDenied" },
      {
        name: "tags a pool security group with no key but ephemera: ones",
        principal: OPERATOR,
        action: "ec2:CreateTags",
        resource: POOL_GROUP,
        context: { ...MANAGED, [`aws:ResourceTag/${TAG.pool}`]: "default", "aws:TagKeys": ["Name"] },
        expect: "ImplicitlyDenied",
      },
      { name: "sets it a new master password", principal: OPERATOR, action: "rds:ModifyDBInstance", resource: POOL_DB, context: MANAGED, expect: "Allowed" },
      {
        name: "creates the environment's credentials secret, tagged managed and the environment's",
        principal: OPERATOR,
        action: "secretsmanager:CreateSecret",
        resource: CREDENTIALS_SECRET,
        context: CREDENTIALS_TAGS,
        expect: "Allowed",
      },
      { name: "with those tags (CreateSecret checks them as TagResource)", principal: OPERATOR, action: "secretsmanager:TagResource", resource: CREDENTIALS_SECRET, context: CREDENTIALS_TAGS, expect: "Allowed" },
      { name: "writes the password to it on a retry", principal: OPERATOR, action: "secretsmanager:PutSecretValue", resource: CREDENTIALS_SECRET, context: MANAGED, expect: "Allowed" },
      { name: "tags a pool database with no key but ephemera: ones", principal: OPERATOR, action: "rds:AddTagsToResource", resource: POOL_DB, context: { ...MANAGED, "aws:TagKeys": ["Name"] }, expect: "ImplicitlyDenied" },
      { name: "modifies no database outside the pool", principal: OPERATOR, action: "rds:ModifyDBInstance", resource: `arn:aws:rds:us-east-1:${ACCOUNT}:db:prod-main`, context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "modifies no pool database that is not managed", principal: OPERATOR, action: "rds:ModifyDBInstance", resource: POOL_DB, expect: "ImplicitlyDenied" },
      { name: "modifies no database in another region", principal: OPERATOR, action: "rds:ModifyDBInstance", resource: POOL_DB.replace("us-east-1", "eu-west-1"), context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "checkpoints an environment's own database", principal: OPERATOR, action: "rds:CreateDBSnapshot", resource: ENV_DB, context: ENV_DB_TAGS, expect: "Allowed" },
      { name: "checkpoints no database that is not managed", principal: OPERATOR, action: "rds:CreateDBSnapshot", resource: `arn:aws:rds:us-east-1:${ACCOUNT}:db:prod-main`, context: { [`aws:ResourceTag/${TAG.env}`]: "pr-1" }, expect: "ImplicitlyDenied" },
      { name: "checkpoints no managed database that is no environment's (a warm pool database)", principal: OPERATOR, action: "rds:CreateDBSnapshot", resource: POOL_DB, context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "creates the checkpoint's snapshot, tagged a checkpoint", principal: OPERATOR, action: "rds:CreateDBSnapshot", resource: CHECKPOINT, context: CHECKPOINT_TAGS, expect: "Allowed" },
      { name: "and tags it as it creates it", principal: OPERATOR, action: "rds:AddTagsToResource", resource: CHECKPOINT, context: CHECKPOINT_TAGS, expect: "Allowed" },
      {
        name: "creates no snapshot that is not tagged a checkpoint",
        principal: OPERATOR,
        action: "rds:CreateDBSnapshot",
        resource: CHECKPOINT,
        context: { [`aws:RequestTag/${TAG.managedBy}`]: "ephemera", "aws:TagKeys": [TAG.managedBy, TAG.env] },
        expect: "ImplicitlyDenied",
      },
      { name: "creates no snapshot outside the checkpoints' names", principal: OPERATOR, action: "rds:CreateDBSnapshot", resource: `arn:aws:rds:us-east-1:${ACCOUNT}:snapshot:prod-main-nightly`, context: CHECKPOINT_TAGS, expect: "ImplicitlyDenied" },
      {
        name: "tags no snapshot that is already managed (an existing checkpoint, a final snapshot)",
        principal: OPERATOR,
        action: "rds:AddTagsToResource",
        resource: CHECKPOINT,
        context: { ...CHECKPOINT_TAGS, [`aws:ResourceTag/${TAG.managedBy}`]: "ephemera" },
        expect: "ImplicitlyDenied",
      },
      { name: "tags a checkpoint with no key but ephemera: ones", principal: OPERATOR, action: "rds:AddTagsToResource", resource: CHECKPOINT, context: { ...CHECKPOINT_TAGS, "aws:TagKeys": [TAG.checkpoint, "Name"] }, expect: "ImplicitlyDenied" },
      { name: "creates no credentials secret without the managed-by tag (the reaper would never delete it)", principal: OPERATOR, action: "secretsmanager:CreateSecret", resource: CREDENTIALS_SECRET, context: { "aws:TagKeys": [TAG.env] }, expect: "ImplicitlyDenied" },
      {
        name: "creates no credentials secret with a key but ephemera: ones",
        principal: OPERATOR,
        action: "secretsmanager:CreateSecret",
        resource: CREDENTIALS_SECRET,
        context: { ...CREDENTIALS_TAGS, "aws:TagKeys": [TAG.managedBy, "Name"] },
        expect: "ImplicitlyDenied",
      },
      { name: "creates no secret outside the credentials names", principal: OPERATOR, action: "secretsmanager:CreateSecret", resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod-api-key-AbCdEf`, context: CREDENTIALS_TAGS, expect: "ImplicitlyDenied" },
      { name: "tags no secret outside the credentials names managed (it would become deletable)", principal: OPERATOR, action: "secretsmanager:TagResource", resource: RDS_SECRET, context: CREDENTIALS_TAGS, expect: "ImplicitlyDenied" },
      { name: "writes no credentials secret that is not managed", principal: OPERATOR, action: "secretsmanager:PutSecretValue", resource: CREDENTIALS_SECRET, expect: "ImplicitlyDenied" },
      { name: "writes no secret outside the credentials names", principal: OPERATOR, action: "secretsmanager:PutSecretValue", resource: RDS_SECRET, context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "reads a managed credentials secret's password (a rollback sets it on the restored database)", principal: OPERATOR, action: "secretsmanager:GetSecretValue", resource: CREDENTIALS_SECRET, context: MANAGED, expect: "Allowed" },
      { name: "reads no credentials secret that is not managed", principal: OPERATOR, action: "secretsmanager:GetSecretValue", resource: CREDENTIALS_SECRET, expect: "ImplicitlyDenied" },
      { name: "reads no secret outside the credentials names", principal: OPERATOR, action: "secretsmanager:GetSecretValue", resource: RDS_SECRET, context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "has RDS neither rotate nor create its own secrets any more", principal: OPERATOR, action: "secretsmanager:RotateSecret", resource: RDS_SECRET, expect: "ImplicitlyDenied" },
    ];
    it.each(cases)("$name", async (c) => {
      expect(await evaluate(c, [operate], bucketPolicy)).toBe(c.expect);
    });
  });

  describe("grantOperate: a rollback acts on an environment's own database, its checkpoints and the baselines it is given, nothing else", () => {
    const operate = grantPolicy((audit) => audit.grantOperate("platform-operator", { rollbackBaselines: ["app-baseline-2026-11-01"] }));
    const withoutBaselines = grantPolicy((audit) => audit.grantOperate("platform-operator"));
    const bucketPolicy = auditBucketPolicy(BUCKET, BREAK_GLASS, { mode: "GOVERNANCE", days: 365 });
    const rds = (resource: string) => `arn:aws:rds:us-east-1:${ACCOUNT}:${resource}`;
    const COPY = rds("db:pr-1-database-rollback");
    const COPY_TAGS = { [`aws:RequestTag/${TAG.managedBy}`]: "ephemera", [`aws:RequestTag/${TAG.env}`]: "pr-1", "aws:TagKeys": [TAG.managedBy, TAG.env, TAG.owner, TAG.restoredFrom] };
    const CHECKPOINT_OF_ENV = { ...MANAGED, [`aws:ResourceTag/${TAG.checkpoint}`]: "before-migration" };
    const cases: Case[] = [
      { name: "renames and re-passwords the environment's own database", principal: OPERATOR, action: "rds:ModifyDBInstance", resource: ENV_DB, context: ENV_DB_TAGS, expect: "Allowed" },
      { name: "deletes the environment's own database (the replaced one)", principal: OPERATOR, action: "rds:DeleteDBInstance", resource: ENV_DB, context: ENV_DB_TAGS, expect: "Allowed" },
      { name: "starts a paused environment's database for the swap", principal: OPERATOR, action: "rds:StartDBInstance", resource: ENV_DB, context: ENV_DB_TAGS, expect: "Allowed" },
      { name: "modifies no database that is not managed", principal: OPERATOR, action: "rds:ModifyDBInstance", resource: rds("db:prod-main"), context: { [`aws:ResourceTag/${TAG.env}`]: "pr-1" }, expect: "ImplicitlyDenied" },
      { name: "deletes no database that is not managed", principal: OPERATOR, action: "rds:DeleteDBInstance", resource: rds("db:prod-main"), expect: "ImplicitlyDenied" },
      { name: "deletes no managed database that is no environment's (a warm pool database)", principal: OPERATOR, action: "rds:DeleteDBInstance", resource: POOL_DB, context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "restores the copy beside it, tagged managed and the environment's", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: COPY, context: COPY_TAGS, expect: "Allowed" },
      { name: "and tags it as it restores it", principal: OPERATOR, action: "rds:AddTagsToResource", resource: COPY, context: COPY_TAGS, expect: "Allowed" },
      { name: "restores no copy without the environment's tag", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: COPY, context: { [`aws:RequestTag/${TAG.managedBy}`]: "ephemera", "aws:TagKeys": [TAG.managedBy] }, expect: "ImplicitlyDenied" },
      { name: "restores into no other name than a rollback copy's", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: rds("db:prod-main"), context: COPY_TAGS, expect: "ImplicitlyDenied" },
      { name: "restores from a checkpoint (a managed snapshot tagged ephemera:checkpoint)", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: CHECKPOINT, context: CHECKPOINT_OF_ENV, expect: "Allowed" },
      { name: "restores from no managed snapshot that is no checkpoint (a final snapshot)", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: rds("snapshot:ephemera-pr-1-final-202605011200"), context: MANAGED, expect: "ImplicitlyDenied" },
      { name: "restores from no other snapshot (another team's)", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: rds("snapshot:prod-main-nightly"), expect: "ImplicitlyDenied" },
      { name: "restores from the baseline it was given", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: rds("snapshot:app-baseline-2026-11-01"), expect: "Allowed" },
      { name: "takes the replaced database's final snapshot, named as a replaced checkpoint", principal: OPERATOR, action: "rds:CreateDBSnapshot", resource: rds("snapshot:ephemera-pr-1-20260501120000-replaced"), expect: "Allowed" },
    ];
    it.each(cases)("$name", async (c) => {
      expect(await evaluate(c, [operate], bucketPolicy)).toBe(c.expect);
    });
    it("restores from no baseline it was not given", async () => {
      const c: Case = { name: "", principal: OPERATOR, action: "rds:RestoreDBInstanceFromDBSnapshot", resource: rds("snapshot:app-baseline-2026-11-01"), expect: "ImplicitlyDenied" };
      expect(await evaluate(c, [withoutBaselines], bucketPolicy)).toBe("ImplicitlyDenied");
    });
  });
});
