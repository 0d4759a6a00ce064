import * as fs from "node:fs";
import * as path from "node:path";
import { AuditBucket } from "../../../constructs/audit-bucket";
import { EnvNamespace, EnvNamespaceProps } from "../../../constructs/env-namespace";
import { traceAppendPolicy } from "../../../constructs/trace-append-policy";
import { REPO_ROOT } from "../../../harness/paths";
import { IamDecision, simulateIam } from "../../../harness/simulate-iam";
import { traceGrantPolicies } from "../../../harness/trace-grant-policies";
import { workloadRoleName } from "../../../reaper/model";
import { all, expectInvalid, one, synth } from "./synth";

const ACCOUNT = "123456789012";
const BUCKET_NAME = "acme-ephemera-audit";
const BUCKET = `arn:aws:s3:::${BUCKET_NAME}`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/9999abcd-12ab-34cd-56ef-1234567890ab`;
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:role/audit-break-glass`;
const WORKLOAD = `arn:aws:iam::${ACCOUNT}:role/${workloadRoleName("pr-1")}`;
const NAMESPACE: EnvNamespaceProps = {
  envId: "pr-1",
  identity: { type: "irsa", oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` },
  decisionTrace: { auditBucketName: BUCKET_NAME, auditKmsKeyArn: KEY },
};

interface Case {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  readonly expect: IamDecision;
}

const object = (key: string) => `${BUCKET}/${key}`;
const BATCH = "traces/pr-1/999999999998-3f9a1c2b.json";
const writeOnce = { "s3:if-none-match": "*" };
const viaS3 = { "kms:ViaService": "s3.us-east-1.amazonaws.com" };
const list = (prefix: string) => ({ "s3:prefix": prefix });

describe("traceAppendPolicy, evaluated with the audit bucket's policy", () => {
  const { workload, bucketPolicy } = traceGrantPolicies("pr-1", { accountId: ACCOUNT, bucketName: BUCKET_NAME, kmsKeyArn: KEY });
  const evaluate = (c: Case, identity: object[] = [workload]) => simulateIam({ principal: WORKLOAD, ...c }, { identity, bucketPolicy });

  const cases: Case[] = [
    { name: "appends a batch to its own trace (If-None-Match: *)", action: "s3:PutObject", resource: object(BATCH), context: writeOnce, expect: "Allowed" },
    { name: "overwrites nothing: a put without If-None-Match is denied", action: "s3:PutObject", resource: object(BATCH), expect: "ExplicitlyDenied" },
    { name: "reads its own trace's head", action: "s3:GetObject", resource: object(BATCH), expect: "Allowed" },
    { name: "lists its own trace", action: "s3:ListBucket", resource: BUCKET, context: list("traces/pr-1/"), expect: "Allowed" },
    { name: "appends to no other environment's trace", action: "s3:PutObject", resource: object("traces/pr-2/999999999998-3f9a1c2b.json"), context: writeOnce, expect: "ImplicitlyDenied" },
    { name: "appends to no trace whose id merely starts with its own (pr-12)", action: "s3:PutObject", resource: object("traces/pr-12/999999999998-3f9a1c2b.json"), context: writeOnce, expect: "ImplicitlyDenied" },
    { name: "reads no other environment's trace", action: "s3:GetObject", resource: object("traces/pr-2/999999999998-3f9a1c2b.json"), expect: "ImplicitlyDenied" },
    { name: "reads nothing of pr-12's trace", action: "s3:GetObject", resource: object("traces/pr-12/999999999998-3f9a1c2b.json"), expect: "ImplicitlyDenied" },
    { name: "lists no other environment's trace", action: "s3:ListBucket", resource: BUCKET, context: list("traces/pr-2/"), expect: "ImplicitlyDenied" },
    { name: "lists no prefix that reaches pr-12's trace (traces/pr-1)", action: "s3:ListBucket", resource: BUCKET, context: list("traces/pr-1"), expect: "ImplicitlyDenied" },
    { name: "lists no other prefix of the bucket (traces/)", action: "s3:ListBucket", resource: BUCKET, context: list("traces/"), expect: "ImplicitlyDenied" },
    { name: "lists not the whole bucket", action: "s3:ListBucket", resource: BUCKET, expect: "ImplicitlyDenied" },
    { name: "deletes nothing of its own trace", action: "s3:DeleteObject", resource: object(BATCH), expect: "ExplicitlyDenied" },
    { name: "deletes no version of it", action: "s3:DeleteObjectVersion", resource: object(BATCH), expect: "ExplicitlyDenied" },
    { name: "changes no retention of it", action: "s3:PutObjectRetention", resource: object(BATCH), context: { "s3:object-lock-mode": "GOVERNANCE", "s3:object-lock-remaining-retention-days": "365" }, expect: "ImplicitlyDenied" },
    { name: "bypasses no governance retention", action: "s3:BypassGovernanceRetention", resource: object(BATCH), expect: "ExplicitlyDenied" },
    { name: "puts no legal hold", action: "s3:PutObjectLegalHold", resource: object(BATCH), expect: "ExplicitlyDenied" },
    { name: "writes no audit record", action: "s3:PutObject", resource: object("audit/2026/05/01/20260501T120000Z-3f9a1c2b/000000.json"), context: writeOnce, expect: "ExplicitlyDenied" },
    { name: "reads no audit record", action: "s3:GetObject", resource: object("audit/2026/05/01/20260501T120000Z-3f9a1c2b/000000.json"), expect: "ExplicitlyDenied" },
    { name: "writes no trace seal (the reaper's)", action: "s3:PutObject", resource: object("trace-seals/pr-1/999999999998.json"), context: writeOnce, expect: "ExplicitlyDenied" },
    { name: "takes no lease", action: "s3:PutObject", resource: object("leases/pr-1/999999999998.json"), context: writeOnce, expect: "ExplicitlyDenied" },
    { name: "writes no key outside Ephemera's prefixes", action: "s3:PutObject", resource: object("notes.txt"), context: writeOnce, expect: "ImplicitlyDenied" },
    { name: "changes not the bucket's policy", action: "s3:PutBucketPolicy", resource: BUCKET, expect: "ExplicitlyDenied" },
    { name: "encrypts with the audit key through S3", action: "kms:GenerateDataKey", resource: KEY, context: viaS3, expect: "Allowed" },
    { name: "decrypts with it through S3", action: "kms:Decrypt", resource: KEY, context: viaS3, expect: "Allowed" },
    { name: "uses the audit key only through S3", action: "kms:Decrypt", resource: KEY, expect: "ImplicitlyDenied" },
    { name: "and only through S3 in the key's region", action: "kms:Decrypt", resource: KEY, context: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }, expect: "ImplicitlyDenied" },
    { name: "uses no other key", action: "kms:GenerateDataKey", resource: OTHER_KEY, context: viaS3, expect: "ImplicitlyDenied" },
  ];
  it.each(cases)("$name", async (c) => {
    expect(await evaluate(c)).toBe(c.expect);
  });

  it("keeps the workload out of the audit records, the seals and the leases, and from overwriting, even when another policy of its role allows s3:*", async () => {
    const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
    for (const key of ["audit/2026/05/01/20260501T120000Z-3f9a1c2b/000000.json", "trace-seals/pr-1/999999999998.json", "leases/pr-1/999999999998.json"]) {
      expect({ key, put: await evaluate({ name: key, action: "s3:PutObject", resource: object(key), context: writeOnce, expect: "ExplicitlyDenied" }, [workload, everything]) }).toEqual({ key, put: "ExplicitlyDenied" });
      expect({ key, get: await evaluate({ name: key, action: "s3:GetObject", resource: object(key), expect: "ExplicitlyDenied" }, [workload, everything]) }).toEqual({ key, get: "ExplicitlyDenied" });
    }
    // Its own policy refuses an overwrite, whatever the bucket's policy says.
    const overwrite = { principal: WORKLOAD, action: "s3:PutObject", resource: object(BATCH) };
    expect(await simulateIam(overwrite, { identity: [workload, everything] })).toBe("ExplicitlyDenied");
  });
});

describe("traceAppendPolicy", () => {
  it("scopes every statement to the environment's own prefix, with its trailing slash", () => {
    const policy = JSON.parse(traceAppendPolicy("pr-1", { auditBucketName: BUCKET_NAME, auditKmsKeyArn: KEY })) as { Statement: { Sid: string; Resource: unknown; Condition?: unknown }[] };
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(bySid.AppendToOwnTrace!.Resource).toBe(`${BUCKET}/traces/pr-1/*`);
    expect(bySid.ReadOwnTrace!.Resource).toBe(`${BUCKET}/traces/pr-1/*`);
    expect(bySid.ListOwnTrace!.Condition).toEqual({ StringLike: { "s3:prefix": "traces/pr-1/*" } });
  });

  it("takes the partition and region from the key's ARN, also when the key is a Terraform reference", () => {
    const china = JSON.parse(traceAppendPolicy("pr-1", { auditBucketName: BUCKET_NAME, auditKmsKeyArn: "arn:aws-cn:kms:cn-north-1:123456789012:key/abc" })) as { Statement: { Sid: string; Resource: unknown; Condition?: unknown }[] };
    expect(china.Statement.find((s) => s.Sid === "ListOwnTrace")!.Resource).toBe(`arn:aws-cn:s3:::${BUCKET_NAME}`);
    expect(china.Statement.find((s) => s.Sid === "UseAuditKeyThroughS3")!.Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.cn-north-1.amazonaws.com" } });

    const out = synth((s) => {
      const audit = new AuditBucket(s, "audit", { bucketName: BUCKET_NAME, breakGlassPrincipalArn: BREAK_GLASS });
      new EnvNamespace(s, "ns", { ...NAMESPACE, decisionTrace: { auditBucketName: audit.bucketName, auditKmsKeyArn: audit.kmsKeyArn } });
    });
    const policy = one(out, "aws_iam_role_policy").policy as string;
    expect(policy).toMatch(/"arn:\$\{element\(split\(":", aws_kms_key\.[^.]+\.arn\), 1\)\}:s3:::\$\{aws_s3_bucket\.[^.]+\.bucket\}\/traces\/pr-1\/\*"/);
    expect(policy).toMatch(/"s3\.\$\{element\(split\(":", aws_kms_key\.[^.]+\.arn\), 3\)\}\.amazonaws\.com"/);
  });

  it("is the policy docs/traces.md shows: a row for each statement, in order", () => {
    const policy = JSON.parse(traceAppendPolicy("pr-1", { auditBucketName: BUCKET_NAME, auditKmsKeyArn: KEY })) as { Statement: { Sid: string; Effect: string }[] };
    const page = fs.readFileSync(path.join(REPO_ROOT, "docs/traces.md"), "utf8");
    const rows = [...page.matchAll(/^\| `([A-Za-z0-9]+)` \| (Allow|Deny) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(policy.Statement.map((s) => [s.Sid, s.Effect]));
  });
});

describe("EnvNamespace's decisionTrace", () => {
  it("attaches the policy to the workload role, by its name", () => {
    const out = synth((s) => new EnvNamespace(s, "ns", NAMESPACE));
    const policy = one(out, "aws_iam_role_policy");
    expect(policy.name).toBe("ephemera-trace-append");
    expect(policy.role).toMatch(/^\$\{aws_iam_role\.ns_workload-role_[^.]+\.name\}$/);
    expect(JSON.parse(policy.policy as string)).toEqual(JSON.parse(traceAppendPolicy("pr-1", NAMESPACE.decisionTrace!)));
  });

  it("grants nothing without it", () => {
    const out = synth((s) => new EnvNamespace(s, "ns", { ...NAMESPACE, decisionTrace: undefined }));
    expect(all(out, "aws_iam_role_policy")).toEqual([]);
  });

  it.each([
    ["a bucket name that is not one", { auditBucketName: "Audit_Bucket", auditKmsKeyArn: KEY }, "decisionTrace.auditBucketName", /not an S3 bucket name/],
    ["an empty bucket name", { auditBucketName: "", auditKmsKeyArn: KEY }, "decisionTrace.auditBucketName", /is empty/],
    ["a key alias instead of the key's ARN", { auditBucketName: BUCKET_NAME, auditKmsKeyArn: "alias/ephemera-audit" }, "decisionTrace.auditKmsKeyArn", /not a KMS key ARN/],
    ["an empty key", { auditBucketName: BUCKET_NAME, auditKmsKeyArn: " " }, "decisionTrace.auditKmsKeyArn", /is empty/],
  ])("rejects %s, naming the prop and the fix", (_name, decisionTrace, field, problem) => {
    expectInvalid(() => synth((s) => new EnvNamespace(s, "ns", { ...NAMESPACE, decisionTrace })), field, problem);
  });
});
