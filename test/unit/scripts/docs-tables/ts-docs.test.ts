import ts from "typescript";
import { findNode, interfaceMembers, parseDocComment, unionMembers } from "../../../../scripts/docs-tables/ts-docs";

describe("reading the doc comments of the code", () => {
  it("splits a comment into paragraphs and block tags, a one-line comment's inline tag too", () => {
    expect(parseDocComment(" Days kept. @default 365 ")).toEqual({ paragraphs: ["Days kept."], summary: "Days kept.", tags: { default: "365" } });
    const doc = parseDocComment(`
     * The summary, on
     * two lines, with {@link grantAdmit} and {@link X | a name}.
     *
     * Details. An owner such as team@example.com is no tag.
     * @default - none: nobody is exempt,
     *   and synth warns
     * @setting maxTtl
     `);
    expect(doc.summary).toBe("The summary, on two lines, with `grantAdmit` and a name.");
    expect(doc.paragraphs).toEqual([doc.summary, "Details. An owner such as team@example.com is no tag."]);
    expect(doc.tags).toEqual({ default: "- none: nobody is exempt, and synth warns", setting: "maxTtl" });
  });

  it("finds an interface's properties, optional or not, each with its comment", () => {
    const members = interfaceMembers("constructs/platform-budget.ts", "PlatformBudgetProps");
    expect(members.map((m) => [m.name, m.optional, m.doc.tags.default])).toEqual([
      ["limitUsd", false, undefined],
      ["thresholdPercent", true, "90"],
      ["pauseTopicArn", false, undefined],
      ["accountId", true, expect.stringMatching(/^- /)],
    ]);
    expect(() => interfaceMembers("constructs/platform-budget.ts", "NoSuchProps")).toThrow("has 0 interface NoSuchProps, not one");
  });

  it("finds a union's members in order with the comment before each `|`, a type alias of another file expanded where it stands", () => {
    const file = "reaper/admission/admit-environment.ts";
    const limit = findNode(file, "limit", (n): n is ts.PropertySignature => ts.isPropertySignature(n) && n.name.getText() === "limit").type!;
    const members = unionMembers(file, limit);
    expect(members.map((m) => m.name)).toEqual([
      "account-guard",
      "listing-failed",
      "clock-skew",
      "max-ttl",
      "max-budget",
      "isolation-not-offered",
      "owner-mismatch",
      "provisioning-paused",
      "max-environments",
      "max-environments-per-owner",
      "contention",
    ]);
    for (const member of members) expect(member.doc.summary).not.toBe("");
    expect(members.find((m) => m.name === "max-ttl")!.doc.tags.setting).toBe("maxTtl");
  });
});
