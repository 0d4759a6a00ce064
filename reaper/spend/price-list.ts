import { GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import { mapWithLimit } from "../support/map-with-limit";
import { errorCode } from "../support/outcomes";
import { type Product, productKey, type Quote } from "../contracts/product";
import { SHIPPED_PRICES, shippedPrice } from "./shipped-prices";

/**
 * On-demand prices from the AWS Price List API (`pricing:GetProducts`), with the table
 * shipped with the package behind them. One object lives as long as a Lambda cold
 * start: it asks the API about each product at most once, keeps the answers (a price,
 * or "no such product") and, after the first failed call, stops calling altogether.
 */

/** GetProducts calls in flight at once, per {@link PriceList}. */
export const PRICE_LIST_CONCURRENCY = 4;

/** What {@link PriceList.quotes} found. */
export interface PriceLookup {
  /**
   * `productKey` → its price: the Price List API's (`source: "price-list"`) when it
   * answered for the product, else the shipped table's (`source: "table"`), else
   * `undefined` (unknown: never 0). Every product asked for has an entry.
   */
  readonly quotes: ReadonlyMap<string, Quote | undefined>;
  /** One line, set once the API could not be reached: its error code, and that the table is used instead. */
  readonly problem?: string;
}

/** One GetProducts request: its service, its TERM_MATCH filters and the price unit to read from the answer. */
export interface PriceListRequest {
  readonly serviceCode: "AmazonEC2" | "AmazonRDS";
  /** Attribute name → value, each sent as a TERM_MATCH filter. */
  readonly filters: Readonly<Record<string, string>>;
  /** `Hrs` for instances, `GB-Mo` for storage. */
  readonly unit: "Hrs" | "GB-Mo";
}

/** RDS's engine name → the Price List's `databaseEngine`. Other engines (licensed, Aurora) are not asked about. */
const RDS_ENGINES: Readonly<Record<string, string>> = { postgres: "PostgreSQL", mysql: "MySQL", mariadb: "MariaDB" };

/** RDS's storage type → the Price List's `volumeType` for `Database Storage` products. */
const RDS_VOLUME_TYPES: Readonly<Record<string, string>> = {
  gp2: "General Purpose",
  gp3: "General Purpose-GP3",
  io1: "Provisioned IOPS",
  io2: "Provisioned IOPS-IO2",
  standard: "Magnetic",
};

const own = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;

const deploymentOption = (multiAz: boolean) => (multiAz ? "Multi-AZ" : "Single-AZ");

/**
 * The GetProducts request that prices a product, or `undefined` when the API is not asked
 * about it (an RDS engine or storage type outside the maps above).
 *
 * Storage is not filtered by `databaseEngine`: RDS lists the same storage price under
 * several engine values (`Any` and engine names), and which of them carries a storage
 * type varies; {@link priceFromPriceList} takes the lowest of the matches.
 */
export function priceListRequest(product: Product): PriceListRequest | undefined {
  switch (product.kind) {
    case "ec2":
      return {
        serviceCode: "AmazonEC2",
        unit: "Hrs",
        filters: {
          regionCode: product.region,
          instanceType: product.instanceType,
          operatingSystem: "Linux",
          tenancy: "Shared",
          preInstalledSw: "NA",
          capacitystatus: "Used",
          licenseModel: "No License required",
        },
      };
    case "rds": {
      const databaseEngine = own(RDS_ENGINES, product.engine);
      if (databaseEngine === undefined) return undefined;
      return {
        serviceCode: "AmazonRDS",
        unit: "Hrs",
        filters: { regionCode: product.region, instanceType: product.instanceClass, databaseEngine, deploymentOption: deploymentOption(product.multiAz) },
      };
    }
    case "rds-storage": {
      const volumeType = own(RDS_VOLUME_TYPES, product.storageType);
      if (volumeType === undefined) return undefined;
      return {
        serviceCode: "AmazonRDS",
        unit: "GB-Mo",
        filters: { regionCode: product.region, productFamily: "Database Storage", volumeType, deploymentOption: deploymentOption(product.multiAz) },
      };
    }
    case "rds-snapshot":
      // The Price List files RDS's and Aurora's backup storage under one product family, told apart only by a
      // region-prefixed usage type; a lowest-price match would take Aurora's. The shipped table prices it.
      return undefined;
  }
}

type JsonObject = { readonly [key: string]: unknown };
const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** One PriceList entry as a parsed object: the API sends JSON strings (the SDK may wrap them in a String object). */
function parseEntry(entry: unknown): JsonObject | undefined {
  if (isObject(entry) && !(entry instanceof String)) return entry;
  if (typeof entry !== "string" && !(entry instanceof String)) return undefined;
  try {
    const parsed: unknown = JSON.parse(String(entry));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const valuesOf = (value: unknown): unknown[] => (isObject(value) ? Object.values(value) : []);

/** A product's first positive on-demand price in `unit`, or undefined. */
function firstPositivePrice(product: JsonObject, unit: string): number | undefined {
  const terms = isObject(product.terms) ? product.terms : {};
  for (const term of valuesOf(terms.OnDemand)) {
    for (const dimension of valuesOf(isObject(term) ? term.priceDimensions : undefined)) {
      if (!isObject(dimension) || typeof dimension.unit !== "string" || dimension.unit.toLowerCase() !== unit.toLowerCase()) continue;
      const usd = isObject(dimension.pricePerUnit) ? dimension.pricePerUnit.USD : undefined;
      const price = typeof usd === "string" && usd.trim() !== "" ? Number(usd) : NaN;
      if (Number.isFinite(price) && price > 0) return price;
    }
  }
  return undefined;
}

/** Products sold outside an AWS Region (Outposts, Local and Wavelength Zones) carry their own `locationType`. */
function inRegion(product: JsonObject): boolean {
  const attributes = isObject(product.product) && isObject(product.product.attributes) ? product.product.attributes : {};
  return attributes.locationType === undefined || attributes.locationType === "AWS Region";
}

/**
 * The price a GetProducts answer gives, in `unit` (`Hrs` or `GB-Mo`), or `undefined`
 * when no entry has a positive one. Each entry's first positive on-demand price in the
 * unit counts; a 0 is never a price (the offer lists usage that is already paid for,
 * such as reserved capacity, at 0) and entries it cannot parse are skipped.
 *
 * When several products match, the lowest price wins. The filters pin one product in
 * practice; the extra matches are variants TERM_MATCH cannot tell apart (the same usage
 * listed again under another engine value or operation code, or with a fee folded in),
 * and the plain on-demand rate an ordinary instance or volume pays is the lowest of them.
 */
export function priceFromPriceList(entries: readonly unknown[] | undefined, unit: "Hrs" | "GB-Mo"): number | undefined {
  let lowest: number | undefined;
  for (const entry of entries ?? []) {
    const product = parseEntry(entry);
    if (product === undefined || !inRegion(product)) continue;
    const price = firstPositivePrice(product, unit);
    if (price !== undefined && (lowest === undefined || price < lowest)) lowest = price;
  }
  return lowest;
}

/**
 * The region of the Price List API's endpoint for the partition `region` is in:
 * `us-east-1` for the commercial partition, `cn-northwest-1` for China, `undefined`
 * where the API is not offered (GovCloud, the ISO and European sovereign partitions).
 */
export function pricingClientRegion(region: string): string | undefined {
  if (region.startsWith("cn-")) return "cn-northwest-1";
  if (/^(us-gov-|us-iso|eu-iso|eusc-)/.test(region)) return undefined;
  return "us-east-1";
}

/** Prices products from the AWS Price List API, falling back to the table shipped with the package. */
export class PriceList {
  /** `productKey` → the API's price, `undefined` when it had none (or was not asked). */
  private readonly answers = new Map<string, Promise<number | undefined>>();
  /** The error code of the call that found the API unreachable. */
  private outage: string | undefined;

  /**
   * @param client the Price List API's client, built by the caller (its region from
   * {@link pricingClientRegion}); `undefined` turns the API off: table prices only.
   */
  constructor(private readonly client: PricingClient | undefined) {}

  /**
   * Prices `products`; never throws. Duplicates are priced once. The first product not
   * asked about yet goes alone, so an outage costs one request; the rest follow, at most
   * {@link PRICE_LIST_CONCURRENCY} at once.
   */
  async quotes(products: readonly Product[]): Promise<PriceLookup> {
    const unique = [...new Map(products.map((product) => [productKey(product), product] as const))];
    const [first, ...rest] = unique.filter(([key]) => !this.answers.has(key));
    if (first !== undefined) await this.ask(...first);
    await mapWithLimit(rest, PRICE_LIST_CONCURRENCY, ([key, product]) => this.ask(key, product));
    const priced = await Promise.all(unique.map(async ([key, product]) => [key, quoteOf(product, await this.ask(key, product))] as const));
    const problem = this.problem();
    return { quotes: new Map(priced), ...(problem === undefined ? {} : { problem }) };
  }

  /** The one-line problem once the API was found unreachable, else undefined. */
  problem(): string | undefined {
    if (this.outage === undefined) return undefined;
    return `the AWS Price List API could not be reached (${this.outage}): prices come from the table shipped with the package (AWS's published on-demand prices as of ${SHIPPED_PRICES.asOf})`;
  }

  private ask(key: string, product: Product): Promise<number | undefined> {
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = this.fetch(product);
      this.answers.set(key, answer);
    }
    return answer;
  }

  private async fetch(product: Product): Promise<number | undefined> {
    const request = priceListRequest(product);
    if (this.client === undefined || request === undefined || this.outage !== undefined) return undefined;
    return this.call(this.client, request);
  }

  /** One GetProducts call; a failure marks the API unreachable for the rest of this object's life. */
  private async call(client: PricingClient, request: PriceListRequest): Promise<number | undefined> {
    try {
      const answer = await client.send(
        new GetProductsCommand({
          ServiceCode: request.serviceCode,
          FormatVersion: "aws_v1",
          Filters: Object.entries(request.filters).map(([Field, Value]) => ({ Type: "TERM_MATCH", Field, Value })),
          // The filters match a handful of products at most: one page holds them.
          MaxResults: 100,
        }),
      );
      const entries: unknown = answer.PriceList;
      return priceFromPriceList(Array.isArray(entries) ? entries : undefined, request.unit);
    } catch (err) {
      this.outage ??= errorCode(err);
      return undefined;
    }
  }
}

function quoteOf(product: Product, fromApi: number | undefined): Quote | undefined {
  if (fromApi !== undefined) return { usd: fromApi, source: "price-list" };
  const shipped = shippedPrice(product);
  return shipped === undefined ? undefined : { usd: shipped, source: "table" };
}
