/**
 * A TEST DOUBLE of the AWS Price List API (`pricing`), not the service.
 *
 * A small node:http server on a free loopback port that answers `GetProducts` in the
 * API's own protocol (awsJson1_1: `POST /` with `X-Amz-Target:
 * AWSPriceListService.GetProducts` and a JSON body of `ServiceCode`, `Filters`,
 * `FormatVersion`, `MaxResults`, `NextToken`). Its catalogue is built from a price table
 * keyed by `productKey` (reaper/contracts/product.ts): each key becomes a product with the
 * attributes AWS's offer files give it (regionCode, instanceType, operatingSystem,
 * databaseEngine, deploymentOption, volumeType, usagetype ...), plus, for EC2, a Windows
 * sibling the Linux filters must leave out. Each PriceList entry is a JSON string shaped
 * like the API's: `product.attributes` and `terms.OnDemand.*.priceDimensions.*` with
 * `unit` and `pricePerUnit.USD`. TERM_MATCH filters match attribute values exactly;
 * other filter types, the other operations and request signatures are not modelled
 * (the Authorization header's credential scope is recorded, not verified).
 *
 * It counts requests (in all and per filter set) and can fail every request with a
 * given HTTP status and error code, the way the API does: `__type` in the body and the
 * `x-amzn-ErrorType` header.
 */
import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One GetProducts request as the double received it. */
export interface RecordedPricingRequest {
  /** The `X-Amz-Target` operation, e.g. `GetProducts`. */
  readonly operation: string;
  readonly serviceCode?: string;
  /** The TERM_MATCH filters, field → value. */
  readonly filters: Readonly<Record<string, string>>;
  /** The signature's credential scope: `<date>/<region>/<service>/aws4_request`, when signed. */
  readonly scope?: string;
  /** The HTTP status the double answered. */
  readonly status: number;
}

/** An error every request gets while it is set. */
export interface PricingFault {
  /** e.g. 403, 500, 503. */
  readonly status: number;
  /** e.g. `AccessDeniedException`, `InternalErrorException`, `ServiceUnavailableException`. */
  readonly code: string;
  /** @default "<code> (pricing double)" */
  readonly message?: string;
}

interface CatalogueProduct {
  readonly sku: string;
  readonly productFamily: string;
  readonly serviceCode: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly usd: number;
  readonly unit: "Hrs" | "GB-Mo";
  readonly description: string;
}

/** The canonical name of a filter set: `AmazonEC2 instanceType=m5.large regionCode=us-east-1 ...`, fields sorted. */
export function filterSetKey(serviceCode: string | undefined, filters: Readonly<Record<string, string>>): string {
  const fields = Object.keys(filters)
    .sort()
    .map((field) => `${field}=${filters[field]}`);
  return [serviceCode ?? "(no service code)", ...fields].join(" ");
}

/** Serves `GetProducts` from a price table: `{ [productKey]: USD per hour or per GB-month }`. */
export class PricingDouble {
  private catalogue: CatalogueProduct[];
  private fault: PricingFault | undefined;
  private server: http.Server | undefined;
  private readonly recorded: RecordedPricingRequest[] = [];

  /** @param prices `productKey` → USD (per hour for instances, per GB-month for storage); keys it cannot read are ignored. */
  constructor(prices: Readonly<Record<string, number>>) {
    this.catalogue = catalogueOf(prices);
  }

  /** Listens on a free loopback port; `endpoint` is `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  async start(): Promise<{ endpoint: string }> {
    if (this.server !== undefined) throw new Error("the pricing double is already started");
    const server = http.createServer((req, res) => this.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    const { port } = server.address() as AddressInfo;
    return { endpoint: `http://127.0.0.1:${port}` };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every request so far, in order of arrival. */
  get requests(): readonly RecordedPricingRequest[] {
    return this.recorded;
  }

  get requestCount(): number {
    return this.recorded.length;
  }

