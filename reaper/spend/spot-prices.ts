import { type _InstanceType, type EC2Client, paginateDescribeSpotPriceHistory, type SpotPrice } from "@aws-sdk/client-ec2";
import { allPages } from "../support/all-pages";
import { describeError } from "../support/outcomes";
import type { Quote } from "../contracts/product";
import { spotKey } from "./price-usage";

/** Linux Spot prices; EC2 names them both ways depending on the account's age. */
const LINUX = ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"];

export interface SpotLookup {
  /** Quotes by `spotKey(instanceType, zone)`: the price in effect at the instant asked about. */
  readonly quotes: Readonly<Record<string, Quote>>;
  /** Set when the history could not be read: every Spot instance is then unpriced. */
  readonly problem?: string;
}

/**
 * The Spot price in effect at `at` of each instance type, in every Availability Zone:
 * one paginated DescribeSpotPriceHistory for all the types (a start time equal to the end
 * time asks for the price in effect then, not for the history). Never throws.
 */
export async function spotPrices(ec2: EC2Client, instanceTypes: readonly string[], at: Date): Promise<SpotLookup> {
  if (instanceTypes.length === 0) return { quotes: {} };
  let history: SpotPrice[];
  try {
    const pages = paginateDescribeSpotPriceHistory(
      { client: ec2, pageSize: 1000 },
      { InstanceTypes: [...instanceTypes].sort() as _InstanceType[], ProductDescriptions: LINUX, StartTime: at, EndTime: at },
    );
    history = await allPages(pages, (page) => page.SpotPriceHistory);
  } catch (err) {
    return { quotes: {}, problem: `the EC2 Spot price history could not be read (${describeError(err)}): Spot instances are unpriced this run` };
  }
  // The newest entry per type and zone is the one in effect at `at`.
  const newest = new Map<string, SpotPrice>();
  for (const entry of history) {
    if (entry.InstanceType === undefined || entry.AvailabilityZone === undefined) continue;
    const key = spotKey(entry.InstanceType, entry.AvailabilityZone);
    const seen = newest.get(key);
    if (seen === undefined || (entry.Timestamp?.getTime() ?? 0) > (seen.Timestamp?.getTime() ?? 0)) newest.set(key, entry);
  }
  const quotes: Record<string, Quote> = {};
  for (const [key, entry] of newest) {
    const usd = Number(entry.SpotPrice);
    if (Number.isFinite(usd) && usd > 0) quotes[key] = { usd, source: "spot" };
  }
  return { quotes };
}
