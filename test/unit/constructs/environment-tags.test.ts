import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { Testing } from "../../../constructs/core";
import { EnvironmentTagProps, excludeFromEnvironmentTags, tagEnvironment } from "../../../constructs/environment-tags";
import { RUNTIME_TAG_KEYS, TAG } from "../../../reaper/model";

const PROPS: EnvironmentTagProps = { envId: "pr-7", owner: "web@example.com" };

type Synth = { resource: Record<string, Record<string, { tags?: Record<string, string>; lifecycle?: { ignore_changes?: string[] } }>> };

function synth(build: (scope: Construct) => void): Synth {
  return JSON.parse(Testing.synthScope(build)) as Synth;
}

describe("tagEnvironment", () => {
  it("puts every Ephemera tag on every taggable resource", () => {
    const out = synth((scope) => {
      new SnsTopic(scope, "topic", { name: "t" });
      new SqsQueue(scope, "queue", { name: "q" });
      tagEnvironment(scope, { ...PROPS, ttl: "1d12h", budgetUsd: 25, onExpiry: "pause", expiresAt: "2026-12-01T10:00:00+02:00" });
    });
    for (const resource of [out.resource.aws_sns_topic.topic, out.resource.aws_sqs_queue.queue]) {
      expect(resource.tags).toEqual({
        [TAG.managedBy]: "ephemera",
        [TAG.env]: "pr-7",
        [TAG.owner]: "web@example.com",
        [TAG.ttl]: "1d12h",
        [TAG.onExpiry]: "pause",
        [TAG.budgetUsd]: "25",
        [TAG.expiresAt]: "2026-12-01T08:00:00Z",
        [TAG.createdAt]: "${timestamp()}",
      });
    }
  });

  it("defaults to an 8h ttl, delete on expiry and no protect tag", () => {
    const out = synth((scope) => {
      new SnsTopic(scope, "topic", { name: "t" });
      tagEnvironment(scope, PROPS);
    });
    const tags = out.resource.aws_sns_topic.topic.tags!;
    expect(tags[TAG.ttl]).toBe("8h");
    expect(tags[TAG.onExpiry]).toBe("delete");
    expect(tags).not.toHaveProperty(TAG.protect);
  });

  it("tells Terraform to ignore the tags written at first apply or by the reaper, keeping the resource's own ignores", () => {
    const out = synth((scope) => {
      new SnsTopic(scope, "topic", { name: "t", lifecycle: { ignoreChanges: ["policy"] } });
      tagEnvironment(scope, PROPS);
    });
    const ignored = out.resource.aws_sns_topic.topic.lifecycle!.ignore_changes!;
    expect(ignored).toContain("policy");
    for (const key of [TAG.createdAt, TAG.extendedUntil, TAG.state, ...RUNTIME_TAG_KEYS]) {
      expect(ignored).toContain(`tags["${key}"]`);
    }
  });

  it("keeps a resource's own tags but never lets them override an Ephemera tag", () => {
    const out = synth((scope) => {
      new SnsTopic(scope, "topic", { name: "t", tags: { team: "web", [TAG.env]: "someone-else" } });
      tagEnvironment(scope, PROPS);
    });
    expect(out.resource.aws_sns_topic.topic.tags).toMatchObject({ team: "web", [TAG.env]: "pr-7" });
  });

  it("leaves an excluded subtree, such as the audit bucket, untagged", () => {
    const out = synth((scope) => {
      const shared = new Construct(scope, "shared");
      excludeFromEnvironmentTags(shared);
      new SnsTopic(shared, "audit", { name: "a" });
      new SnsTopic(scope, "env", { name: "e" });
      tagEnvironment(scope, PROPS);
    });
    const byName = (name: string) => Object.values(out.resource.aws_sns_topic).find((t) => (t as { name?: string }).name === name)!;
    expect(byName("a").tags).toBeUndefined();
    expect(byName("e").tags?.[TAG.managedBy]).toBe("ephemera");
  });

  it.each([
    [{ envId: "PR_7" }, /envId "PR_7"/],
    [{ ttl: "1.5h" }, /ttl "1\.5h"/],
    [{ ttl: "30d" }, /ttl "30d"/],
    [{ expiresAt: "2026-12-01T10:00:00" }, /expiresAt "2026-12-01T10:00:00"/],
    [{ owner: "" }, /owner ""/],
    [{ owner: "team,web@example.com" }, /^owner "team,web@example.com" contains ",", which AWS does not allow in a tag value/],
    [{ owner: "x".repeat(257) }, /is longer than 256 characters/],
    [{ budgetUsd: -5 }, /budgetUsd "-5"/],
  ])("rejects bad input %p with an error that names the field", (bad, message) => {
    expect(() => tagEnvironment(new Construct(undefined as never, "root"), { ...PROPS, ...bad })).toThrow(message);
  });
});
