import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Construct } from "constructs";
import { tagEnvironment } from "../../../constructs/environment-tags";
import { DEFAULT_REAPER_FUNCTION_NAME, Reaper, ReaperProps, defaultReaperBundlePath } from "../../../constructs/reaper";
import { SETTINGS } from "../../../reaper/model";
import { readSettings } from "../../../reaper/config/read-settings";
import { TAG } from "../../../reaper/model";
import { Block, Synthesized, all, expectInvalid, one, synth } from "./synth";
import { REPO_ROOT } from "../../../harness/paths";

const ROOT = REPO_ROOT;
const PAUSE_TOPIC = "arn:aws:sns:us-east-1:123456789012:ephemera-pause";

/** A stand-in for the esbuild bundle: a directory with an index.js. */
let bundlePath: string;
beforeAll(() => {
  bundlePath = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-reaper-bundle-"));
  fs.writeFileSync(path.join(bundlePath, "index.js"), "exports.handler = async () => ({ ok: true });\n");
});
afterAll(() => fs.rmSync(bundlePath, { recursive: true, force: true }));

const props = (overrides: Partial<ReaperProps> = {}): ReaperProps => ({ auditBucketName: "acme-ephemera-audit", bundlePath, ...overrides });
const build = (overrides: Partial<ReaperProps> = {}) => (scope: Construct) => new Reaper(scope, "reaper", props(overrides));
const synthReaper = (overrides: Partial<ReaperProps> = {}): Synthesized => synth(build(overrides));
const variables = (out: Synthesized): Record<string, string> => one(out, "aws_lambda_function").environment.variables;
/** `${data.aws_region.<name>.name}`: the region Terraform deploys into. */
const regionRef = (out: Synthesized): string => `\${data.aws_region.${Object.keys(out.data!.aws_region!)[0]}.name}`;
/** `${aws_<type>.<name>.<attribute>}` of the one resource of that type. */
const ref = (out: Synthesized, type: string, attribute: string): string => `\${${type}.${Object.keys(out.resource[type]!)[0]}.${attribute}}`;

