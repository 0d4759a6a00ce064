import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { AuditBucket, AuditBucketProps } from "../../../constructs/audit-bucket";
import { tagEnvironment } from "../../../constructs/environment-tags";
import { TAG } from "../../../reaper/model";
import { Block, all, annotations, expectInvalid, one, synth } from "./synth";

const PROPS: AuditBucketProps = { bucketName: "acme-ephemera-audit" };
const BREAK_GLASS = "arn:aws:iam::123456789012:role/audit-break-glass";

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
    const found = annotations((s) => new AuditBucket(s, "audit", { ...PROPS, retentionMode: "COMPLIANCE", retentionDays: 30 }));
    expect(found).toEqual([expect.objectContaining({ level: "warning", path: "stack/audit", message: expect.stringMatching(/COMPLIANCE cannot be undone: for 30 days/) })]);
  });

  it("has nothing to warn about with the default GOVERNANCE retention", () => {
    expect(annotations((s) => new AuditBucket(s, "audit", PROPS))).toEqual([]);
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

  it("denies deleting records and changing their retention, legal hold, Object Lock or versioning to everyone", () => {
    const statements = policyOf(synth((s) => new AuditBucket(s, "audit", PROPS))).filter((st) => st.Sid !== "DenyInsecureTransport");
    for (const st of statements) {
      expect(st).toMatchObject({ Effect: "Deny", Principal: "*" });
      expect(st.Condition).toBeUndefined();
    }
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        "s3:BypassGovernanceRetention",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
      ].sort(),
    );
  });

  it("exempts only the break-glass principal from those denials, never from TLS", () => {
    const statements = policyOf(synth((s) => new AuditBucket(s, "audit", { ...PROPS, breakGlassPrincipalArn: BREAK_GLASS })));
    for (const st of statements.filter((x) => x.Sid !== "DenyInsecureTransport")) {
      expect(st.Condition).toEqual({ ArnNotEquals: { "aws:PrincipalArn": BREAK_GLASS } });
    }
    expect(statements.find((x) => x.Sid === "DenyInsecureTransport")?.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
  });

  it("applies the bucket policy only after versioning, Object Lock and the public access block, which it locks", () => {
    const policy = one(synth((s) => new AuditBucket(s, "audit", PROPS)), "aws_s3_bucket_policy");
    expect(policy.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_s3_bucket_versioning\./),
        expect.stringMatching(/^aws_s3_bucket_object_lock_configuration\./),
        expect.stringMatching(/^aws_s3_bucket_public_access_block\./),
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
      const audit = new AuditBucket(s, "audit", PROPS);
      audit.bucket.tags = { [TAG.managedBy]: "ephemera" };
    });
    expect(found).toEqual([expect.objectContaining({ level: "error", path: "stack/audit/bucket", message: expect.stringContaining(TAG.managedBy) })]);
  });

  it("fails synth when the provider's default_tags would put ephemera:managed-by on it", () => {
    const found = annotations((s) => {
      new AwsProvider(s, "aws", { region: "us-east-1", defaultTags: [{ tags: { [TAG.managedBy]: "ephemera" } }] });
      new AuditBucket(s, "audit", PROPS);
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
          Resource: ["audit", "leases", "spend", "claims", "admissions", "provisioning"].map((prefix) => expect.stringMatching(new RegExp(`/${prefix}/\\*$`))),
        },
        {
          Sid: "ListAuditRecordsAndLeases",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: expect.stringMatching(/\.arn\}$/),
          Condition: { StringLike: { "s3:prefix": ["audit/*", "leases/*", "spend/*", "claims/*", "admissions/*", "provisioning/*"] } },
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
