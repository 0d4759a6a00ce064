import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { PricingClient } from "@aws-sdk/client-pricing";
import { filterSetKey, PricingDouble } from "../../../../harness/pricing-double";
import { PriceList, priceListRequest } from "../../../../reaper/spend/price-list";
import { type Product, productKey } from "../../../../reaper/contracts/product";
import { shippedPrice } from "../../../../reaper/spend/shipped-prices";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" };

const m5 = { kind: "ec2", region: "us-east-1", instanceType: "m5.large" } as const satisfies Product;
const m6i = { kind: "ec2", region: "eu-west-1", instanceType: "m6i.large" } as const satisfies Product;
const pgMicro = { kind: "rds", region: "us-east-1", engine: "postgres", instanceClass: "db.t4g.micro", multiAz: false } as const satisfies Product;
const pgMicroMultiAz = { ...pgMicro, multiAz: true } as const satisfies Product;
const gp3 = { kind: "rds-storage", region: "us-east-1", storageType: "gp3", multiAz: false } as const satisfies Product;
/** In the table, not at the (double's) API. */
const c5 = { kind: "ec2", region: "us-east-2", instanceType: "c5.large" } as const satisfies Product;
/** Known to neither. */
const unknown = { kind: "ec2", region: "us-east-1", instanceType: "x9.huge" } as const satisfies Product;

/** The double's prices: different from the table's, so the source of each figure shows. */
const API_PRICES: Record<string, number> = {
  [productKey(m5)]: 0.1,
  [productKey(m6i)]: 0.111,
  [productKey(pgMicro)]: 0.0165,
  [productKey(pgMicroMultiAz)]: 0.033,
  [productKey(gp3)]: 0.12,
};

const client = (endpoint: string, maxAttempts = 1) => new PricingClient({ region: "us-east-1", endpoint, credentials: CREDENTIALS, maxAttempts });

let double: PricingDouble;
let endpoint: string;
beforeEach(async () => {
  double = new PricingDouble(API_PRICES);
  ({ endpoint } = await double.start());
});
afterEach(async () => {
  await double.stop();
});

describe("PriceList against the Price List API (a local double)", () => {
  it("takes the API's figures over the table's, the table's where the API has none, and none where neither has one", async () => {
    const lookup = await new PriceList(client(endpoint)).quotes([m5, m6i, pgMicro, pgMicroMultiAz, gp3, c5, unknown]);
    expect(Object.fromEntries(lookup.quotes)).toEqual({
      [productKey(m5)]: { usd: 0.1, source: "price-list" },
      [productKey(m6i)]: { usd: 0.111, source: "price-list" },
      [productKey(pgMicro)]: { usd: 0.0165, source: "price-list" },
      [productKey(pgMicroMultiAz)]: { usd: 0.033, source: "price-list" },
      [productKey(gp3)]: { usd: 0.12, source: "price-list" },
      [productKey(c5)]: { usd: shippedPrice(c5), source: "table" },
      [productKey(unknown)]: undefined,
    });
    expect(lookup.problem).toBeUndefined();
  });

  it("asks about each product once across two lookups, signed for the pricing service in us-east-1", async () => {
    const prices = new PriceList(client(endpoint));
    const first = await prices.quotes([m5, pgMicro, gp3, c5, unknown]);
    const second = await prices.quotes([m5, pgMicro, gp3, c5, unknown, m6i]);
    expect(second.quotes.get(productKey(m5))).toEqual(first.quotes.get(productKey(m5)));

    const asked = [m5, pgMicro, gp3, c5, unknown, m6i].map((p) => {
      const request = priceListRequest(p)!;
      return filterSetKey(request.serviceCode, request.filters);
    });
    expect(Object.fromEntries(double.countByFilterSet())).toEqual(Object.fromEntries(asked.map((key) => [key, 1])));
    expect(double.requestCount).toBe(6);
    expect(double.requests.every((r) => r.operation === "GetProducts" && /\/us-east-1\/pricing\/aws4_request$/.test(r.scope ?? ""))).toBe(true);
  });

  it("on AccessDenied, prices from the table with a one-line problem, without throwing, and asks no more", async () => {
    double.failEvery({ status: 403, code: "AccessDeniedException", message: "User is not authorized to perform: pricing:GetProducts" });
    // Two attempts allowed: AccessDenied is not retried, so the API still sees one request.
    const prices = new PriceList(client(endpoint, 2));
    const lookup = await prices.quotes([m5, pgMicro, gp3, unknown]);
    expect(Object.fromEntries(lookup.quotes)).toEqual({
      [productKey(m5)]: { usd: 0.096, source: "table" },
      [productKey(pgMicro)]: { usd: 0.016, source: "table" },
      [productKey(gp3)]: { usd: 0.115, source: "table" },
      [productKey(unknown)]: undefined,
    });
    expect(lookup.problem).toMatch(/^the AWS Price List API could not be reached \(AccessDeniedException\): prices come from the table shipped with the package \(.*as of \d{4}-\d{2}\)$/);
    expect(double.requestCount).toBe(1);

    double.failEvery(undefined);
    const later = await prices.quotes([m6i, c5]);
    expect(double.requestCount).toBe(1);
    expect(later.problem).toBe(lookup.problem);
    expect(later.quotes.get(productKey(m6i))).toEqual({ usd: shippedPrice(m6i), source: "table" });
  });

  it("on a refused connection, prices from the table with the socket error's code, without throwing, and asks no more", async () => {
    const closed = await closedPort();
    const prices = new PriceList(client(`http://127.0.0.1:${closed}`));
    const lookup = await prices.quotes([m5, pgMicro, gp3]);
    expect(lookup.quotes.get(productKey(m5))).toEqual({ usd: 0.096, source: "table" });
    expect(lookup.problem).toMatch(/^the AWS Price List API could not be reached \(ECONNREFUSED\)/);

    // Were the API to come back, this object would not notice: it asks no more.
    const sent = jest.spyOn(PricingClient.prototype, "send");
    await prices.quotes([m6i]);
    expect(sent).not.toHaveBeenCalled();
    sent.mockRestore();
  });

  it("on a server error, falls back to the table the same way", async () => {
    double.failEvery({ status: 503, code: "ServiceUnavailableException" });
    const lookup = await new PriceList(client(endpoint)).quotes([m5, gp3]);
    expect(lookup.quotes.get(productKey(gp3))).toEqual({ usd: 0.115, source: "table" });
    expect(lookup.problem).toMatch(/\(ServiceUnavailableException\)/);
    expect(double.requestCount).toBe(1);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
