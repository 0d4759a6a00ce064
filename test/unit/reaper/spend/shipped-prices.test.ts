import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../../../harness/paths";
import { type Product, productKey } from "../../../../reaper/contracts/product";
import { SHIPPED_PRICES, shippedPrice, shippedPriceKeys } from "../../../../reaper/spend/shipped-prices";

const REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"];
const EC2_TYPES = [
  ...["m6i.large", "m6a.large", "m5.large", "m5a.large"],
  ...["t3.micro", "t3.small", "t3.medium", "t3.large", "t3a.medium", "t3a.large", "m5.xlarge", "m6i.xlarge", "m7i.large", "m6g.large", "m7g.large", "c5.large", "c6i.large", "r5.large", "r6i.large"],
];
const RDS_CLASSES = ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t3.micro", "db.t3.small", "db.t3.medium", "db.m6g.large", "db.m5.large", "db.m6i.large", "db.r6g.large"];
const ENGINES = ["postgres", "mysql"];
const STORAGE = ["gp2", "gp3"];

const ec2 = (region: string, instanceType: string): Product => ({ kind: "ec2", region, instanceType });
const rds = (region: string, engine: string, instanceClass: string, multiAz = false): Product => ({ kind: "rds", region, engine, instanceClass, multiAz });
const storage = (region: string, storageType: string, multiAz = false): Product => ({ kind: "rds-storage", region, storageType, multiAz });

const everyProduct: Product[] = REGIONS.flatMap((region) => [
  ...EC2_TYPES.map((t) => ec2(region, t)),
  ...ENGINES.flatMap((e) => RDS_CLASSES.flatMap((c) => [rds(region, e, c), rds(region, e, c, true)])),
  ...STORAGE.flatMap((s) => [storage(region, s), storage(region, s, true)]),
  { kind: "rds-snapshot", region } as const,
]);

describe("the shipped price table", () => {
  it("prices every node-group type and neighbour, both engines' classes, both storage types and snapshot storage in all five regions", () => {
    const missing = everyProduct.filter((p) => shippedPrice(p) === undefined).map(productKey);
    expect(missing).toEqual([]);
    expect(shippedPriceKeys()).toHaveLength(everyProduct.length);
  });

  it("holds AWS's published us-east-1 prices", () => {
    expect(shippedPrice(ec2("us-east-1", "m5.large"))).toBe(0.096);
    expect(shippedPrice(ec2("us-east-1", "m6i.large"))).toBe(0.096);
    expect(shippedPrice(ec2("us-east-1", "m6a.large"))).toBe(0.0864);
    expect(shippedPrice(ec2("us-east-1", "m5a.large"))).toBe(0.086);
    expect(shippedPrice(ec2("us-east-1", "t3.medium"))).toBe(0.0416);
    expect(shippedPrice(rds("us-east-1", "postgres", "db.t4g.micro"))).toBe(0.016);
    expect(shippedPrice(rds("us-east-1", "postgres", "db.t3.micro"))).toBe(0.018);
    expect(shippedPrice(storage("us-east-1", "gp2"))).toBe(0.115);
    expect(shippedPrice(storage("us-east-1", "gp3"))).toBe(0.115);
    expect(shippedPrice({ kind: "rds-snapshot", region: "us-east-1" })).toBe(0.095);
  });

  it("prices multi-AZ instances and storage at exactly twice single-AZ", () => {
    const doubled = everyProduct
      .filter((p): p is Extract<Product, { kind: "rds" | "rds-storage" }> => (p.kind === "rds" || p.kind === "rds-storage") && p.multiAz)
      .filter((p) => shippedPrice(p) !== 2 * shippedPrice({ ...p, multiAz: false })!)
      .map(productKey);
    expect(doubled).toEqual([]);
  });

  it("has only positive prices, and none in Europe below the same product in N. Virginia", () => {
    expect(Object.values(SHIPPED_PRICES.prices).filter((usd) => !(Number.isFinite(usd) && usd > 0))).toEqual([]);
    const cheaper = everyProduct
      .filter((p) => p.region.startsWith("eu-"))
      .filter((p) => shippedPrice(p)! < shippedPrice({ ...p, region: "us-east-1" })!)
      .map(productKey);
    expect(cheaper).toEqual([]);
  });

  it("knows nothing of a region, type, engine or storage type it does not list: undefined, never 0", () => {
    expect(shippedPrice(ec2("ap-south-1", "m5.large"))).toBeUndefined();
    expect(shippedPrice(ec2("us-east-1", "p5.48xlarge"))).toBeUndefined();
    expect(shippedPrice(rds("us-east-1", "oracle-ee", "db.m5.large"))).toBeUndefined();
    expect(shippedPrice(rds("us-east-1", "mariadb", "db.t4g.micro"))).toBeUndefined();
    expect(shippedPrice(storage("us-east-1", "io1"))).toBeUndefined();
    expect(shippedPrice(ec2("us-east-1", "constructor"))).toBeUndefined();
  });

  it("says where its figures come from and when they were taken", () => {
    expect(SHIPPED_PRICES.asOf).toMatch(/^\d{4}-(0[1-9]|1[0-2])$/);
    expect(SHIPPED_PRICES.source).toMatch(/on-demand/);
    expect(SHIPPED_PRICES.source).not.toMatch(/\n/);
  });

  it("lists its keys sorted, each the productKey of a product it prices", () => {
    const keys = shippedPriceKeys();
    expect(keys).toEqual([...keys].sort());
    expect(new Set(keys)).toEqual(new Set(everyProduct.map(productKey)));
  });

  it("is plain data: it loads no AWS SDK", () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, "reaper/spend/shipped-prices.ts"), "utf8");
    expect(text).not.toMatch(/from\s+"@aws-sdk|require\("@aws-sdk/);
  });
});
