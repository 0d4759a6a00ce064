/** docs/spend.md's list of what the spend meter's shipped price table covers. */
import { SHIPPED_PRICES, shippedPriceKeys } from "../../reaper/spend/shipped-prices";
import { code } from "./markdown";

/** The table's source and date, and the regions, instance types, classes and storage types it prices. */
export function shippedPricesList(): string {
  const keys = shippedPriceKeys().map((key) => key.split(" "));
  const distinct = (kind: string, pick: (parts: string[]) => string) => [...new Set(keys.filter((k) => k[0] === kind).map(pick))].sort().map(code).join(", ");
  return [
    `- **Source**: ${SHIPPED_PRICES.source}`,
    `- **As of**: ${SHIPPED_PRICES.asOf}`,
    `- **Regions**: ${distinct("ec2", (k) => k[1]!)}`,
    `- **EC2 instance types** (Linux, on-demand): ${distinct("ec2", (k) => k[2]!)}`,
    `- **RDS classes** (${distinct("rds", (k) => k[2]!)}; single- and multi-AZ): ${distinct("rds", (k) => k[3]!)}`,
    `- **RDS storage** (per GB-month): ${distinct("rds-storage", (k) => k[2]!)}`,
  ].join("\n");
}
