import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Construct } from "constructs";
import { excludeFromEnvironmentTags, tagEnvironment } from "../../../constructs/environment-tags";
import { Token } from "../../../constructs/core";
import { RUNTIME_TAG_KEYS, TAG } from "../../../reaper/model";
import { annotations, one, synth } from "./synth";

const PROPS = { envId: "pr-7", owner: "web@example.com", ttl: "1d" };
const ENV_TAGS = {
  [TAG.managedBy]: "ephemera",
  [TAG.env]: "pr-7",
  [TAG.owner]: "web@example.com",
  [TAG.ttl]: "1d",
  [TAG.onExpiry]: "delete",
  [TAG.createdAt]: "${timestamp()}",
};

describe("tagEnvironment on launch templates", () => {
  it("puts the environment's tags on what the template launches, keeping each entry's own tags", () => {
    const out = synth((s) => {
      new LaunchTemplate(s, "lt", {
        name: "lt",
        tagSpecifications: [
          { resourceType: "instance", tags: { Name: "web", [TAG.env]: "other" } },
          { resourceType: "volume" },
        ],
      });
      tagEnvironment(s, PROPS);
    });
    expect(one(out, "aws_launch_template").tag_specifications).toEqual([
      { resource_type: "instance", tags: { Name: "web", ...ENV_TAGS } },
      { resource_type: "volume", tags: ENV_TAGS },
    ]);
  });

  it("tags the template itself too", () => {
    const out = synth((s) => {
      new LaunchTemplate(s, "lt", { name: "lt", tagSpecifications: [{ resourceType: "instance" }] });
      tagEnvironment(s, PROPS);
    });
    expect(one(out, "aws_launch_template").tags).toEqual(ENV_TAGS);
  });

  it("ignores later changes to the tag specifications, so created-at never makes a new template version", () => {
    const out = synth((s) => {
      new LaunchTemplate(s, "lt", { name: "lt", tagSpecifications: [{ resourceType: "instance" }], lifecycle: { ignoreChanges: ["description"] } });
      tagEnvironment(s, PROPS);
    });
    expect(one(out, "aws_launch_template").lifecycle.ignore_changes).toEqual([
      "description",
      ...RUNTIME_TAG_KEYS.map((key) => `tags["${key}"]`),
      "tag_specifications",
    ]);
  });

  it("leaves the tag specifications managed when the template has none", () => {
    const out = synth((s) => {
      new LaunchTemplate(s, "lt", { name: "lt" });
      tagEnvironment(s, PROPS);
    });
    const template = one(out, "aws_launch_template");
    expect(template).not.toHaveProperty("tag_specifications");
    expect(template.lifecycle.ignore_changes).not.toContain("tag_specifications");
  });

  it("leaves an excluded template alone", () => {
    const out = synth((s) => {
      const shared = new Construct(s, "shared");
      excludeFromEnvironmentTags(shared);
      new LaunchTemplate(shared, "lt", { name: "lt", tagSpecifications: [{ resourceType: "instance", tags: { Name: "x" } }] });
      tagEnvironment(s, PROPS);
    });
    expect(one(out, "aws_launch_template").tag_specifications).toEqual([{ resource_type: "instance", tags: { Name: "x" } }]);
  });

  it("warns when the tag specifications are a token it cannot fill", () => {
    const found = annotations((s) => {
      new LaunchTemplate(s, "lt", { name: "lt", tagSpecifications: Token.asAny("${var.specs}") });
      tagEnvironment(s, PROPS);
    });
    expect(found).toEqual([expect.objectContaining({ level: "warning", path: "stack/lt", message: expect.stringMatching(/tag_specifications is a token/) })]);
  });
});
