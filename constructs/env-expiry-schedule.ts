import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { Construct } from "constructs";
import { Fn, Token } from "./core";
import { envIdProp, isLiteral } from "./private/props";
import { atExpression as atInstant, expireEvent, expiryScheduleGroupName, expiryScheduleName, InvalidValueError, isIamRoleArn, isLambdaFunctionArn, parseInstant } from "../reaper/model";

/**
 * What an environment's one-shot expiry schedule invokes: the reaper function, through
 * the role EventBridge Scheduler assumes. Plain strings, so an environment stack in
 * another Terraform state can take them from the platform stack's outputs
 * (`reaper_function_arn`, `reaper_scheduler_role_arn`). Same account and region as
 * the environment.
 */
export interface ExpiryTarget {
  /** ARN of the reaper Lambda function. */
  readonly functionArn: string;
  /** ARN of the role EventBridge Scheduler assumes to invoke it (`Reaper.schedulerRoleArn`). */
  readonly schedulerRoleArn: string;
}

export interface EnvExpiryScheduleProps extends ExpiryTarget {
  readonly envId: string;
  /**
   * When the reaper is invoked: an ISO-8601 instant with `Z` or an offset, or a Terraform
   * expression that yields an RFC 3339 timestamp (such as `EphemeralEnvironment.expiresAt`).
   */
  readonly expiresAt: string;
}

/**
 * Checks a reaper target's ARNs when they are literals. `prefix` names the prop the
 * caller knows them by (`reaper.` for EphemeralEnvironment).
 */
export function checkExpiryTarget(target: ExpiryTarget, prefix = ""): void {
  const { functionArn, schedulerRoleArn } = target;
  if (functionArn === undefined || (isLiteral(functionArn) && !isLambdaFunctionArn(functionArn))) {
    throw new InvalidValueError(
      `${prefix}functionArn`,
      functionArn ?? "",
      "is not a Lambda function ARN",
      'pass the reaper\'s unqualified function ARN (the platform stack\'s reaper_function_arn output), such as "arn:aws:lambda:us-east-1:123456789012:function:ephemera-reaper"',
    );
  }
  if (schedulerRoleArn === undefined || (isLiteral(schedulerRoleArn) && !isIamRoleArn(schedulerRoleArn))) {
    throw new InvalidValueError(
      `${prefix}schedulerRoleArn`,
      schedulerRoleArn ?? "",
      "is not an IAM role ARN",
      'pass the reaper\'s scheduler role ARN (the platform stack\'s reaper_scheduler_role_arn output), such as "arn:aws:iam::123456789012:role/ephemera-reaper-scheduler"',
    );
  }
}

/**
 * An environment's precise expiry: a one-shot EventBridge Scheduler schedule
 * `ephemera-expiry-<env>` that invokes the reaper with `{"ephemera":"expire","env":"<env>"}`
 * at the expiry (UTC, no flexible window), in a schedule group `ephemera-<env>` of its own.
 *
 * AWS tags only schedule groups, so the group is what carries the environment's tags
 * (from `tagEnvironment` on an enclosing scope): that is how the reaper finds the
 * schedule and deletes it with the rest of the environment. Use it inside a scope
 * tagged with `tagEnvironment`, as EphemeralEnvironment does.
 *
 * `schedule_expression` is in `ignore_changes`: `ephemera extend` moves the schedule, and
 * a later deploy must not move it back. The every-few-minutes sweep remains the backstop
 * if the schedule is missed, deleted or never created.
 */
export class EnvExpirySchedule extends Construct {
  readonly scheduleName: string;
  readonly groupName: string;
  /** Escape hatches. */
  readonly group: SchedulerScheduleGroup;
  readonly schedule: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: EnvExpiryScheduleProps) {
    super(scope, id);
    const envId = envIdProp(props.envId);
    checkExpiryTarget(props);
    this.scheduleName = expiryScheduleName(envId);
    this.groupName = expiryScheduleGroupName(envId);

    this.group = new SchedulerScheduleGroup(this, "group", { name: this.groupName });
    this.schedule = new SchedulerSchedule(this, "schedule", {
      name: this.scheduleName,
      groupName: this.group.name,
      description: `Reaps environment ${envId} at its expiry (Ephemera); ephemera extend moves it.`,
      scheduleExpression: atExpression(props.expiresAt),
      scheduleExpressionTimezone: "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: props.functionArn, roleArn: props.schedulerRoleArn, input: JSON.stringify(expireEvent(envId)) },
      lifecycle: { ignoreChanges: ["schedule_expression"] },
    });
  }
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` for the UTC time zone: computed here for a literal instant,
 * by Terraform's `formatdate` for an expression (an RFC 3339 timestamp in UTC, such as
 * `timeadd(...)` yields).
 */
function atExpression(expiresAt: string): string {
  if (expiresAt === undefined || (!Token.isUnresolved(expiresAt) && expiresAt.trim() === "")) {
    throw new InvalidValueError("expiresAt", expiresAt ?? "", "is empty", 'pass an instant such as "2030-01-01T18:00:00Z" or EphemeralEnvironment.expiresAt');
  }
  if (Token.isUnresolved(expiresAt)) return `at(${Fn.formatdate("YYYY-MM-DD'T'hh:mm:ss", expiresAt)})`;
  return atInstant(parseInstant(expiresAt, { field: "expiresAt" }));
}