  /** {@link filterSetKey} → requests with that service code and those filters. */
  countByFilterSet(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.recorded) {
      const key = filterSetKey(r.serviceCode, r.filters);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Fails every request from now on with this error; `undefined` ends the outage. */
  failEvery(fault: PricingFault | undefined): void {
    this.fault = fault;
  }

  /** Replaces the price table (a price change at AWS). */
  setPrices(prices: Readonly<Record<string, number>>): void {
    this.catalogue = catalogueOf(prices);
  }

  /** Forgets the recorded requests and any fault. */
  reset(): void {
    this.recorded.length = 0;
    this.fault = undefined;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = header(req, "x-amz-target") ?? "";
      const operation = target.startsWith("AWSPriceListService.") ? target.slice("AWSPriceListService.".length) : target;
      const scope = /Credential=[^/]+\/([^,]+)/.exec(header(req, "authorization") ?? "")?.[1];
      let body: unknown;
      try {
        body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = undefined;
      }
      const input = isRecord(body) ? body : {};
      const serviceCode = typeof input.ServiceCode === "string" ? input.ServiceCode : undefined;
      const filters = termMatches(input.Filters);
      const answer = this.answer(req.method ?? "GET", operation, body, serviceCode, filters, input);
      this.recorded.push({ operation, ...(serviceCode === undefined ? {} : { serviceCode }), filters, ...(scope === undefined ? {} : { scope }), status: answer.status });
      const requestId = randomUUID();
      const headers: http.OutgoingHttpHeaders = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId };
      if (answer.errorType !== undefined) headers["x-amzn-errortype"] = answer.errorType;
      res.writeHead(answer.status, headers);
      res.end(JSON.stringify(answer.body));
    });
  }

  private answer(
    method: string,
    operation: string,
    body: unknown,
    serviceCode: string | undefined,
    filters: Readonly<Record<string, string>>,
    input: Readonly<Record<string, unknown>>,
  ): { status: number; body: unknown; errorType?: string } {
    if (this.fault !== undefined) {
      const { status, code } = this.fault;
      return { status, errorType: code, body: { __type: code, message: this.fault.message ?? `${code} (pricing double)` } };
    }
    const error = (status: number, code: string, message: string) => ({ status, errorType: code, body: { __type: code, message } });
    if (method !== "POST") return error(404, "UnknownOperationException", `the pricing double answers POST only, not ${method}`);
    if (operation !== "GetProducts") return error(400, "UnknownOperationException", `the pricing double implements GetProducts only, not ${operation || "(no X-Amz-Target)"}`);
    if (body === undefined) return error(400, "SerializationException", "the request body is not JSON");
    if (serviceCode === undefined) return error(400, "InvalidParameterException", "ServiceCode is required");
    if (input.FormatVersion !== undefined && input.FormatVersion !== "aws_v1") return error(400, "InvalidParameterException", `unknown FormatVersion ${String(input.FormatVersion)}`);
    const matching = this.catalogue.filter((p) => p.serviceCode === serviceCode && Object.entries(filters).every(([field, value]) => fieldOf(p, field) === value));
    const maxResults = typeof input.MaxResults === "number" && input.MaxResults > 0 ? Math.min(input.MaxResults, 100) : 100;
    const start = typeof input.NextToken === "string" ? Number(input.NextToken) || 0 : 0;
    const page = matching.slice(start, start + maxResults);
    const next = start + maxResults < matching.length ? { NextToken: String(start + maxResults) } : {};
    return { status: 200, body: { FormatVersion: "aws_v1", PriceList: page.map(priceListEntry), ...next } };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The TERM_MATCH filters of a request, field → value (other types are ignored). */
function termMatches(filters: unknown): Record<string, string> {
  const found: Record<string, string> = {};
  if (!Array.isArray(filters)) return found;
  for (const f of filters) {
    if (isRecord(f) && f.Type === "TERM_MATCH" && typeof f.Field === "string" && typeof f.Value === "string") found[f.Field] = f.Value;
  }
  return found;
}

function fieldOf(product: CatalogueProduct, field: string): string | undefined {
  if (field === "ServiceCode" || field === "servicecode") return product.serviceCode;
  if (field === "productFamily") return product.productFamily;
  return product.attributes[field];
}

const REGION_NAMES: Readonly<Record<string, string>> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "EU (Ireland)",
  "eu-central-1": "EU (Frankfurt)",
};

/** The usage-type prefix AWS gives a region (none in us-east-1). */
const USAGE_PREFIXES: Readonly<Record<string, string>> = { "us-east-1": "", "us-east-2": "USE2-", "us-west-2": "USW2-", "eu-west-1": "EU-", "eu-central-1": "EUC1-" };

const ENGINE_NAMES: Readonly<Record<string, string>> = { postgres: "PostgreSQL", mysql: "MySQL", mariadb: "MariaDB" };
const ENGINE_OPERATIONS: Readonly<Record<string, string>> = { postgres: "CreateDBInstance:0014", mysql: "CreateDBInstance:0002", mariadb: "CreateDBInstance:0018" };
const VOLUME_TYPES: Readonly<Record<string, string>> = {
  gp2: "General Purpose",
  gp3: "General Purpose-GP3",
  io1: "Provisioned IOPS",
  io2: "Provisioned IOPS-IO2",
  standard: "Magnetic",
};

const lookup = (table: Readonly<Record<string, string>>, key: string, fallback: string) =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key] : fallback;

