/**
 * What the spend meter (reaper/spend) calls besides the kinds' listings: the Spot price
 * history and the Price List API. Both read public prices, of no resource; the reaper's
 * policy allows them on `*`.
 */
export const SPEND_METER_ACTIONS: readonly string[] = ["ec2:DescribeSpotPriceHistory", "pricing:GetProducts"];
