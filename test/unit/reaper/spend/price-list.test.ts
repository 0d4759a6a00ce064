import type { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { PRICE_LIST_CONCURRENCY, PriceList, priceFromPriceList, priceListRequest, pricingClientRegion } from "../../../../reaper/spend/price-list";
import { type Product, productKey } from "../../../../reaper/contracts/product";
import { SHIPPED_PRICES } from "../../../../reaper/spend/shipped-prices";

// PriceList entries shaped like the API's (trimmed of attributes the meter does not read).
const EC2_M5_LARGE = JSON.stringify({
  product: {
    productFamily: "Compute Instance",
    attributes: {
      regionCode: "us-east-1",
      location: "US East (N. Virginia)",
      locationType: "AWS Region",
      instanceType: "m5.large",
      operatingSystem: "Linux",
      tenancy: "Shared",
      preInstalledSw: "NA",
      capacitystatus: "Used",
      licenseModel: "No License required",
      usagetype: "BoxUsage:m5.large",
      operation: "RunInstances",
      servicecode: "AmazonEC2",
    },
    sku: "2WTMTR9HDDT7AA73",
  },
  serviceCode: "AmazonEC2",
  terms: {
    OnDemand: {
      "2WTMTR9HDDT7AA73.JRTCKXETXF": {
        priceDimensions: {
          "2WTMTR9HDDT7AA73.JRTCKXETXF.6YS6EN2CT7": {
            unit: "Hrs",
            endRange: "Inf",
            description: "$0.096 per On Demand Linux m5.large Instance Hour",
            appliesTo: [],
            rateCode: "2WTMTR9HDDT7AA73.JRTCKXETXF.6YS6EN2CT7",
            beginRange: "0",
            pricePerUnit: { USD: "0.0960000000" },
          },
        },
        sku: "2WTMTR9HDDT7AA73",
        effectiveDate: "2025-06-01T00:00:00Z",
        offerTermCode: "JRTCKXETXF",
        termAttributes: {},
      },
    },
  },
  version: "20250601000000",
  publicationDate: "2025-06-01T00:00:00Z",
});

function entry(attributes: Record<string, string>, dimensions: { unit: string; usd: string }[], productFamily = "Database Instance"): string {
  return JSON.stringify({
    product: { productFamily, attributes, sku: "SKU" },
    serviceCode: attributes.servicecode ?? "AmazonRDS",
    terms: {
      OnDemand: {
        "SKU.JRTCKXETXF": {
          priceDimensions: Object.fromEntries(dimensions.map((d, i) => [`SKU.JRTCKXETXF.${i}`, { unit: d.unit, beginRange: "0", endRange: "Inf", pricePerUnit: { USD: d.usd } }])),
          sku: "SKU",
          offerTermCode: "JRTCKXETXF",
        },
      },
    },
  });
}

const RDS_PG_T4G_MICRO = entry(
  { regionCode: "us-east-1", locationType: "AWS Region", instanceType: "db.t4g.micro", databaseEngine: "PostgreSQL", deploymentOption: "Single-AZ", usagetype: "InstanceUsage:db.t4g.micro" },
  [{ unit: "Hrs", usd: "0.0160000000" }],
);
const RDS_GP3 = entry(
  { regionCode: "us-east-1", locationType: "AWS Region", volumeType: "General Purpose-GP3", databaseEngine: "Any", deploymentOption: "Single-AZ", usagetype: "RDS:GP3-Storage" },
  [{ unit: "GB-Mo", usd: "0.1150000000" }],
  "Database Storage",
);

const ec2 = (instanceType: string, region = "us-east-1"): Product => ({ kind: "ec2", region, instanceType });
const pg = (instanceClass: string, multiAz = false): Product => ({ kind: "rds", region: "us-east-1", engine: "postgres", instanceClass, multiAz });

describe("priceListRequest", () => {
  it("asks for a Linux, shared-tenancy, on-demand EC2 instance type of the region", () => {
    expect(priceListRequest(ec2("m6i.large", "eu-west-1"))).toEqual({
      serviceCode: "AmazonEC2",
      unit: "Hrs",
      filters: {
        regionCode: "eu-west-1",
        instanceType: "m6i.large",
        operatingSystem: "Linux",
        tenancy: "Shared",
        preInstalledSw: "NA",
        capacitystatus: "Used",
        licenseModel: "No License required",
      },
    });
  });

  it("asks for an RDS class in the Price List's engine name and deployment option", () => {
    expect(priceListRequest(pg("db.t4g.micro"))).toEqual({
      serviceCode: "AmazonRDS",
      unit: "Hrs",
      filters: { regionCode: "us-east-1", instanceType: "db.t4g.micro", databaseEngine: "PostgreSQL", deploymentOption: "Single-AZ" },
    });
    expect(priceListRequest({ kind: "rds", region: "us-east-2", engine: "mysql", instanceClass: "db.m6g.large", multiAz: true })?.filters).toMatchObject({ databaseEngine: "MySQL", deploymentOption: "Multi-AZ" });
    expect(priceListRequest({ kind: "rds", region: "us-east-2", engine: "mariadb", instanceClass: "db.t3.micro", multiAz: false })?.filters).toMatchObject({ databaseEngine: "MariaDB" });
  });

  it("asks for RDS storage by the Price List's volume type, per GB-month", () => {
    expect(priceListRequest({ kind: "rds-storage", region: "us-east-1", storageType: "gp3", multiAz: true })).toEqual({
      serviceCode: "AmazonRDS",
      unit: "GB-Mo",
      filters: { regionCode: "us-east-1", productFamily: "Database Storage", volumeType: "General Purpose-GP3", deploymentOption: "Multi-AZ" },
    });
    const volumeType = (storageType: string) => priceListRequest({ kind: "rds-storage", region: "us-east-1", storageType, multiAz: false })?.filters.volumeType;
    expect(["gp2", "io1", "io2", "standard"].map(volumeType)).toEqual(["General Purpose", "Provisioned IOPS", "Provisioned IOPS-IO2", "Magnetic"]);
  });

  it("does not ask about engines and storage types it cannot name", () => {
    expect(priceListRequest({ kind: "rds", region: "us-east-1", engine: "oracle-ee", instanceClass: "db.m5.large", multiAz: false })).toBeUndefined();
    expect(priceListRequest({ kind: "rds", region: "us-east-1", engine: "toString", instanceClass: "db.m5.large", multiAz: false })).toBeUndefined();
    expect(priceListRequest({ kind: "rds-storage", region: "us-east-1", storageType: "aurora", multiAz: false })).toBeUndefined();
  });
});

describe("priceFromPriceList", () => {
  it("reads the on-demand hourly price of an EC2 answer", () => {
    expect(priceFromPriceList([EC2_M5_LARGE], "Hrs")).toBe(0.096);
  });

  it("reads an RDS instance's hourly price and RDS storage's GB-month price", () => {
    expect(priceFromPriceList([RDS_PG_T4G_MICRO], "Hrs")).toBe(0.016);
    expect(priceFromPriceList([RDS_GP3], "GB-Mo")).toBe(0.115);
  });

  it("reads only dimensions in the unit asked for", () => {
    expect(priceFromPriceList([RDS_GP3], "Hrs")).toBeUndefined();
    expect(priceFromPriceList([EC2_M5_LARGE], "GB-Mo")).toBeUndefined();
  });

  it("skips a zero price for the next positive one, and never answers 0", () => {
    const zeroFirst = entry({ locationType: "AWS Region" }, [
      { unit: "Hrs", usd: "0.0000000000" },
      { unit: "Hrs", usd: "0.0420000000" },
    ]);
    expect(priceFromPriceList([zeroFirst], "Hrs")).toBe(0.042);
    expect(priceFromPriceList([entry({}, [{ unit: "Hrs", usd: "0.0000000000" }])], "Hrs")).toBeUndefined();
  });

  it("takes the lowest positive price when several products match", () => {
    const surcharged = entry({ locationType: "AWS Region" }, [{ unit: "Hrs", usd: "0.1420000000" }]);
    expect(priceFromPriceList([surcharged, EC2_M5_LARGE], "Hrs")).toBe(0.096);
    expect(priceFromPriceList([EC2_M5_LARGE, surcharged], "Hrs")).toBe(0.096);
  });

  it("leaves out products sold outside an AWS Region (Outposts, Local Zones)", () => {
    const outposts = entry({ locationType: "AWS Outposts" }, [{ unit: "Hrs", usd: "0.0100000000" }]);
    expect(priceFromPriceList([outposts, RDS_PG_T4G_MICRO], "Hrs")).toBe(0.016);
    expect(priceFromPriceList([outposts], "Hrs")).toBeUndefined();
  });

  it("skips entries it cannot read: not JSON, no terms, a price that is not a number", () => {
    const notANumber = entry({}, [{ unit: "Hrs", usd: "n/a" }]);
    const noTerms = JSON.stringify({ product: { attributes: {} } });
    expect(priceFromPriceList(["{not json", noTerms, notANumber, 42, null], "Hrs")).toBeUndefined();
    expect(priceFromPriceList(["{not json", RDS_PG_T4G_MICRO], "Hrs")).toBe(0.016);
  });

  it("reads entries the SDK hands over as String objects or parsed objects", () => {
    expect(priceFromPriceList([new String(EC2_M5_LARGE)], "Hrs")).toBe(0.096);
    expect(priceFromPriceList([JSON.parse(RDS_GP3) as unknown], "GB-Mo")).toBe(0.115);
  });

  it("has no price for an empty answer", () => {
    expect(priceFromPriceList([], "Hrs")).toBeUndefined();
    expect(priceFromPriceList(undefined, "Hrs")).toBeUndefined();
  });
});

describe("pricingClientRegion", () => {
  it("is us-east-1 in the commercial partition, cn-northwest-1 in China, and none elsewhere", () => {
    expect(pricingClientRegion("eu-central-1")).toBe("us-east-1");
    expect(pricingClientRegion("us-east-1")).toBe("us-east-1");
    expect(pricingClientRegion("cn-north-1")).toBe("cn-northwest-1");
    expect(pricingClientRegion("us-gov-west-1")).toBeUndefined();
    expect(pricingClientRegion("us-iso-east-1")).toBeUndefined();
  });
});

/** A PricingClient stand-in: `answer` gives each call's PriceList entries, or the error it fails with. It records each call's filters and the most calls in flight. */
function fakeClient(answer: (filters: Record<string, string>) => string[] | Error) {
  const calls: Record<string, string>[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const client = {
    send: async (command: GetProductsCommand) => {
      const filters = Object.fromEntries((command.input.Filters ?? []).map((f) => [f.Field ?? "", f.Value ?? ""]));
      calls.push(filters);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const result = answer(filters);
      if (result instanceof Error) throw result;
      return { FormatVersion: "aws_v1", PriceList: result, $metadata: {} };
    },
  };
  return { client: client as unknown as PricingClient, calls, maxInFlight: () => maxInFlight };
}

const hourly = (usd: string) => entry({ locationType: "AWS Region" }, [{ unit: "Hrs", usd }]);
const accessDenied = () => Object.assign(new Error("User is not authorized to perform: pricing:GetProducts"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } });

describe("PriceList", () => {
  it("prefers the API's figure, falls back to the table, and knows nothing else (undefined, never 0)", async () => {
    const { client } = fakeClient((f) => (f.instanceType === "m5.large" ? [hourly("0.1010000000")] : []));
    const lookup = await new PriceList(client).quotes([ec2("m5.large"), ec2("m6i.large"), ec2("x9.huge")]);
    expect(Object.fromEntries(lookup.quotes)).toEqual({
      "ec2 us-east-1 m5.large": { usd: 0.101, source: "price-list" },
      "ec2 us-east-1 m6i.large": { usd: 0.096, source: "table" },
      "ec2 us-east-1 x9.huge": undefined,
    });
    expect(lookup.problem).toBeUndefined();
  });

  it("uses the table alone when the API is off, and reports no problem", async () => {
    const lookup = await new PriceList(undefined).quotes([pg("db.t4g.micro"), ec2("x9.huge")]);
    expect(lookup.quotes.get(productKey(pg("db.t4g.micro")))).toEqual({ usd: 0.016, source: "table" });
    expect(lookup.quotes.has("ec2 us-east-1 x9.huge")).toBe(true);
    expect(lookup.quotes.get("ec2 us-east-1 x9.huge")).toBeUndefined();
    expect(lookup.problem).toBeUndefined();
  });

  it("asks about each product once in its life, remembering prices and 'no such product' alike", async () => {
    const { client, calls } = fakeClient((f) => (f.instanceType === "m5.large" ? [EC2_M5_LARGE] : []));
    const prices = new PriceList(client);
    const products = [ec2("m5.large"), ec2("x9.huge"), ec2("m5.large")];
    const first = await prices.quotes(products);
    const second = await prices.quotes(products);
    expect(calls.map((f) => f.instanceType)).toEqual(["m5.large", "x9.huge"]);
    expect(second.quotes).toEqual(first.quotes);
  });

  it("asks once about a product two overlapping lookups want", async () => {
    const { client, calls } = fakeClient(() => [EC2_M5_LARGE]);
    const prices = new PriceList(client);
    await Promise.all([prices.quotes([ec2("m5.large"), ec2("c5.large")]), prices.quotes([ec2("c5.large"), ec2("m5.large")])]);
    expect(calls.map((f) => f.instanceType).sort()).toEqual(["c5.large", "m5.large"]);
  });

  it(`asks about distinct products concurrently, at most ${PRICE_LIST_CONCURRENCY} at a time`, async () => {
    const { client, calls, maxInFlight } = fakeClient(() => []);
    const types = ["t3.micro", "t3.small", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "c5.large", "r5.large", "m6g.large", "m7g.large"];
    await new PriceList(client).quotes(types.map((t) => ec2(t)));
    expect(calls).toHaveLength(types.length);
    expect(maxInFlight()).toBeGreaterThan(1);
    expect(maxInFlight()).toBeLessThanOrEqual(PRICE_LIST_CONCURRENCY);
  });

  it("does not ask about an engine it cannot name, and prices it from the table if it can", async () => {
    const { client, calls } = fakeClient(() => []);
    const lookup = await new PriceList(client).quotes([{ kind: "rds", region: "us-east-1", engine: "oracle-ee", instanceClass: "db.m5.large", multiAz: false }]);
    expect(calls).toEqual([]);
    expect([...lookup.quotes.values()]).toEqual([undefined]);
  });

  it("after a failed call, stops calling for good and reports the error code with the table's date; it never throws", async () => {
    const { client, calls } = fakeClient(() => accessDenied());
    const prices = new PriceList(client);
    const products = [ec2("m5.large"), ec2("m6i.large"), pg("db.t4g.micro"), ec2("x9.huge")];
    const lookup = await prices.quotes(products);
    expect(calls).toHaveLength(1);
    expect(Object.fromEntries(lookup.quotes)).toEqual({
      "ec2 us-east-1 m5.large": { usd: 0.096, source: "table" },
      "ec2 us-east-1 m6i.large": { usd: 0.096, source: "table" },
      "rds us-east-1 postgres db.t4g.micro single-az": { usd: 0.016, source: "table" },
      "ec2 us-east-1 x9.huge": undefined,
    });
    expect(lookup.problem).toBe(
      `the AWS Price List API could not be reached (AccessDeniedException): prices come from the table shipped with the package (AWS's published on-demand prices as of ${SHIPPED_PRICES.asOf})`,
    );
    const later = await prices.quotes([ec2("c5.large")]);
    expect(calls).toHaveLength(1);
    expect(later.problem).toBe(lookup.problem);
    expect(later.quotes.get("ec2 us-east-1 c5.large")).toEqual({ usd: 0.085, source: "table" });
  });

  it("names a socket error by its code", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    const { client } = fakeClient(() => refused);
    const lookup = await new PriceList(client).quotes([ec2("m5.large")]);
    expect(lookup.problem).toMatch(/^the AWS Price List API could not be reached \(ECONNREFUSED\)/);
    // Some runners re-wrap the socket error as a plain Error: the code survives in the message.
    const { client: rewrapped } = fakeClient(() => new Error("AWS SDK error wrapper for Error: getaddrinfo EAI_AGAIN api.pricing.us-east-1.amazonaws.com"));
    expect((await new PriceList(rewrapped).quotes([ec2("m5.large")])).problem).toMatch(/could not be reached \(EAI_AGAIN\)/);
  });

  it("keeps the API's answers from before an outage", async () => {
    let down = false;
    const { client } = fakeClient(() => (down ? accessDenied() : [hourly("0.1010000000")]));
    const prices = new PriceList(client);
    await prices.quotes([ec2("m5.large")]);
    down = true;
    const lookup = await prices.quotes([ec2("m5.large"), ec2("m6i.large")]);
    expect(lookup.quotes.get("ec2 us-east-1 m5.large")).toEqual({ usd: 0.101, source: "price-list" });
    expect(lookup.quotes.get("ec2 us-east-1 m6i.large")).toEqual({ usd: 0.096, source: "table" });
    expect(lookup.problem).toMatch(/AccessDeniedException/);
  });
});