function catalogueOf(prices: Readonly<Record<string, number>>): CatalogueProduct[] {
  return Object.entries(prices).flatMap(([key, usd]) => productsOf(key, usd));
}

/** The catalogue products one price-table line stands for. */
function productsOf(key: string, usd: number): CatalogueProduct[] {
  const parts = key.split(" ");
  const [kind, region] = parts;
  if (region === undefined) return [];
  const place = { regionCode: region, location: lookup(REGION_NAMES, region, region), locationType: "AWS Region" };
  const prefix = lookup(USAGE_PREFIXES, region, `${region.toUpperCase()}-`);
  if (kind === "ec2" && parts.length === 3) {
    const instanceType = parts[2];
    const ec2 = (operatingSystem: string, operation: string, price: number): CatalogueProduct =>
      product("AmazonEC2", "Compute Instance", "Hrs", price, `$${price} per On Demand ${operatingSystem} ${instanceType} Instance Hour`, {
        ...place,
        servicecode: "AmazonEC2",
        instanceType,
        operatingSystem,
        tenancy: "Shared",
        preInstalledSw: "NA",
        capacitystatus: "Used",
        licenseModel: "No License required",
        marketoption: "OnDemand",
        usagetype: `${prefix}BoxUsage:${instanceType}`,
        operation,
      });
    // Windows costs more; the Linux filters must leave it out.
    return [ec2("Linux", "RunInstances", usd), ec2("Windows", "RunInstances:0002", round(usd + 0.046))];
  }
  if (kind === "rds" && parts.length === 5) {
    const [, , engine, instanceClass, az] = parts as [string, string, string, string, string];
    const multiAz = az === "multi-az";
    return [
      product("AmazonRDS", "Database Instance", "Hrs", usd, `$${usd} per RDS ${instanceClass} ${multiAz ? "Multi-AZ" : "Single-AZ"} instance hour (or partial hour) running ${engine}`, {
        ...place,
        servicecode: "AmazonRDS",
        instanceType: instanceClass,
        databaseEngine: lookup(ENGINE_NAMES, engine, engine),
        deploymentOption: multiAz ? "Multi-AZ" : "Single-AZ",
        licenseModel: "No license required",
        usagetype: `${prefix}${multiAz ? "Multi-AZUsage" : "InstanceUsage"}:${instanceClass}`,
        operation: lookup(ENGINE_OPERATIONS, engine, "CreateDBInstance"),
      }),
    ];
  }
  if (kind === "rds-storage" && parts.length === 4) {
    const [, , storageType, az] = parts as [string, string, string, string];
    const multiAz = az === "multi-az";
    return [
      product("AmazonRDS", "Database Storage", "GB-Mo", usd, `$${usd} per GB-month of provisioned ${storageType} storage${multiAz ? " for Multi-AZ deployments" : ""}`, {
        ...place,
        servicecode: "AmazonRDS",
        volumeType: lookup(VOLUME_TYPES, storageType, storageType),
        databaseEngine: "Any",
        deploymentOption: multiAz ? "Multi-AZ" : "Single-AZ",
        usagetype: `${prefix}RDS:${multiAz ? "Multi-AZ-" : ""}${storageType.toUpperCase()}-Storage`,
        operation: "CreateDBInstance:0002",
      }),
    ];
  }
  return [];
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

function product(serviceCode: string, productFamily: string, unit: "Hrs" | "GB-Mo", usd: number, description: string, attributes: Record<string, string>): CatalogueProduct {
  const sku = createHash("sha256").update(JSON.stringify(attributes)).digest("hex").slice(0, 16).toUpperCase();
  return { sku, productFamily, serviceCode, attributes, usd, unit, description };
}

/** A PriceList entry as the API sends it: a JSON string. */
function priceListEntry(p: CatalogueProduct): string {
  const offerTermCode = "JRTCKXETXF";
  const rateCode = `${p.sku}.${offerTermCode}.6YS6EN2CT7`;
  return JSON.stringify({
    product: { productFamily: p.productFamily, attributes: p.attributes, sku: p.sku },
    serviceCode: p.serviceCode,
    terms: {
      OnDemand: {
        [`${p.sku}.${offerTermCode}`]: {
          priceDimensions: {
            [rateCode]: {
              unit: p.unit,
              endRange: "Inf",
              description: p.description,
              appliesTo: [],
              rateCode,
              beginRange: "0",
              pricePerUnit: { USD: p.usd.toFixed(10) },
            },
          },
          sku: p.sku,
          effectiveDate: "2025-06-01T00:00:00Z",
          offerTermCode,
          termAttributes: {},
        },
      },
    },
    version: "20250601000000",
    publicationDate: "2025-06-01T00:00:00Z",
  });
}
