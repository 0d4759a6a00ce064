import {
  CreateTagsCommand,
  paginateDescribeInstances,
  type Instance,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { MANAGED_BY_VALUE, partitionOf, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, hasCode, listingFailure, refused } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import type { MeteredUsage } from "../contracts/metered-usage";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const ec2InstanceRow = {
  what: "EC2 instances not owned by an Auto Scaling group (DescribeInstances filtered on the managed-by tag)",
  how: {
    find: "`DescribeInstances` with a `tag:ephemera:managed-by` filter, live states only. Spot or not comes from `InstanceLifecycle`. Instances of an Auto Scaling group or EKS node group are left to their group.",
    pause: "On-demand: `StopInstances` / `StartInstances`. Spot instances are not stopped; the result is `SpotInstanceNotPaused`.",
    delete: "`TerminateInstances`",
  },
  deletePhase: "resources",
  pausePhase: "resources",
  holdsData: false,
  reportsSpend: false,
  metered: true,
  iam: {
    discover: ["ec2:DescribeInstances"],
    tag: { actions: ["ec2:CreateTags"], on: [inRegion("ec2", "instance/*")], scope: "managed" },
    pause: { actions: ["ec2:StopInstances", "ec2:StartInstances"], on: [inRegion("ec2", "instance/*")], scope: "managed" },
    delete: { actions: ["ec2:TerminateInstances"], on: [inRegion("ec2", "instance/*")], scope: "managed" },
  },
} satisfies KindRow;

/** States in which an instance still exists and may cost money. */
const LIVE_STATES = ["pending", "running", "stopping", "stopped"];

/** States the spend meter reads too: an instance gone since the last sweep keeps its cost in the total. */
const METERED_STATES = [...LIVE_STATES, "shutting-down", "terminated"];

/** States in which EC2 bills the instance's compute. */
const BILLED_STATES = new Set(["pending", "running", "stopping", "shutting-down"]);

/**
 * Instances launched by an Auto Scaling group (an EKS node group's, say) belong to
 * that group: terminating or stopping one only makes the group launch a replacement.
 * They are left to their owner (the node group adapter), even when tagged.
 */
const OWNED_BY_GROUP_TAGS = ["aws:autoscaling:groupName", "eks:nodegroup-name"];

/**
 * EC2 instances.
 *
 * Discovery: DescribeInstances filtered on `tag:ephemera:managed-by`, paginated. Live
 * instances not owned by a group are the resources; every one (node group instances and
 * instances terminated since the last sweep included) is reported to the spend meter. Spot-ness comes from each instance's `InstanceLifecycle` field (the
 * `instance-lifecycle` filter would do it server-side, but moto answers it with a
 * 500). The Tagging API also lists instances, but has no lifecycle or state.
 *
 * Pause stops on-demand instances. A spot instance is not stopped (a one-time spot
 * request cannot be, and it is cheap by design): pause reports `SpotInstanceNotPaused`
 * and the instance is deleted at expiry like the rest.
 */
export const ec2InstanceAdapter: KindAdapter<KindContext> = {
  kind: "ec2-instance",

  async list(ctx) {
    try {
      const instances = await describe(ctx, {
        Filters: [
          { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY_VALUE] },
          { Name: "instance-state-name", Values: METERED_STATES },
        ],
      });
      const resources = instances
        .filter(({ instance }) => LIVE_STATES.includes(instance.State?.Name ?? ""))
        .filter(({ instance }) => !OWNED_BY_GROUP_TAGS.some((key) => (instance.Tags ?? []).some((t) => t.Key === key)))
        .map((owned) => toResource(ctx, owned));
      const usage = instances.flatMap(({ instance }) => toUsage(ctx, instance) ?? []);
      return { resources, failures: [], usage };
    } catch (err) {
      return { resources: [], failures: [listingFailure("ec2-instance", `region ${ctx.region}`, err)] };
    }
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const out = await ctx.ec2.send(new CreateTagsCommand({ Resources: [resource.id], Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  pause(ctx, resource) {
    return attempt(async () => {
      const instance = await describeOne(ctx, resource.id);
      const state = instance?.State?.Name;
      if (instance === undefined || state === "terminated" || state === "shutting-down") {
        return refused("InstanceGone", `instance ${resource.id} is ${state ?? "gone"}; there is nothing to pause`);
      }
      if (instance.InstanceLifecycle === "spot") {
        return refused(
          "SpotInstanceNotPaused",
          `instance ${resource.id} is a spot instance: spot instances are not stopped, only deleted at expiry`,
          { spot: true },
        );
      }
      if (state === "stopped" || state === "stopping") return alreadyDone(`the instance is already ${state}`);
      const out = await ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [resource.id] }));
      return done(out.$metadata.requestId, { previousState: state ?? "unknown" });
    });
  },

  resume(ctx, resource) {
    return attempt(async () => {
      const instance = await describeOne(ctx, resource.id);
      const state = instance?.State?.Name;
      if (state === "running" || state === "pending") return alreadyDone(`the instance is already ${state}`);
      const out = await ctx.ec2.send(new StartInstancesCommand({ InstanceIds: [resource.id] }));
      return done(out.$metadata.requestId, { previousState: state ?? "unknown" });
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.ec2.send(new TerminateInstancesCommand({ InstanceIds: [resource.id] }));
        const previous = out.TerminatingInstances?.[0]?.PreviousState?.Name;
        if (previous === "terminated") return alreadyDone("the instance is already terminated", out.$metadata.requestId);
        return done(out.$metadata.requestId);
      } catch (err) {
        // AWS forgets a terminated instance after about an hour.
        if (hasCode(err, "InvalidInstanceID.NotFound")) return alreadyDone("the instance no longer exists");
        throw err;
      }
    });
  },
};

