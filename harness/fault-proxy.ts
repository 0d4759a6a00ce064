import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "./emulator";

/**
 * A proxy in front of the emulator that fails a share of the requests the way AWS does:
 * each service's own throttling error, 500 and 503 answers, answers lost after the
 * emulator carried the request out, and connections reset before it got there. The
 * faults are drawn from a seeded generator, so a run is repeatable up to the order in
 * which concurrent requests arrive. It also counts every request by service and action.
 */

export type FaultKind = "throttle" | "server-error" | "unavailable" | "lost-answer" | "reset";

/** The share (0 to 1) of requests that get each fault; they add up to the total fault rate. */
export type FaultRates = Readonly<Partial<Record<FaultKind, number>>>;

export interface FaultProxyOptions {
  /** The emulator's endpoint, `http://127.0.0.1:<port>`. */
  readonly target: string;
  /** @default 1 */
  readonly seed?: number;
  /** @default no faults (a counting proxy) */
  readonly rates?: FaultRates;
}

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  readonly service: string;
  readonly action: string;
  readonly fault?: FaultKind;
  /** The request body, for requests that got a fault (to tell which resource it was about). */
  readonly body?: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point AWS_ENDPOINT_URL (or a client's endpoint) here. */
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  /** Changes the rates from the next request on. */
  setRates(rates: FaultRates): void;
  /** Gives the next `times` requests this fault, before any drawn by the rates. */
  inject(fault: FaultKind, times?: number): void;
  /** A fault for every request the rule picks (an outage of one thing), before any other; `undefined` ends it. */
  failWhen(rule: FaultRule | undefined): void;
  /** `service:Action` → requests, from `since` (an index into `requests`). */
  countByAction(since?: number): Map<string, number>;
  stop(): Promise<void>;
}

/**
 * The emulator as seen through a proxy: the same emulator, its endpoint (for the SDK,
 * the CLI and a Terraform workspace's provider alike) the proxy's, so every request can be
 * counted (`countByAction`) or failed.
 */
export function emulatorThrough(proxy: Pick<FaultProxy, "url">, emulator: Emulator): Emulator {
  return {
    ...emulator,
    endpoint: proxy.url,
    clientConfig: () => ({ ...emulator.clientConfig(), endpoint: proxy.url }),
    env: () => ({ ...emulator.env(), AWS_ENDPOINT_URL: proxy.url }),
  };
}

/** Picks the requests of an outage: `(r) => r.service === "s3" && r.path.startsWith("/audit-bucket/") ? "unavailable" : undefined`. */
export type FaultRule = (request: { readonly service: string; readonly action: string; readonly path: string }) => FaultKind | undefined;