describe("Reaper", () => {
  describe("the function", () => {
    it("runs the bundle's index.handler on Node.js 22 on arm64", () => {
      expect(one(synthReaper(), "aws_lambda_function")).toMatchObject({
        function_name: DEFAULT_REAPER_FUNCTION_NAME,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
      });
    });

    it("is the bundle directory zipped, redeployed whenever the zip's hash changes", () => {
      const fn = one(synthReaper(), "aws_lambda_function");
      expect(fn.filename).toMatch(/^assets\/reaper_bundle_[A-Z0-9]+\/[A-F0-9]{32}\/archive\.zip$/);
      expect(fn.source_code_hash).toBe(`\${filebase64sha256("${fn.filename}")}`);
    });

    it("defaults to 5 minutes, 512 MB and a reserved concurrency of 1, so runs never overlap", () => {
      expect(one(synthReaper(), "aws_lambda_function")).toMatchObject({ timeout: 300, memory_size: 512, reserved_concurrent_executions: 1 });
    });

    it("takes its timeout, memory and name from props", () => {
      const out = synthReaper({ timeoutSeconds: 600, memoryMb: 1024, functionName: "acme-reaper" });
      expect(one(out, "aws_lambda_function")).toMatchObject({ timeout: 600, memory_size: 1024, function_name: "acme-reaper" });
      expect(one(out, "aws_cloudwatch_log_group").name).toBe("/aws/lambda/acme-reaper");
      expect(all(out, "aws_iam_role").map((r) => r.name).sort()).toEqual([`acme-reaper-${regionRef(out)}`, `acme-reaper-scheduler-${regionRef(out)}`]);
      expect(one(out, "aws_sqs_queue").name).toBe("acme-reaper-dlq");
      expect(one(out, "aws_scheduler_schedule").name).toBe("acme-reaper-sweep");
    });

    it("logs to /aws/lambda/<name>, kept 30 days, created before the function", () => {
      const out = synthReaper();
      expect(one(out, "aws_cloudwatch_log_group")).toMatchObject({ name: "/aws/lambda/ephemera-reaper", retention_in_days: 30 });
      expect(one(out, "aws_lambda_function").depends_on).toContain(`aws_cloudwatch_log_group.${Object.keys(out.resource.aws_cloudwatch_log_group!)[0]}`);
      expect(one(synthReaper({ logRetentionDays: 90 }), "aws_cloudwatch_log_group").retention_in_days).toBe(90);
    });

    it("sends events that keep failing to an encrypted dead-letter queue kept 14 days", () => {
      const out = synthReaper();
      expect(one(out, "aws_sqs_queue")).toMatchObject({ name: "ephemera-reaper-dlq", message_retention_seconds: 1_209_600, sqs_managed_sse_enabled: true });
      expect(one(out, "aws_lambda_function").dead_letter_config).toEqual({ target_arn: ref(out, "aws_sqs_queue", "arn") });
    });

    it("names its roles after the region, as IAM names are global and each region's platform has its own", () => {
      const out = synthReaper();
      expect(all(out, "aws_iam_role").map((r) => r.name).sort()).toEqual([`ephemera-reaper-${regionRef(out)}`, `ephemera-reaper-scheduler-${regionRef(out)}`]);
    });

    it("runs with its own role, whose policy exists before the function (Lambda checks the queue permission)", () => {
      const out = synthReaper();
      const role = Object.entries(out.resource.aws_iam_role!).find(([, r]) => r.name === `ephemera-reaper-${regionRef(out)}`)!;
      expect(one(out, "aws_lambda_function").role).toBe(`\${aws_iam_role.${role[0]}.arn}`);
      expect(JSON.parse(role[1].assume_role_policy).Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      const policy = Object.entries(out.resource.aws_iam_role_policy!).find(([, p]) => p.role === `\${aws_iam_role.${role[0]}.name}`)!;
      expect(one(out, "aws_lambda_function").depends_on).toContain(`aws_iam_role_policy.${policy[0]}`);
    });

    it("attaches the reaper policy inline: each audit key written once, reads under audit/, tampering denied", () => {
      const out = synthReaper({ auditKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" });
      const policy = all(out, "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!;
      const statements = JSON.parse(policy.policy).Statement as Block[];
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.WriteAndReadAuditRecords).toMatchObject({
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: [
          expect.stringMatching(/:s3:::acme-ephemera-audit\/audit\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/leases\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/spend\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/claims\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/admissions\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/admission-requests\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/provisioning\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/live-index\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/traces\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/trace-seals\/\*$/),
          expect.stringMatching(/:s3:::acme-ephemera-audit\/plans\/\*$/),
        ],
      });
      expect(bySid.ListAuditRecords).toMatchObject({
        Action: ["s3:ListBucket"],
        Condition: { StringLike: { "s3:prefix": ["audit/*", "leases/*", "spend/*", "claims/*", "admissions/*", "admission-requests/*", "provisioning/*", "live-index/*", "traces/*", "trace-seals/*", "plans/*"] } },
      });
      expect(bySid.WriteEachAuditKeyOnce).toMatchObject({ Effect: "Deny", Action: ["s3:PutObject"], Condition: { Null: { "s3:if-none-match": "true" } } });
      expect(bySid.EncryptAndReadAuditRecords).toMatchObject({ Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: expect.stringContaining(":key/1234abcd") });
      expect(bySid.NeverTamperWithAuditRecords).toMatchObject({ Effect: "Deny", Action: expect.arrayContaining(["s3:DeleteObject*", "s3:PutObjectRetention", "s3:BypassGovernanceRetention", "s3:PutBucket*"]) });
      expect(bySid.DeadLetters.Resource).toBe(ref(out, "aws_sqs_queue", "arn"));
      expect(bySid.OwnLogs.Resource).toBe(`${ref(out, "aws_cloudwatch_log_group", "arn")}:*`);
    });

    it("grants no restore, credential or database modify action without a pool, and denies every write on the platform budget", () => {
      const out = synthReaper();
      const statements = JSON.parse(all(out, "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!.policy).Statement as Block[];
      const allowed = statements.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action as string[]);
      for (const action of ["rds:RestoreDBInstanceFromDBSnapshot", "rds:ModifyDBInstance", "secretsmanager:CreateSecret", "secretsmanager:RotateSecret", "kms:DescribeKey"]) {
        expect(allowed).not.toContain(action);
      }
      const platform = statements.find((s) => s.Sid === "NeverChangeThePlatformBudget")!;
      expect(platform).toMatchObject({ Effect: "Deny", Action: expect.arrayContaining(["budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource"]) });
      expect(platform.Resource).toEqual([expect.stringMatching(/:budgets::\$\{data\.aws_caller_identity\.[^}]+\}:budget\/ephemera-platform$/), expect.stringMatching(/:budget\/ephemera-platform\/action\/\*$/)]);
    });

    it("is scoped to the account and region Terraform deploys into", () => {
      const out = synthReaper();
      const policy = all(out, "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!.policy as string;
      expect(policy).toContain("${data.aws_caller_identity.");
      expect(policy).toContain("${data.aws_region.");
      expect(policy).toContain("${data.aws_partition.");
    });
  });

  describe("its settings (the EPHEMERA_* variables reaper/config/read-settings.ts reads)", () => {
    const SETTING_VARIABLES: string[] = Object.values(SETTINGS).map((s) => s.env);

    it("sets only variables the reaper reads, plus NODE_OPTIONS for source maps", () => {
      const names = Object.keys(variables(synthReaper({ clusterNames: ["previews"], notificationTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-notifications", maxTtl: "7d" })));
      expect(names.filter((n) => n !== "NODE_OPTIONS").every((n) => SETTING_VARIABLES.includes(n))).toBe(true);
      expect(names.sort()).toEqual(
        [
          "EPHEMERA_ALLOWED_ACCOUNTS",
          "EPHEMERA_AUDIT_BUCKET",
          "EPHEMERA_CLUSTERS",
          "EPHEMERA_DEADLINE_MARGIN_SECONDS",
          "EPHEMERA_DRY_RUN",
          "EPHEMERA_LEASE_SECONDS",
          "EPHEMERA_MAX_ENVS_PER_RUN",
          "EPHEMERA_MAX_TTL",
          "EPHEMERA_NOTIFICATION_TOPIC_ARN",
          "EPHEMERA_WARNING_WINDOW",
          "NODE_OPTIONS",
        ].sort(),
      );
      expect(variables(synthReaper()).NODE_OPTIONS).toBe("--enable-source-maps");
    });

    it("writes the defaults out: 1h warning window, 10 environments per run, not a dry run, 60 s deadline margin", () => {
      expect(variables(synthReaper())).toMatchObject({
        EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit",
        EPHEMERA_WARNING_WINDOW: "1h",
        EPHEMERA_MAX_ENVS_PER_RUN: "10",
        EPHEMERA_DRY_RUN: "false",
        EPHEMERA_DEADLINE_MARGIN_SECONDS: "60",
        EPHEMERA_LEASE_SECONDS: "300",
      });
      const names = Object.keys(variables(synthReaper()));
      for (const unset of ["EPHEMERA_CLUSTERS", "EPHEMERA_NOTIFICATION_TOPIC_ARN", "EPHEMERA_MAX_TTL"]) expect(names).not.toContain(unset);
    });

    it("leases an environment for one sweep interval: the rate's, or a minute for a cron schedule", () => {
      expect(variables(synthReaper({ sweepSchedule: "rate(10 minutes)" })).EPHEMERA_LEASE_SECONDS).toBe("600");
      expect(variables(synthReaper({ sweepSchedule: "rate(1 hour)" })).EPHEMERA_LEASE_SECONDS).toBe("3600");
      expect(variables(synthReaper({ sweepSchedule: "cron(0/10 * * * ? *)" })).EPHEMERA_LEASE_SECONDS).toBe("60");
    });

    it("allows the account it is deployed into unless told otherwise", () => {
      const out = synthReaper();
      expect(variables(out).EPHEMERA_ALLOWED_ACCOUNTS).toBe(`\${data.aws_caller_identity.${Object.keys(out.data!.aws_caller_identity!)[0]}.account_id}`);
      expect(variables(synthReaper({ allowedAccounts: ["123456789012", "210987654321"] })).EPHEMERA_ALLOWED_ACCOUNTS).toBe("123456789012,210987654321");
    });

    it("passes every given setting, in a form readSettings accepts", () => {
      const given = variables(
        synthReaper({
          allowedAccounts: ["123456789012"],
          clusterNames: ["previews", "previews-eu"],
          warningWindow: "2h",
          maxEnvironmentsPerRun: 3,
          dryRun: true,
          notificationTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-notifications",
          maxTtl: "7d",
          iamPath: "/ephemera/web/",
        }),
      );
      const settings = readSettings({ ...given, AWS_REGION: "us-east-1" });
      expect(settings).toMatchObject({
        dryRun: true,
        clusters: ["previews", "previews-eu"],
        iamPath: "/ephemera/web/",
        reaper: {
          auditBucket: "acme-ephemera-audit",
          allowedAccounts: ["123456789012"],
          warningWindowMs: 2 * 3_600_000,
          maxEnvironmentsPerRun: 3,
          maxTtlMs: 7 * 86_400_000,
          notificationTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-notifications",
        },
      });
    });

    it("lists and may delete roles only under the IAM path it is given: its setting and its policy agree", () => {
      const out = synthReaper({ iamPath: "/ephemera/web/" });
      expect(variables(out).EPHEMERA_IAM_PATH).toBe("/ephemera/web/");
      const policy = all(out, "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!.policy as string;
      expect(policy).toContain(":role/ephemera/web/*");
      expect(policy).not.toContain(":role/ephemera/*");
      expect(Object.keys(variables(synthReaper()))).not.toContain("EPHEMERA_IAM_PATH");
      expect(all(synthReaper(), "aws_iam_role_policy").find((p) => p.name === "ephemera-reaper")!.policy).toContain(":role/ephemera/*");
    });

    it("turns owner warnings off with a warning window of 0", () => {
      expect(variables(synthReaper({ warningWindow: "0" })).EPHEMERA_WARNING_WINDOW).toBe("0");
    });
  });

  describe("the sweep", () => {
    it("invokes the function every 5 minutes with no flexible window and the sweep event", () => {
      const out = synthReaper();
      expect(one(out, "aws_scheduler_schedule")).toMatchObject({
        name: "ephemera-reaper-sweep",
        schedule_expression: "rate(5 minutes)",
        flexible_time_window: { mode: "OFF" },
        target: { arn: ref(out, "aws_lambda_function", "arn"), input: '{"ephemera":"sweep"}' },
      });
    });

    it("runs as often as asked", () => {
      expect(one(synthReaper({ sweepSchedule: "rate(1 hour)" }), "aws_scheduler_schedule").schedule_expression).toBe("rate(1 hour)");
      expect(one(synthReaper({ sweepSchedule: "cron(0/10 * * * ? *)" }), "aws_scheduler_schedule").schedule_expression).toBe("cron(0/10 * * * ? *)");
    });

    it("invokes through a role only EventBridge Scheduler of this account can assume, allowed to invoke this function and nothing else", () => {
      const out = synthReaper();
      const [name, role] = Object.entries(out.resource.aws_iam_role!).find(([, r]) => r.name === `ephemera-reaper-scheduler-${regionRef(out)}`)!;
      expect(one(out, "aws_scheduler_schedule").target.role_arn).toBe(`\${aws_iam_role.${name}.arn}`);
      expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\..*\.account_id\}$/) } },
        },
      ]);
      const policy = all(out, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${name}.name}`)!;
      expect(JSON.parse(policy.policy).Statement).toEqual([{ Sid: "InvokeTheReaper", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: ref(out, "aws_lambda_function", "arn") }]);
    });
  });

  describe("budget-alert pause", () => {
    it("subscribes the function to the pause topic, which alone may invoke it through SNS", () => {
      const out = synthReaper({ pauseTopicArn: PAUSE_TOPIC });
      expect(one(out, "aws_sns_topic_subscription")).toMatchObject({ topic_arn: PAUSE_TOPIC, protocol: "lambda", endpoint: ref(out, "aws_lambda_function", "arn") });
      expect(one(out, "aws_lambda_permission")).toMatchObject({
        action: "lambda:InvokeFunction",
        principal: "sns.amazonaws.com",
        source_arn: PAUSE_TOPIC,
        function_name: ref(out, "aws_lambda_function", "function_name"),
      });
    });

    it("subscribes to nothing without a pause topic", () => {
      const out = synthReaper();
      expect(all(out, "aws_sns_topic_subscription")).toEqual([]);
      expect(all(out, "aws_lambda_permission")).toEqual([]);
    });
  });

  it("exposes what environments need to schedule their expiry", () => {
    let reaper: Reaper | undefined;
    synth((scope) => {
      reaper = build()(scope);
    });
    expect(reaper!.expiryTarget).toEqual({ functionArn: reaper!.functionArn, schedulerRoleArn: reaper!.schedulerRoleArn });
    for (const value of [reaper!.functionArn, reaper!.functionName, reaper!.roleArn, reaper!.schedulerRoleArn, reaper!.deadLetterQueueArn]) expect(value).toMatch(/^\$\{|^ephemera-reaper$/);
  });

  it("never carries environment tags, even inside a tagged scope", () => {
    const out = synth((scope) => {
      tagEnvironment(scope, { envId: "pr-1", owner: "team@example.com" });
      build()(scope);
    });
    for (const [type, blocks] of Object.entries(out.resource)) {
      for (const [name, block] of Object.entries(blocks)) expect({ resource: `${type}.${name}`, managedBy: block.tags?.[TAG.managedBy] }).toEqual({ resource: `${type}.${name}`, managedBy: undefined });
    }
  });

  describe("bundlePath", () => {
    it("defaults to dist/reaper-lambda of this repository", () => {
      expect(defaultReaperBundlePath()).toBe(path.join(ROOT, "dist", "reaper-lambda"));
    });

    it("fails synth, naming the prop and npm run bundle:reaper, when the bundle is not there", () => {
      const missing = path.join(os.tmpdir(), "ephemera-no-such-bundle");
      const error = expectInvalid(() => synthReaper({ bundlePath: missing }), "bundlePath", /does not exist/);
      expect(error.message).toContain(missing);
      expect(error.message).toContain("npm run bundle:reaper");
    });

    it("fails synth when the directory has no index.js", () => {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-empty-bundle-"));
      try {
        const error = expectInvalid(() => synthReaper({ bundlePath: empty }), "bundlePath", /has no index\.js/);
        expect(error.message).toContain("npm run bundle:reaper");
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe("rejects bad props, naming the prop and showing an example", () => {
    const cases: { field: string; props: Partial<ReaperProps>; problem?: RegExp }[] = [
      { field: "auditBucketName", props: { auditBucketName: "" }, problem: /is empty/ },
      { field: "auditBucketName", props: { auditBucketName: "arn:aws:s3:::acme-audit" }, problem: /not an S3 bucket name/ },
      { field: "auditKmsKeyArn", props: { auditKmsKeyArn: "alias/audit" }, problem: /not a KMS key ARN/ },
      { field: "functionName", props: { functionName: "reaper_1" } },
      { field: "functionName", props: { functionName: "r".repeat(39) }, problem: /longer than 38/ },
      { field: "allowedAccounts", props: { allowedAccounts: [] }, problem: /refuse to act anywhere/ },
      { field: "allowedAccounts", props: { allowedAccounts: ["12345"] }, problem: /12-digit/ },
      { field: "clusterNames", props: { clusterNames: ["pre views"] } },
      { field: "notificationTopicArn", props: { notificationTopicArn: "ephemera-notifications" } },
      { field: "pauseTopicArn", props: { pauseTopicArn: "arn:aws:sqs:us-east-1:123456789012:ephemera-pause" } },
      { field: "ownerTopicArns", props: { ownerTopicArns: ["team-web"] } },
      { field: "warningWindow", props: { warningWindow: "1 hour" } },
      { field: "maxTtl", props: { maxTtl: "2y" } },
      { field: "maxEnvironmentsPerRun", props: { maxEnvironmentsPerRun: -1 } },
      { field: "maxEnvironmentsPerRun", props: { maxEnvironmentsPerRun: 2.5 } },
      { field: "sweepSchedule", props: { sweepSchedule: "every 5 minutes" } },
      { field: "sweepSchedule", props: { sweepSchedule: "rate(1 minutes)" } },
      { field: "sweepSchedule", props: { sweepSchedule: "rate(5 minute)" } },
      { field: "sweepSchedule", props: { sweepSchedule: "cron(*/5 * * * *)" } },
      { field: "deletableBucketNames", props: { deletableBucketNames: ["*"] }, problem: /every bucket/ },
      { field: "deletableBucketNames", props: { deletableBucketNames: ["Ephemera_*"] } },
      { field: "timeoutSeconds", props: { timeoutSeconds: 0 } },
      { field: "timeoutSeconds", props: { timeoutSeconds: 901 } },
      { field: "deadlineMarginSeconds", props: { deadlineMarginSeconds: -1 } },
      { field: "deadlineMarginSeconds", props: { timeoutSeconds: 30 }, problem: /not less than timeoutSeconds \(30\)/ },
      { field: "deadlineMarginSeconds", props: { timeoutSeconds: 120, deadlineMarginSeconds: 120 }, problem: /such as 24, or raise timeoutSeconds/ },
      { field: "memoryMb", props: { memoryMb: 64 } },
      { field: "logRetentionDays", props: { logRetentionDays: 31 }, problem: /retention period/ },
      { field: "iamPath", props: { iamPath: "ephemera" }, problem: /not an IAM path/ },
    ];
    it.each(cases)("$field ($props)", ({ field, props: overrides, problem }) => {
      expectInvalid(() => synthReaper(overrides), field, problem);
    });
  });
});
