import { type Product, productKey } from "../contracts/product";

/**
 * The on-demand prices shipped with the package: what the meter uses when the AWS Price
 * List API is off, unreachable or has no answer for a product. They were transcribed
 * by hand from AWS's published prices as of {@link SHIPPED_PRICES}`.asOf` and age from
 * then on; at run time the Price List API's figures (price-list.ts) supersede them.
 *
 * The us-east-1, us-east-2 and us-west-2 figures are AWS's published ones. The
 * eu-west-1 and eu-central-1 RDS instance figures, and those of m7g in both, were the
 * least certain of the transcription: take them as close estimates.
 *
 * Plain data: this module loads no AWS SDK.
 */
export interface ShippedPrices {
  /** Where the figures come from, one sentence. */
  readonly source: string;
  /** When they were taken from AWS's price pages: `YYYY-MM`. */
  readonly asOf: string;
  /** `productKey` → USD per hour (instances) or per GB-month (storage). */
  readonly prices: Readonly<Record<string, number>>;
}

/** The regions the table covers, in the order of each row below. */
const REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"] as const;
type PerRegion = readonly [number, number, number, number, number];

/** EC2, Linux, shared tenancy, on-demand: USD per hour. */
const EC2_HOURLY: Readonly<Record<string, PerRegion>> = {
  // The node group's defaults.
  "m6i.large": [0.096, 0.096, 0.096, 0.107, 0.115],
  "m6a.large": [0.0864, 0.0864, 0.0864, 0.0963, 0.1035],
  "m5.large": [0.096, 0.096, 0.096, 0.107, 0.115],
  "m5a.large": [0.086, 0.086, 0.086, 0.096, 0.104],
  // Their common neighbours.
  "t3.micro": [0.0104, 0.0104, 0.0104, 0.0114, 0.012],
  "t3.small": [0.0208, 0.0208, 0.0208, 0.0228, 0.024],
  "t3.medium": [0.0416, 0.0416, 0.0416, 0.0456, 0.048],
  "t3.large": [0.0832, 0.0832, 0.0832, 0.0912, 0.096],
  "t3a.medium": [0.0376, 0.0376, 0.0376, 0.0408, 0.0432],
  "t3a.large": [0.0752, 0.0752, 0.0752, 0.0816, 0.0864],
  "m5.xlarge": [0.192, 0.192, 0.192, 0.214, 0.23],
  "m6i.xlarge": [0.192, 0.192, 0.192, 0.214, 0.23],
  "m7i.large": [0.1008, 0.1008, 0.1008, 0.1124, 0.1208],
  "m6g.large": [0.077, 0.077, 0.077, 0.086, 0.092],
  "m7g.large": [0.0816, 0.0816, 0.0816, 0.0912, 0.0975],
  "c5.large": [0.085, 0.085, 0.085, 0.096, 0.097],
  "c6i.large": [0.085, 0.085, 0.085, 0.096, 0.097],
  "r5.large": [0.126, 0.126, 0.126, 0.141, 0.152],
  "r6i.large": [0.126, 0.126, 0.126, 0.141, 0.152],
};

/** RDS single-AZ on-demand instances, by engine then class: USD per hour. Multi-AZ is twice these. */
const RDS_SINGLE_AZ_HOURLY: Readonly<Record<string, Readonly<Record<string, PerRegion>>>> = {
  postgres: {
    "db.t4g.micro": [0.016, 0.016, 0.016, 0.017, 0.019],
    "db.t4g.small": [0.032, 0.032, 0.032, 0.034, 0.037],
    "db.t4g.medium": [0.065, 0.065, 0.065, 0.068, 0.075],
    "db.t3.micro": [0.018, 0.018, 0.018, 0.019, 0.021],
    "db.t3.small": [0.036, 0.036, 0.036, 0.038, 0.041],
    "db.t3.medium": [0.072, 0.072, 0.072, 0.076, 0.082],
    "db.m6g.large": [0.159, 0.159, 0.159, 0.177, 0.183],
    "db.m5.large": [0.178, 0.178, 0.178, 0.198, 0.206],
    "db.m6i.large": [0.178, 0.178, 0.178, 0.198, 0.206],
    "db.r6g.large": [0.225, 0.225, 0.225, 0.252, 0.263],
  },
  mysql: {
    "db.t4g.micro": [0.016, 0.016, 0.016, 0.017, 0.018],
    "db.t4g.small": [0.032, 0.032, 0.032, 0.034, 0.037],
    "db.t4g.medium": [0.065, 0.065, 0.065, 0.068, 0.075],
    "db.t3.micro": [0.017, 0.017, 0.017, 0.018, 0.02],
    "db.t3.small": [0.034, 0.034, 0.034, 0.036, 0.04],
    "db.t3.medium": [0.068, 0.068, 0.068, 0.072, 0.08],
    "db.m6g.large": [0.152, 0.152, 0.152, 0.169, 0.176],
    "db.m5.large": [0.171, 0.171, 0.171, 0.19, 0.198],
    "db.m6i.large": [0.171, 0.171, 0.171, 0.19, 0.198],
    "db.r6g.large": [0.216, 0.216, 0.216, 0.243, 0.253],
  },
};