/** An instance and the account of the reservation it came in. */
interface Owned {
  readonly instance: Instance;
  readonly ownerId?: string;
}

async function describe(
  ctx: KindContext,
  input: { Filters?: { Name: string; Values: string[] }[]; InstanceIds?: string[] },
): Promise<Owned[]> {
  // EC2 refuses MaxResults together with InstanceIds.
  const pages = paginateDescribeInstances({ client: ctx.ec2, ...(input.InstanceIds ? {} : { pageSize: 1000 }) }, input);
  const reservations = await allPages(pages, (page) => page.Reservations);
  return reservations.flatMap((reservation) => (reservation.Instances ?? []).map((instance) => ({ instance, ownerId: reservation.OwnerId })));
}

/**
 * What the spend meter needs of an instance. AWS moves `LaunchTime` to the latest start,
 * and writes when it stopped or terminated an instance into its state transition reason:
 * `User initiated (2026-05-01 12:00:00 GMT)`.
 */
function toUsage(ctx: KindContext, instance: Instance): MeteredUsage | undefined {
  const state = instance.State?.Name ?? "unknown";
  if (instance.InstanceId === undefined || instance.InstanceType === undefined || instance.LaunchTime === undefined) return undefined;
  const charging = BILLED_STATES.has(state);
  const stoppedAt = charging ? undefined : transitionTime(instance.StateTransitionReason);
  return {
    kind: "ec2-instance",
    id: instance.InstanceId,
    region: ctx.region,
    tags: tagsFromList(instance.Tags),
    status: state,
    charging,
    runStart: instance.LaunchTime.toISOString(),
    ...(stoppedAt === undefined ? {} : { runEnd: stoppedAt }),
    compute: { kind: "ec2", region: ctx.region, instanceType: instance.InstanceType },
    ...(instance.InstanceLifecycle === "spot" ? { spotZone: instance.Placement?.AvailabilityZone ?? "unknown-zone" } : {}),
  };
}

/** `... (2026-05-01 12:00:00 GMT)` → ISO-8601; undefined when the reason names no time. */
export function transitionTime(reason: string | undefined): string | undefined {
  const m = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)/.exec(reason ?? "");
  if (m === null) return undefined;
  const at = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isFinite(at) ? new Date(at).toISOString() : undefined;
}

async function describeOne(ctx: KindContext, id: string): Promise<Instance | undefined> {
  try {
    return (await describe(ctx, { InstanceIds: [id] }))[0]?.instance;
  } catch (err) {
    if (hasCode(err, "InvalidInstanceID.NotFound")) return undefined;
    throw err;
  }
}

function toResource(ctx: KindContext, { instance, ownerId }: Owned): DiscoveredResource {
  const lifecycle = instance.InstanceLifecycle ?? "on-demand";
  const facts: Record<string, string | number | boolean> = { spot: lifecycle === "spot", lifecycle };
  if (instance.InstanceType !== undefined) facts.instanceType = instance.InstanceType;
  const id = instance.InstanceId ?? "";
  return {
    kind: "ec2-instance",
    id,
    ...(ownerId === undefined ? {} : { arn: `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}:${ownerId}:instance/${id}` }),
    region: ctx.region,
    tags: tagsFromList(instance.Tags),
    ...(instance.State?.Name === undefined ? {} : { status: instance.State.Name }),
    facts,
  };
}