/** Splits every share of a total: `faultRates(0.2)` is 20 % of requests, spread over the five kinds. */
export function faultRates(total: number): FaultRates {
  return { throttle: total * 0.4, "server-error": total * 0.15, unavailable: total * 0.15, "lost-answer": total * 0.15, reset: total * 0.15 };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const state: ProxyState = {
    target: new URL(options.target),
    random: mulberry32(options.seed ?? 1),
    rates: options.rates ?? {},
    requests: [],
    queued: [],
    rule: undefined,
    agent: new http.Agent({ keepAlive: true }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => proxyRequest(state, req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return proxyOver(state, server, `http://127.0.0.1:${port}`);
}

/** What the proxy holds between requests. */
interface ProxyState {
  readonly target: URL;
  readonly random: () => number;
  rates: FaultRates;
  readonly requests: ProxiedRequest[];
  readonly queued: FaultKind[];
  rule: FaultRule | undefined;
  readonly agent: http.Agent;
}

/** The proxy's API for tests, over its state and server. */
function proxyOver(state: ProxyState, server: http.Server, url: string): FaultProxy {
  const { requests, queued, agent } = state;
  return {
    url,
    requests,
    setRates: (next) => {
      state.rates = next;
    },
    inject: (fault, times = 1) => {
      for (let i = 0; i < times; i++) queued.push(fault);
    },
    failWhen: (next) => {
      state.rule = next;
    },
    countByAction: (since = 0) => {
      const counts = new Map<string, number>();
      for (const r of requests.slice(since)) counts.set(`${r.service}:${r.action}`, (counts.get(`${r.service}:${r.action}`) ?? 0) + 1);
      return counts;
    },
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Records a request whose body has been read, then resets it, answers with an error, or forwards it to the emulator. */
function proxyRequest(state: ProxyState, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const { service, fault } = recordRequest(state, req, body);
  if (fault === "reset") {
    req.socket.destroy();
    return;
  }
  if (fault === "throttle" || fault === "server-error" || fault === "unavailable") {
    const answer = errorAnswer(service, fault, state.requests.length, req.method === "HEAD");
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return;
  }
  forward(state, req, res, body, fault === "lost-answer");
}

/** The request's service and its fault (the rule's, else the next injected one, else the one drawn), recorded. */
function recordRequest(state: ProxyState, req: http.IncomingMessage, body: Buffer): { service: string; fault: FaultKind | undefined } {
  const service = serviceOf(req);
  const action = actionOf(service, req, body);
  const drawn = draw(state.random(), state.rates);
  const ruled = state.rule?.({ service, action, path: new URL(req.url ?? "/", "http://proxy").pathname });
  const fault = ruled ?? state.queued.shift() ?? drawn;
  state.requests.push({ service, action, ...(fault === undefined ? {} : { fault, body: body.toString("utf8").slice(0, 2_000) }) });
  return { service, fault };
}

/** Passes the request on to the emulator and its answer back; a lost answer is carried out, then never arrives. */
function forward(state: ProxyState, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, loseAnswer: boolean): void {
  const upstream = http.request(
    { host: state.target.hostname, port: state.target.port, method: req.method, path: req.url, headers: req.headers, agent: state.agent },
    (answer) => {
      const parts: Buffer[] = [];
      answer.on("data", (c: Buffer) => parts.push(c));
      answer.on("end", () => {
        // Carried out, and the answer never arrives.
        if (loseAnswer) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(parts));
      });
    },
  );
  upstream.on("error", (err) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(`fault proxy: the emulator did not answer (${err.message})`);
  });
  upstream.end(body);
}

function draw(x: number, rates: FaultRates): FaultKind | undefined {
  let edge = 0;
  for (const kind of ["throttle", "server-error", "unavailable", "lost-answer", "reset"] as const) {
    edge += rates[kind] ?? 0;
    if (x < edge) return kind;
  }
  return undefined;
}

/** A small, fast, seedable generator (Mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The signing name in the SigV4 credential scope: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function serviceOf(req: http.IncomingMessage): string {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? "");
  return scope?.[1] ?? "unknown";
}

const QUERY_PROTOCOL = new Set(["rds", "iam", "sts", "sns", "autoscaling", "cloudformation", "elasticloadbalancing"]);
const JSON_ERRORS = new Set(["budgets", "ce", "tagging", "secretsmanager", "eks", "scheduler", "lambda", "sqs", "logs", "kms", "events"]);

function actionOf(service: string, req: http.IncomingMessage, body: Buffer): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.slice(target.lastIndexOf(".") + 1);
  const url = new URL(req.url ?? "/", "http://proxy");
  const form = new URLSearchParams(req.headers["content-type"]?.includes("x-www-form-urlencoded") ? body.toString("utf8") : "");
  const queryAction = url.searchParams.get("Action") ?? form.get("Action");
  if (queryAction !== null) return queryAction;
  const method = req.method ?? "GET";
  if (service === "s3") return s3Action(method, url);
  const segments = url.pathname.split("/").filter((s) => s !== "");
  return REST_ACTIONS[service]?.(method, segments) ?? `${method} /${segments.map((s) => (/^[a-z-]+$/.test(s) ? s : "{}")).join("/")}`;
}

const REST_ACTIONS: Record<string, (method: string, s: string[]) => string | undefined> = {
  eks: (m, s) => {
    if (s[0] === "tags") return m === "GET" ? "ListTagsForResource" : m === "POST" ? "TagResource" : "UntagResource";
    if (s[0] !== "clusters") return undefined;
    if (s.length === 1) return m === "GET" ? "ListClusters" : "CreateCluster";
    if (s.length === 2) return m === "GET" ? "DescribeCluster" : m === "DELETE" ? "DeleteCluster" : undefined;
    if (s[2] === "node-groups") {
      if (s.length === 3) return m === "GET" ? "ListNodegroups" : "CreateNodegroup";
      if (s.length === 4) return m === "GET" ? "DescribeNodegroup" : m === "DELETE" ? "DeleteNodegroup" : undefined;
      if (s[4] === "update-config") return "UpdateNodegroupConfig";
    }
    return undefined;
  },
  scheduler: (m, s) => {
    if (s[0] === "tags") return m === "GET" ? "ListTagsForResource" : m === "POST" ? "TagResource" : "UntagResource";
    const noun = s[0] === "schedules" ? "Schedule" : s[0] === "schedule-groups" ? "ScheduleGroup" : undefined;
    if (noun === undefined) return undefined;
    if (s.length === 1) return `List${noun}s`;
    return { GET: `Get${noun}`, DELETE: `Delete${noun}`, PUT: `Update${noun}`, POST: `Create${noun}` }[m];
  },
};

function s3Action(method: string, url: URL): string {
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const onObject = segments.length > 1;
  const q = url.searchParams;
  if (q.has("tagging")) return `${method === "GET" ? "Get" : method === "PUT" ? "Put" : "Delete"}${onObject ? "Object" : "Bucket"}Tagging`;
  if (q.has("versions")) return "ListObjectVersions";
  if (q.has("uploads")) return "ListMultipartUploads";
  if (q.has("object-lock")) return "GetObjectLockConfiguration";
  if (q.has("delete")) return "DeleteObjects";
  if (q.get("list-type") === "2") return "ListObjectsV2";
  if (segments.length === 0) return "ListBuckets";
  const noun = onObject ? "Object" : "Bucket";
  return { GET: onObject ? "GetObject" : "ListObjects", PUT: `Put${noun}`.replace("PutBucket", "CreateBucket"), DELETE: `Delete${noun}`, HEAD: `Head${noun}`, POST: `Post${noun}` }[method] ?? method;
}

/** The error each service answers with, in its own protocol. */
function errorAnswer(service: string, fault: "throttle" | "server-error" | "unavailable", n: number, head: boolean): { status: number; headers: http.OutgoingHttpHeaders; body: string } {
  const requestId = `fault-${n}`;
  const xml = (status: number, text: string) => ({ status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId, "x-amz-request-id": requestId }, body: head ? "" : text });
  if (service === "s3") {
    const [status, code, message] =
      fault === "throttle" ? [503, "SlowDown", "Please reduce your request rate."] : fault === "server-error" ? [500, "InternalError", "We encountered an internal error. Please try again."] : [503, "ServiceUnavailable", "Service is unable to handle request."];
    return xml(status, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`);
  }
  if (service === "ec2") {
    const [status, code, message] =
      fault === "throttle" ? [503, "RequestLimitExceeded", "Request limit exceeded."] : fault === "server-error" ? [500, "InternalError", "An internal error has occurred."] : [503, "Unavailable", "The server is overloaded and can't handle the request."];
    return xml(status, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
  }
  if (QUERY_PROTOCOL.has(service) || !JSON_ERRORS.has(service)) {
    const [status, type, code, message] =
      fault === "throttle" ? [400, "Sender", "Throttling", "Rate exceeded"] : fault === "server-error" ? [500, "Receiver", "InternalFailure", "An internal error occurred."] : [503, "Receiver", "ServiceUnavailable", "Service unavailable."];
    return xml(status, `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
  }
  const [status, code, message] =
    fault === "throttle" ? [429, "ThrottlingException", "Rate exceeded"] : fault === "server-error" ? [500, "InternalServerException", "An internal error occurred."] : [503, "ServiceUnavailableException", "Service unavailable."];
  return {
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code, "x-amzn-requestid": requestId },
    body: head ? "" : JSON.stringify({ __type: code, message }),
  };
}
