/**
 * What the meter prices: an on-demand product of a region, named the way both the
 * shipped price table and the AWS Price List API can look it up. Spot instances are
 * priced by the Spot price history instead (spot-prices.ts).
 */
export type Product =
  /** An EC2 instance type, Linux, shared tenancy, on-demand: USD per hour. */
  | { readonly kind: "ec2"; readonly region: string; readonly instanceType: string }
  /** An RDS instance class of one engine (RDS's engine name: `postgres`, `mysql`, `mariadb`), single- or multi-AZ: USD per hour. */
  | { readonly kind: "rds"; readonly region: string; readonly engine: string; readonly instanceClass: string; readonly multiAz: boolean }
  /** RDS storage of one type (`gp2`, `gp3`, `io1`, `io2`, `standard`), single- or multi-AZ: USD per GB-month. */
  | { readonly kind: "rds-storage"; readonly region: string; readonly storageType: string; readonly multiAz: boolean }
  /** RDS snapshot storage (a manual DB snapshot's backup storage): USD per GB-month. */
  | { readonly kind: "rds-snapshot"; readonly region: string };

/** One line per product, e.g. `ec2 us-east-1 m5.large`, `rds us-east-1 postgres db.t4g.micro single-az`, `rds-storage us-east-1 gp3 single-az`, `rds-snapshot us-east-1`. */
export function productKey(product: Product): string {
  switch (product.kind) {
    case "ec2":
      return `ec2 ${product.region} ${product.instanceType}`;
    case "rds":
      return `rds ${product.region} ${product.engine} ${product.instanceClass} ${az(product.multiAz)}`;
    case "rds-storage":
      return `rds-storage ${product.region} ${product.storageType} ${az(product.multiAz)}`;
    case "rds-snapshot":
      return `rds-snapshot ${product.region}`;
  }
}

const az = (multiAz: boolean) => (multiAz ? "multi-az" : "single-az");

/** Hours AWS bills a month of storage over (its price pages use 730). */
export const HOURS_PER_MONTH = 730;

/** A price and where it came from. */
export interface Quote {
  /** USD per hour (instances) or per GB-month (storage). */
  readonly usd: number;
  /** `price-list` (the AWS Price List API, this cold start), `table` (shipped with the package) or `spot` (EC2 Spot price history). */
  readonly source: "price-list" | "table" | "spot";
}
