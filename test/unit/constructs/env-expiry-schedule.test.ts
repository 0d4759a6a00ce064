import { Construct } from "constructs";
import { TerraformVariable } from "../../../constructs/core";
import { EnvExpirySchedule, EnvExpiryScheduleProps, ExpiryTarget } from "../../../constructs/env-expiry-schedule";
import { tagEnvironment } from "../../../constructs/environment-tags";
import { EphemeralEnvironment, EphemeralEnvironmentProps } from "../../../constructs/ephemeral-environment";
import { atExpression, expiryScheduleName } from "../../../reaper/model";
import { TAG } from "../../../reaper/model";
import { all, expectInvalid, one, synth } from "./synth";

const TARGET: ExpiryTarget = {
  functionArn: "arn:aws:lambda:us-east-1:123456789012:function:ephemera-reaper",
  schedulerRoleArn: "arn:aws:iam::123456789012:role/ephemera-reaper-scheduler",
};

describe("EnvExpirySchedule", () => {
  const PROPS: EnvExpiryScheduleProps = { envId: "pr-9", expiresAt: "2030-01-01T02:00:00+02:00", ...TARGET };
  const synthSchedule = (overrides: Partial<EnvExpiryScheduleProps> = {}) =>
    synth((scope: Construct) => {
      tagEnvironment(scope, { envId: "pr-9", owner: "team@example.com", ttl: "8h" });
      new EnvExpirySchedule(scope, "expiry", { ...PROPS, ...overrides });
    });

  it("puts one schedule, ephemera-expiry-<env>, in a group of the environment's own, ephemera-<env>", () => {
    const out = synthSchedule();
    const [groupName] = Object.keys(out.resource.aws_scheduler_schedule_group!);
    expect(one(out, "aws_scheduler_schedule_group").name).toBe("ephemera-pr-9");
    expect(one(out, "aws_scheduler_schedule")).toMatchObject({ name: "ephemera-expiry-pr-9", group_name: `\${aws_scheduler_schedule_group.${groupName}.name}` });
  });

  it("is named as ephemera extend looks for it", () => {
    expect(one(synthSchedule(), "aws_scheduler_schedule").name).toBe(expiryScheduleName("pr-9"));
  });

  it("fires once at the expiry, read in UTC, with no flexible window", () => {
    const schedule = one(synthSchedule(), "aws_scheduler_schedule");
    expect(schedule).toMatchObject({ schedule_expression: "at(2030-01-01T00:00:00)", schedule_expression_timezone: "UTC", flexible_time_window: { mode: "OFF" } });
    // The same expression the extend command writes when it moves the schedule.
    expect(schedule.schedule_expression).toBe(atExpression(new Date("2030-01-01T00:00:00Z")));
  });

  it("invokes the reaper through the scheduler role with this environment's expire event", () => {
    expect(one(synthSchedule(), "aws_scheduler_schedule").target).toEqual({
      arn: TARGET.functionArn,
      role_arn: TARGET.schedulerRoleArn,
      input: '{"ephemera":"expire","env":"pr-9"}',
    });
  });

  it("ignores changes to its expression, so a redeploy never undoes ephemera extend", () => {
    expect(one(synthSchedule(), "aws_scheduler_schedule").lifecycle.ignore_changes).toEqual(["schedule_expression"]);
  });

  it("lets the group carry the environment's tags (AWS tags groups, not schedules), which is how the reaper finds it", () => {
    const out = synthSchedule();
    expect(one(out, "aws_scheduler_schedule_group").tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: "pr-9", [TAG.owner]: "team@example.com" });
    expect(one(out, "aws_scheduler_schedule").tags).toBeUndefined();
  });

  describe("rejects bad props, naming the prop and showing an example", () => {
    const cases: { field: string; props: Partial<EnvExpiryScheduleProps>; problem?: RegExp }[] = [
      { field: "envId", props: { envId: "PR 9" } },
      { field: "functionArn", props: { functionArn: "ephemera-reaper" }, problem: /Lambda function ARN/ },
      { field: "functionArn", props: { functionArn: `${TARGET.functionArn}:live` }, problem: /Lambda function ARN/ },
      { field: "schedulerRoleArn", props: { schedulerRoleArn: "ephemera-reaper-scheduler" }, problem: /IAM role ARN/ },
      { field: "expiresAt", props: { expiresAt: "" }, problem: /is empty/ },
      { field: "expiresAt", props: { expiresAt: "2030-01-01T00:00:00" } },
    ];
    it.each(cases)("$field ($props)", ({ field, props, problem }) => {
      expectInvalid(() => synthSchedule(props), field, problem);
    });
  });
});

