import { CostAllocationTagActivation } from "../../../constructs/cost-allocation-tag-activation";
import { TAG } from "../../../reaper/model";
import { all, expectInvalid, synth } from "./synth";

describe("CostAllocationTagActivation", () => {
  it("activates ephemera:env as a cost allocation tag", () => {
    const tags = all(synth((s) => new CostAllocationTagActivation(s, "cost-allocation")), "aws_ce_cost_allocation_tag");
    expect(tags).toEqual([{ tag_key: TAG.env, status: "Active" }]);
  });

  it("activates the given keys, one resource each", () => {
    const tags = all(synth((s) => new CostAllocationTagActivation(s, "cost-allocation", { tagKeys: [TAG.env, TAG.owner] })), "aws_ce_cost_allocation_tag");
    expect(tags.map((t) => t.tag_key)).toEqual([TAG.env, TAG.owner]);
  });

  it.each([
    ["no keys", [], /is empty/],
    ["an empty key", [""], /not a tag key/],
  ])("rejects %s, naming the prop and the fix", (_name, tagKeys, problem) => {
    expectInvalid(() => synth((s) => new CostAllocationTagActivation(s, "cost-allocation", { tagKeys })), "tagKeys", problem);
  });
});
