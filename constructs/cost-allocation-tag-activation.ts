import { CeCostAllocationTag } from "@cdktf/provider-aws/lib/ce-cost-allocation-tag";
import { Construct } from "constructs";
import { InvalidValueError, TAG } from "../reaper/model";

export interface CostAllocationTagActivationProps {
  /**
   * The tag keys to activate for cost allocation.
   * @default ["ephemera:env"]
   */
  readonly tagKeys?: readonly string[];
}

/**
 * Activates `ephemera:env` as a cost allocation tag, once per account (in the
 * management/payer account under AWS Organizations), so budgets and Cost Explorer can
 * filter spend by environment. Put it in a long-lived stack, not in each environment.
 *
 * AWS only accepts a key it has already seen in billing data, which happens up to 24
 * hours after the first resource carries it: the first apply in a fresh account can
 * fail ("Tag keys not found") and must be retried the next day. Until then each
 * environment's EnvBudget sees no spend.
 */
export class CostAllocationTagActivation extends Construct {
  readonly tags: readonly CeCostAllocationTag[];

  constructor(scope: Construct, id: string, props: CostAllocationTagActivationProps = {}) {
    super(scope, id);
    const keys = props.tagKeys ?? [TAG.env];
    if (keys.length === 0) {
      throw new InvalidValueError("tagKeys", "[]", "is empty", `pass at least one, such as ["${TAG.env}"]`);
    }
    this.tags = keys.map((tagKey) => {
      if (tagKey.trim() === "" || tagKey.length > 128) {
        throw new InvalidValueError("tagKeys", tagKey, "is not a tag key (1 to 128 characters)", `use a key such as "${TAG.env}"`);
      }
      // The id follows the key, so adding or reordering keys never touches the others.
      return new CeCostAllocationTag(this, tagKey.replace(/[^A-Za-z0-9-]+/g, "-"), { tagKey, status: "Active" });
    });
  }
}
