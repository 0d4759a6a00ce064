import { GetScheduleCommand, type SchedulerClient, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { atExpression, expiryScheduleName } from "../model";
import { errorCode, hasCode } from "../support/outcomes";

export type ScheduleMove =
  | { readonly status: "moved"; readonly group: string; readonly name: string; readonly from?: string; readonly to: string; readonly requestId?: string }
  | { readonly status: "unchanged"; readonly group: string; readonly name: string; readonly to: string }
  | { readonly status: "absent"; readonly name: string; readonly groups: readonly string[] }
  | { readonly status: "failed"; readonly name: string; readonly group?: string; readonly code: string; readonly message: string };

/**
 * Moves an environment's one-shot expiry schedule to `expiresAt`, in the first of
 * `groups` that holds it. UpdateSchedule replaces the whole schedule, so every field
 * GetSchedule returned is sent back with the new expression. No schedule is not an
 * error (it may have fired and deleted itself, or the environment was made without one);
 * the caller reports it. Never throws.
 */
export async function moveExpirySchedule(
  scheduler: SchedulerClient,
  env: string,
  expiresAt: Date,
  groups: readonly string[],
): Promise<ScheduleMove> {
  const name = expiryScheduleName(env);
  const to = atExpression(expiresAt);
  for (const group of [...new Set(groups)]) {
    try {
      const current = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      if (current.ScheduleExpression === to && current.ScheduleExpressionTimezone === "UTC") return { status: "unchanged", group, name, to };
      const out = await scheduler.send(
        new UpdateScheduleCommand({
          Name: name,
          GroupName: group,
          ScheduleExpression: to,
          ScheduleExpressionTimezone: "UTC",
          FlexibleTimeWindow: current.FlexibleTimeWindow ?? { Mode: "OFF" },
          Target: current.Target,
          ...(current.Description ? { Description: current.Description } : {}),
          ...(current.State ? { State: current.State } : {}),
          ...(current.KmsKeyArn ? { KmsKeyArn: current.KmsKeyArn } : {}),
          ...(current.ActionAfterCompletion ? { ActionAfterCompletion: current.ActionAfterCompletion } : {}),
          ...(current.StartDate ? { StartDate: current.StartDate } : {}),
          ...(current.EndDate ? { EndDate: current.EndDate } : {}),
        }),
      );
      return {
        status: "moved",
        group,
        name,
        ...(current.ScheduleExpression === undefined ? {} : { from: current.ScheduleExpression }),
        to,
        ...(out.$metadata.requestId === undefined ? {} : { requestId: out.$metadata.requestId }),
      };
    } catch (err) {
      if (hasCode(err, "ResourceNotFoundException")) continue;
      return { status: "failed", name, group, code: errorCode(err), message: err instanceof Error ? err.message : String(err) };
    }
  }
  return { status: "absent", name, groups: [...new Set(groups)] };
}