describe("EphemeralEnvironment's expiry schedule", () => {
  const PROPS: EphemeralEnvironmentProps = {
    envId: "pr-123",
    owner: "team-web@example.com",
    ttl: "1d",
    budgetUsd: 25,
    clusterName: "previews",
    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
    vpcId: "vpc-0abc",
    privateSubnetIds: ["subnet-0a", "subnet-0b"],
    clusterSecurityGroupId: "sg-0cluster",
    pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
    baselineSnapshotIdentifier: "baseline-2026-11-01",
  };
  const synthEnv = (overrides: Partial<EphemeralEnvironmentProps> = {}) => synth((scope) => new EphemeralEnvironment(scope, "env", { ...PROPS, ...overrides }));
  const FROM_TTL = String.raw`timeadd(aws_budgets_budget.env_budget_C7E37F4F.tags_all["ephemera:created-at"], "24h0m")`;

  it("schedules the reaper at the environment's expiry when given the reaper", () => {
    const out = synthEnv({ reaper: TARGET });
    expect(one(out, "aws_scheduler_schedule")).toMatchObject({
      name: "ephemera-expiry-pr-123",
      schedule_expression: `at(\${formatdate("YYYY-MM-DD'T'hh:mm:ss", ${FROM_TTL})})`,
      schedule_expression_timezone: "UTC",
      flexible_time_window: { mode: "OFF" },
      target: { arn: TARGET.functionArn, role_arn: TARGET.schedulerRoleArn, input: '{"ephemera":"expire","env":"pr-123"}' },
      lifecycle: { ignore_changes: ["schedule_expression"] },
    });
  });

  it("schedules at the later of created-at + ttl and expiresAt", () => {
    const expression = one(synthEnv({ reaper: TARGET, expiresAt: "2030-01-01T00:00:00Z" }), "aws_scheduler_schedule").schedule_expression as string;
    expect(expression).toMatch(/^at\(\$\{formatdate\("YYYY-MM-DD'T'hh:mm:ss", /);
    expect(expression).toContain(`timecmp(${FROM_TTL}, "2030-01-01T00:00:00Z")`);
  });

  it("tags the schedule group as the environment's, so the reaper deletes the schedule with it", () => {
    expect(one(synthEnv({ reaper: TARGET }), "aws_scheduler_schedule_group")).toMatchObject({
      name: "ephemera-pr-123",
      tags: expect.objectContaining({ [TAG.managedBy]: "ephemera", [TAG.env]: "pr-123", [TAG.ttl]: "1d", [TAG.createdAt]: "${timestamp()}" }),
    });
  });

  it("creates no schedule and no group without the reaper (the sweep still reaps it)", () => {
    const out = synthEnv();
    expect(all(out, "aws_scheduler_schedule")).toEqual([]);
    expect(all(out, "aws_scheduler_schedule_group")).toEqual([]);
  });

  it("takes the reaper's ARNs as plain strings, such as variables fed from the platform stack's outputs", () => {
    const out = synth((scope) => {
      const functionArn = new TerraformVariable(scope, "reaper_function_arn", { type: "string" }).stringValue;
      const schedulerRoleArn = new TerraformVariable(scope, "reaper_scheduler_role_arn", { type: "string" }).stringValue;
      new EphemeralEnvironment(scope, "env", { ...PROPS, reaper: { functionArn, schedulerRoleArn } });
    });
    expect(one(out, "aws_scheduler_schedule").target).toMatchObject({ arn: "${var.reaper_function_arn}", role_arn: "${var.reaper_scheduler_role_arn}" });
  });

  it.each([
    { field: "reaper.functionArn", reaper: { ...TARGET, functionArn: "ephemera-reaper" } },
    { field: "reaper.schedulerRoleArn", reaper: { ...TARGET, schedulerRoleArn: "" } },
  ])("rejects a bad $field, naming it", ({ field, reaper }) => {
    expectInvalid(() => synthEnv({ reaper }), field);
  });
});