/** RDS single-AZ storage: USD per GB-month. Multi-AZ is twice these. */
const RDS_SINGLE_AZ_STORAGE: Readonly<Record<string, PerRegion>> = {
  gp2: [0.115, 0.115, 0.115, 0.127, 0.137],
  gp3: [0.115, 0.115, 0.115, 0.127, 0.137],
};

/**
 * RDS snapshot (backup) storage beyond the free allowance, for manual DB snapshots (checkpoints): USD per GB-month.
 * AWS bills a snapshot's storage incrementally; the meter counts a snapshot's allocated size, an upper bound.
 * The eu-central-1 figure is the least certain: take it as a close estimate.
 */
const RDS_SNAPSHOT_STORAGE: PerRegion = [0.095, 0.095, 0.095, 0.095, 0.095];

/** Multi-AZ runs a standby of the same class on storage of the same size: twice the single-AZ price for every row above. */
const MULTI_AZ_FACTOR = 2;

function buildPrices(): Record<string, number> {
  const prices: Record<string, number> = {};
  const put = (product: Product, usd: number) => {
    // Rounded so that doubling leaves no binary noise (0.0864 × 2 is 0.1728, not 0.17280000000000001).
    prices[productKey(product)] = Math.round(usd * 1e6) / 1e6;
  };
  REGIONS.forEach((region, i) => {
    for (const [instanceType, row] of Object.entries(EC2_HOURLY)) put({ kind: "ec2", region, instanceType }, row[i]);
    for (const [engine, classes] of Object.entries(RDS_SINGLE_AZ_HOURLY)) {
      for (const [instanceClass, row] of Object.entries(classes)) {
        for (const multiAz of [false, true]) put({ kind: "rds", region, engine, instanceClass, multiAz }, row[i] * (multiAz ? MULTI_AZ_FACTOR : 1));
      }
    }
    for (const [storageType, row] of Object.entries(RDS_SINGLE_AZ_STORAGE)) {
      for (const multiAz of [false, true]) put({ kind: "rds-storage", region, storageType, multiAz }, row[i] * (multiAz ? MULTI_AZ_FACTOR : 1));
    }
    put({ kind: "rds-snapshot", region }, RDS_SNAPSHOT_STORAGE[i]);
  });
  return prices;
}

/** The table shipped with the package. */
export const SHIPPED_PRICES: ShippedPrices = Object.freeze({
  source:
    "AWS's public on-demand price pages and Price List offer files: EC2 Linux shared-tenancy on-demand instances, RDS single-AZ and multi-AZ on-demand instances (PostgreSQL, MySQL), RDS gp2/gp3 storage per GB-month, and RDS snapshot (backup) storage per GB-month.",
  asOf: "2025-06",
  prices: Object.freeze(buildPrices()),
});

/** The shipped price of a product: USD per hour (instances) or per GB-month (storage); `undefined` when the table lacks it (never 0). */
export function shippedPrice(product: Product): number | undefined {
  const key = productKey(product);
  return Object.prototype.hasOwnProperty.call(SHIPPED_PRICES.prices, key) ? SHIPPED_PRICES.prices[key] : undefined;
}

/** Every product the table prices, as `productKey`s in sorted order (for the docs). */
export function shippedPriceKeys(): string[] {
  return Object.keys(SHIPPED_PRICES.prices).sort();
}
