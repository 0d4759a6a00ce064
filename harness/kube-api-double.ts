/**
 * A TEST DOUBLE of the Kubernetes API, not an API server.
 *
 * No Kubernetes API server can run on the machines these tests run on, so the
 * reaper's Kubernetes calls are checked against this small node:http server on a
 * free loopback port. It implements only the paths the reaper uses, with the
 * behaviour the reaper relies on:
 *
 *   GET    /api/v1/namespaces?labelSelector=...&limit=...&continue=...
 *   GET    /api/v1/namespaces/{ns}
 *   PATCH  /api/v1/namespaces/{ns}                              (JSON merge patch)
 *   DELETE /api/v1/namespaces/{ns}                              (409 Conflict while already terminating)
 *   GET    /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}
 *   PATCH  /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}   (JSON merge patch)
 *
 * and, for what an environment's apply creates (harness/kube-apply.ts):
 *
 *   POST   /api/v1/namespaces                                   (adds the kubernetes.io/metadata.name label)
 *   GET|POST /apis/node.k8s.io/v1/runtimeclasses, GET|DELETE .../{name}
 *   GET|POST /apis/admissionregistration.k8s.io/v1/{validatingadmissionpolicies|validatingadmissionpolicybindings}, GET|DELETE .../{name}
 *   POST   /api/v1/namespaces/{ns}/pods, GET .../{name}
 *   POST   /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}
 *
 * Creating a pod or a workload runs the two admission steps sandboxing relies on: the
 * RuntimeClass admission plugin (an unknown class is refused; the class's overhead and
 * scheduling are copied into a pod) and every ValidatingAdmissionPolicy bound by a
 * binding the double holds (harness/validating-admission.ts, denials as the API server
 * words them).
 *
 * Errors are Kubernetes `Status` objects (`reason`, `code`, `message`) and every
 * answer has an `Audit-Id` header. Every request must carry an EKS bearer token of
 * the right *shape* (see {@link eksTokenProblem}); the signature itself is not
 * verified (that is STS's job on a real cluster). Admission, RBAC, resourceVersion
 * conflicts, field validation, finalizers and controllers are not modelled: a
 * scaled workload has no pods to stop, and a deleted namespace is gone at once
 * unless `terminatingNamespaces` is set.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { admitByRuntimeClass, admitByPolicies, CLUSTER_RESOURCES, type ClusterResource } from "./kube-api-double-admission";

export type WorkloadKind = "deployments" | "statefulsets";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One request as the double received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly body?: unknown;
  readonly authorization?: string;
  /** The HTTP status the double answered. */
  readonly status: number;
}

export interface KubeApiDoubleOptions {
  /**
   * Keep a deleted namespace in phase `Terminating` (as a real cluster does while it
   * empties it) instead of removing it at once.
   * @default false
   */
  readonly terminatingNamespaces?: boolean;
}

interface Fault {
  readonly method?: string;
  readonly path: RegExp;
  readonly withQuery?: string;
  readonly status: number;
  readonly reason: string;
  remaining: number;
}

export interface KubeApiDouble {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  addNamespace(name: string, meta?: { labels?: Record<string, string>; annotations?: Record<string, string> }): void;
  addWorkload(kind: WorkloadKind, namespace: string, name: string, spec: { replicas?: number; annotations?: Record<string, string> }): void;
  /** A copy of the namespace object, or undefined when there is none. */
  namespace(name: string): JsonObject | undefined;
  workload(kind: WorkloadKind, namespace: string, name: string): JsonObject | undefined;
  /** A cluster-scoped object (RuntimeClass, admission policy or binding), or undefined. */
  clusterObject(resource: ClusterResource, name: string): JsonObject | undefined;
  /** The names of the cluster-scoped objects of one resource, sorted. */
  clusterObjectNames(resource: ClusterResource): string[];
  pod(namespace: string, name: string): JsonObject | undefined;
  /**
   * Answers the next `times` matching requests with an error Status instead of serving
   * them; `withQuery` matches only requests carrying that query parameter (`continue`:
   * a list's second and later pages).
   */
  failNext(match: { method?: string; path: RegExp; withQuery?: string }, status: number, reason: string, times?: number): void;
  /** Switches {@link KubeApiDoubleOptions.terminatingNamespaces} for the rest of the test. */
  setTerminatingNamespaces(on: boolean): void;
  /** Forgets all objects, recorded requests and faults, and restores the options. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startKubeApiDouble(options: KubeApiDoubleOptions = {}): Promise<KubeApiDouble> {
  const state = emptyState(options);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => serve(state, req, res, Buffer.concat(chunks).toString("utf8")));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return doubleOver(state, options, server, `http://127.0.0.1:${port}`);
}

/** What the double holds between requests. */
interface DoubleState {
  readonly namespaces: Map<string, JsonObject>;
  readonly workloads: Map<string, JsonObject>; // `${kind}/${ns}/${name}`
  readonly clusterObjects: Map<string, JsonObject>; // `${resource}/${name}`
  readonly pods: Map<string, JsonObject>; // `${ns}/${name}`
  readonly requests: RecordedRequest[];
  faults: Fault[];
  resourceVersion: number;
  terminatingNamespaces: boolean;
}

function emptyState(options: KubeApiDoubleOptions): DoubleState {
  return {
    namespaces: new Map(),
    workloads: new Map(),
    clusterObjects: new Map(),
    pods: new Map(),
    requests: [],
    faults: [],
    resourceVersion: 1,
    terminatingNamespaces: options.terminatingNamespaces ?? false,
  };
}

function nextVersion(state: DoubleState): string {
  return String(++state.resourceVersion);
}

/** The double's API for tests, over its state and server. */
function doubleOver(state: DoubleState, options: KubeApiDoubleOptions, server: http.Server, url: string): KubeApiDouble {
  const { namespaces, workloads, requests } = state;
  return {
    url,
    requests,
    addNamespace(name, meta = {}) {
      namespaces.set(name, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { ...meta.labels }, annotations: { ...meta.annotations }, resourceVersion: nextVersion(state) },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
      });
    },
    addWorkload(kind, namespace, name, spec) {
      workloads.set(`${kind}/${namespace}/${name}`, {
        apiVersion: "apps/v1",
        kind: kind === "deployments" ? "Deployment" : "StatefulSet",
        metadata: { name, namespace, annotations: { ...spec.annotations }, resourceVersion: nextVersion(state) },
        spec: { replicas: spec.replicas ?? 1 },
      });
    },
    namespace: (name) => clone(namespaces.get(name)),
    workload: (kind, namespace, name) => clone(workloads.get(`${kind}/${namespace}/${name}`)),
    clusterObject: (resource, name) => clone(state.clusterObjects.get(`${resource}/${name}`)),
    clusterObjectNames: (resource) =>
      [...state.clusterObjects.keys()].filter((key) => key.startsWith(`${resource}/`)).map((key) => key.slice(resource.length + 1)).sort(),
    pod: (namespace, name) => clone(state.pods.get(`${namespace}/${name}`)),
    failNext(match, status, reason, times = 1) {
      state.faults.push({ ...match, status, reason, remaining: times });
    },
    setTerminatingNamespaces(on) {
      state.terminatingNamespaces = on;
    },
    reset() {
      state.terminatingNamespaces = options.terminatingNamespaces ?? false;
      namespaces.clear();
      workloads.clear();
      state.clusterObjects.clear();
      state.pods.clear();
      requests.length = 0;
      state.faults = [];
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** One request being served: what it asks, and how to answer it (each answer is recorded). Both answers return true: served. */
interface Exchange {
  readonly method: string | undefined;
  readonly url: URL;
  readonly body: unknown;
  answer(status: number, payload: unknown): true;
  /** Answers with a Kubernetes `Status` object. */
  fail(status: number, reason: string, message: string): true;
}

/** Why a request is refused before it is routed: status, reason, message. */
type Refusal = readonly [status: number, reason: string, message: string];

/** Serves one request whose body has been read. */
function serve(state: DoubleState, req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
  const url = new URL(req.url ?? "/", "http://double");
  const { body, bodyError } = parseBody(text);
  const exchange = exchangeOf(state, req, res, url, body);
  const refusal = refusalOf(state, req, url, body, bodyError);
  if (refusal !== undefined) {
    exchange.fail(...refusal);
    return;
  }
  const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  if (serveNamespaces(state, exchange, parts) || serveWorkloads(state, exchange, parts)) return;
  if (serveClusterObjects(state, exchange, parts) || servePods(state, exchange, parts)) return;
  exchange.fail(404, "NotFound", `the double does not serve ${req.method} ${url.pathname}`);
}

function parseBody(text: string): { body: unknown; bodyError: boolean } {
  if (text === "") return { body: undefined, bodyError: false };
  try {
    return { body: JSON.parse(text), bodyError: false };
  } catch {
    return { body: undefined, bodyError: true };
  }
}

function exchangeOf(state: DoubleState, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: unknown): Exchange {
  const answer = (status: number, payload: unknown): true => {
    state.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(req.headers["content-type"] === undefined ? {} : { contentType: req.headers["content-type"] }),
      ...(body === undefined ? {} : { body }),
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
      status,
    });
    res.writeHead(status, { "content-type": "application/json", "audit-id": randomUUID() });
    res.end(JSON.stringify(payload));
    return true;
  };
  const fail = (status: number, reason: string, message: string) =>
    answer(status, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, message, code: status });
  return { method: req.method, url, body, answer, fail };
}

/** In this order: no EKS token, an injected fault (used up), a body that is not JSON, a PATCH that is not a merge patch. */
function refusalOf(state: DoubleState, req: http.IncomingMessage, url: URL, body: unknown, bodyError: boolean): Refusal | undefined {
  const problem = eksTokenProblem(req.headers.authorization);
  if (problem !== undefined) return [401, "Unauthorized", problem];
  const fault = takeFault(state, req.method, url);
  if (fault !== undefined) return [fault.status, fault.reason, `injected ${fault.reason} for ${req.method} ${url.pathname}`];
  if (bodyError) return [400, "BadRequest", "the request body is not JSON"];
  if (req.method === "PATCH") return mergePatchProblem(req.headers["content-type"], body);
  return undefined;
}

/** The first injected fault that matches the request, counted down (and forgotten once used up). */
function takeFault(state: DoubleState, method: string | undefined, url: URL): Fault | undefined {
  const fault = state.faults.find(
    (f) =>
      f.path.test(url.pathname) &&
      (f.method === undefined || f.method === method) &&
      (f.withQuery === undefined || url.searchParams.has(f.withQuery)),
  );
  if (fault !== undefined) {
    fault.remaining--;
    if (fault.remaining <= 0) state.faults = state.faults.filter((f) => f !== fault);
  }
  return fault;
}

function mergePatchProblem(contentType: string | undefined, body: unknown): Refusal | undefined {
  const type = contentType ?? "";
  if (type !== "application/merge-patch+json" && type !== "application/strategic-merge-patch+json") {
    return [415, "UnsupportedMediaType", `PATCH needs a merge patch content type, got ${JSON.stringify(type)}`];
  }
  if (!isObject(body)) return [400, "BadRequest", "a merge patch must be a JSON object"];
  return undefined;
}

/** /api/v1/namespaces[/{ns}]: false when the request is not one of these. */
function serveNamespaces(state: DoubleState, ex: Exchange, parts: readonly string[]): boolean {
  if (parts[0] !== "api" || parts[1] !== "v1" || parts[2] !== "namespaces") return false;
  if (parts.length === 3 && ex.method === "GET") {
    const selected = [...state.namespaces.values()]
      .filter((ns) => matchesSelector(labelsOf(ns), ex.url.searchParams.get("labelSelector") ?? ""))
      .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    return ex.answer(200, page("NamespaceList", "v1", selected, ex.url.searchParams));
  }
  if (parts.length === 3 && ex.method === "POST") return createNamespace(state, ex);
  if (parts.length !== 4) return false;
  const name = parts[3];
  const ns = state.namespaces.get(name);
  if (ns === undefined) return ex.fail(404, "NotFound", `namespaces "${name}" not found`);
  if (ex.method === "GET") return ex.answer(200, ns);
  if (ex.method === "PATCH") {
    const patched = mergePatch(ns, ex.body as JsonObject) as JsonObject;
    (patched.metadata as JsonObject).name = name;
    (patched.metadata as JsonObject).resourceVersion = nextVersion(state);
    state.namespaces.set(name, patched);
    return ex.answer(200, patched);
  }
  if (ex.method === "DELETE") return deleteNamespace(state, ex, name, ns);
  return false;
}

/** 409 while the namespace is terminating; else it turns Terminating, or is removed with its workloads at once. */
function deleteNamespace(state: DoubleState, ex: Exchange, name: string, ns: JsonObject): true {
  const meta = ns.metadata as JsonObject;
  if (meta.deletionTimestamp !== undefined) {
    return ex.fail(
      409,
      "Conflict",
      `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`,
    );
  }
  const terminating = { ...ns, metadata: { ...meta, deletionTimestamp: new Date().toISOString() }, status: { phase: "Terminating" } };
  if (state.terminatingNamespaces) {
    state.namespaces.set(name, terminating);
  } else {
    state.namespaces.delete(name);
    for (const key of [...state.workloads.keys()]) if (key.split("/")[1] === name) state.workloads.delete(key);
    for (const key of [...state.pods.keys()]) if (key.split("/")[0] === name) state.pods.delete(key);
  }
  return ex.answer(200, terminating);
}

/** /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}[/{name}]: false when the request is not one of these. */
function serveWorkloads(state: DoubleState, ex: Exchange, parts: readonly string[]): boolean {
  if (parts[0] !== "apis" || parts[1] !== "apps" || parts[2] !== "v1" || parts[3] !== "namespaces") return false;
  const [ns, kind, name] = [parts[4], parts[5], parts[6]];
  if ((kind !== "deployments" && kind !== "statefulsets") || parts.length > 7) return false;
  if (name === undefined) {
    if (ex.method === "POST") return createWorkload(state, ex, ns!, kind);
    if (ex.method !== "GET") return false;
    const items = [...state.workloads.entries()]
      .filter(([key]) => key.startsWith(`${kind}/${ns}/`))
      .map(([, w]) => w)
      .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    return ex.answer(200, page(kind === "deployments" ? "DeploymentList" : "StatefulSetList", "apps/v1", items, ex.url.searchParams));
  }
  const key = `${kind}/${ns}/${name}`;
  const workload = state.workloads.get(key);
  if (workload === undefined) return ex.fail(404, "NotFound", `${kind}.apps "${name}" not found`);
  if (ex.method === "GET") return ex.answer(200, workload);
  if (ex.method !== "PATCH") return false;
  const patched = mergePatch(workload, ex.body as JsonObject) as JsonObject;
  (patched.metadata as JsonObject).resourceVersion = nextVersion(state);
  state.workloads.set(key, patched);
  return ex.answer(200, patched);
}

/** POST /api/v1/namespaces: 409 when it exists; the API server's own label added. */
function createNamespace(state: DoubleState, ex: Exchange): true {
  const body = ex.body as JsonObject;
  const meta = (isObject(body?.metadata) ? body.metadata : {}) as JsonObject;
  const name = typeof meta.name === "string" ? meta.name : "";
  if (name === "") return ex.fail(422, "Invalid", "Namespace is invalid: metadata.name: Required value");
  if (state.namespaces.has(name)) return ex.fail(409, "AlreadyExists", `namespaces "${name}" already exists`);
  const labels = { ...((meta.labels ?? {}) as JsonObject), "kubernetes.io/metadata.name": name };
  const ns: JsonObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { ...meta, name, labels, resourceVersion: nextVersion(state) },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
  state.namespaces.set(name, ns);
  return ex.answer(201, ns);
}

/** The cluster-scoped collections CLUSTER_RESOURCES names: list, create (409 when it exists), get, delete. */
function serveClusterObjects(state: DoubleState, ex: Exchange, parts: readonly string[]): boolean {
  if (parts[0] !== "apis" || parts.length < 4 || parts.length > 5 || !Object.hasOwn(CLUSTER_RESOURCES, parts[3]!)) return false;
  const resource = parts[3] as ClusterResource;
  const { apiVersion, kind } = CLUSTER_RESOURCES[resource];
  if (apiVersion !== `${parts[1]}/${parts[2]}`) return false;
  const name = parts[4];
  if (name === undefined) {
    if (ex.method === "GET") {
      const items = [...state.clusterObjects.entries()].filter(([key]) => key.startsWith(`${resource}/`)).map(([, o]) => o);
      return ex.answer(200, page(`${kind}List`, apiVersion, items, ex.url.searchParams));
    }
    if (ex.method !== "POST") return false;
    const body = ex.body as JsonObject;
    const created = String((body?.metadata as JsonObject | undefined)?.name ?? "");
    if (body?.kind !== kind || created === "") return ex.fail(422, "Invalid", `a ${kind} with a metadata.name is required`);
    if (state.clusterObjects.has(`${resource}/${created}`)) return ex.fail(409, "AlreadyExists", `${resource}.${apiVersion.split("/")[0]} "${created}" already exists`);
    const object = { ...body, metadata: { ...(body.metadata as JsonObject), resourceVersion: nextVersion(state) } };
    state.clusterObjects.set(`${resource}/${created}`, object);
    return ex.answer(201, object);
  }
  const object = state.clusterObjects.get(`${resource}/${name}`);
  if (object === undefined) return ex.fail(404, "NotFound", `${resource}.${apiVersion.split("/")[0]} "${name}" not found`);
  if (ex.method === "GET") return ex.answer(200, object);
  if (ex.method !== "DELETE") return false;
  state.clusterObjects.delete(`${resource}/${name}`);
  return ex.answer(200, object);
}

/** POST /api/v1/namespaces/{ns}/pods (through admission) and GET .../{name}. */
function servePods(state: DoubleState, ex: Exchange, parts: readonly string[]): boolean {
  if (parts[0] !== "api" || parts[1] !== "v1" || parts[2] !== "namespaces" || parts[4] !== "pods" || parts.length > 6) return false;
  const [ns, name] = [parts[3]!, parts[5]];
  if (name !== undefined) {
    const pod = state.pods.get(`${ns}/${name}`);
    if (ex.method !== "GET") return false;
    return pod === undefined ? ex.fail(404, "NotFound", `pods "${name}" not found`) : ex.answer(200, pod);
  }
  if (ex.method !== "POST") return false;
  const namespace = state.namespaces.get(ns);
  if (namespace === undefined) return ex.fail(404, "NotFound", `namespaces "${ns}" not found`);
  const submitted = { ...(ex.body as JsonObject), metadata: { ...((ex.body as JsonObject).metadata as JsonObject), namespace: ns } };
  const byClass = admitByRuntimeClass(submitted, (className) => state.clusterObjects.get(`runtimeclasses/${className}`));
  if (!byClass.ok) return ex.fail(403, "Forbidden", byClass.message);
  const denied = admitByPolicies([...state.clusterObjects.values()], { operation: "CREATE", resource: { group: "", version: "v1", resource: "pods" }, object: byClass.object, namespaceObject: namespace });
  if (denied !== undefined) return ex.fail(denied.code, denied.reason, denied.message);
  const podName = String((byClass.object.metadata as JsonObject).name);
  const pod = { ...byClass.object, metadata: { ...(byClass.object.metadata as JsonObject), resourceVersion: nextVersion(state) } };
  state.pods.set(`${ns}/${podName}`, pod);
  return ex.answer(201, pod);
}

/** POST of a Deployment or StatefulSet, through the admission policies. */
function createWorkload(state: DoubleState, ex: Exchange, ns: string, kind: WorkloadKind): true {
  const namespace = state.namespaces.get(ns);
  if (namespace === undefined) return ex.fail(404, "NotFound", `namespaces "${ns}" not found`);
  const body = { ...(ex.body as JsonObject), metadata: { ...((ex.body as JsonObject).metadata as JsonObject), namespace: ns } };
  const denied = admitByPolicies([...state.clusterObjects.values()], { operation: "CREATE", resource: { group: "apps", version: "v1", resource: kind }, object: body, namespaceObject: namespace });
  if (denied !== undefined) return ex.fail(denied.code, denied.reason, denied.message);
  const name = String((body.metadata as JsonObject).name);
  const workload = { ...body, metadata: { ...(body.metadata as JsonObject), resourceVersion: nextVersion(state) } };
  state.workloads.set(`${kind}/${ns}/${name}`, workload);
  return ex.answer(201, workload);
}

/**
 * Why an Authorization header is not an EKS bearer token, or undefined when it has
 * the shape `aws eks get-token` produces: `Bearer k8s-aws-v1.` + base64url (no
 * padding) of an https STS GetCallerIdentity URL presigned with SigV4, whose signed
 * headers include `x-k8s-aws-id` (the cluster name). Shape only: no signature check.
 */
export function eksTokenProblem(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return "no Authorization header";
  const match = /^Bearer k8s-aws-v1\.([A-Za-z0-9_-]+)$/.exec(authorization);
  if (match === null) return "the Authorization header is not `Bearer k8s-aws-v1.<base64url without padding>`";
  let url: URL;
  try {
    url = new URL(Buffer.from(match[1], "base64url").toString("utf8"));
  } catch {
    return "the token does not decode to a URL";
  }
  const q = url.searchParams;
  if (url.protocol !== "https:") return "the token's URL is not https";
  if (!/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname)) return `the token's URL is not STS: ${url.hostname}`;
  if (url.pathname !== "/") return "the token's URL path is not /";
  if (q.get("Action") !== "GetCallerIdentity" || q.get("Version") !== "2011-06-15") return "the token is not for GetCallerIdentity";
  if (q.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") return "the token is not SigV4-presigned";
  if (!/^[^/]+\/\d{8}\/[a-z0-9-]+\/sts\/aws4_request$/.test(q.get("X-Amz-Credential") ?? "")) return "the token has no STS credential scope";
  if (!/^\d{8}T\d{6}Z$/.test(q.get("X-Amz-Date") ?? "")) return "the token has no X-Amz-Date";
  const expires = Number(q.get("X-Amz-Expires"));
  if (!Number.isInteger(expires) || expires < 1 || expires > 900) return "the token's X-Amz-Expires is not 1..900";
  const signed = (q.get("X-Amz-SignedHeaders") ?? "").split(";");
  if (!signed.includes("host") || !signed.includes("x-k8s-aws-id")) return "the token's signed headers lack host or x-k8s-aws-id";
  if (!/^[0-9a-f]{64}$/.test(q.get("X-Amz-Signature") ?? "")) return "the token has no X-Amz-Signature";
  return undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function nameOf(object: JsonObject): string {
  return String((object.metadata as JsonObject).name);
}

function labelsOf(object: JsonObject): Record<string, string> {
  return ((object.metadata as JsonObject).labels ?? {}) as Record<string, string>;
}

/** Equality-based selectors: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated (all must hold). */
function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  return selector
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .every((term) => {
      const not = /^(.+?)!=(.*)$/.exec(term);
      if (not) return labels[not[1]] !== not[2];
      const eq = /^(.+?)==?(.*)$/.exec(term);
      if (eq) return labels[eq[1]] === eq[2];
      if (term.startsWith("!")) return labels[term.slice(1)] === undefined;
      return labels[term] !== undefined;
    });
}

/** A list object, paged by `limit` with an opaque `continue` token (the next offset). */
function page(kind: string, apiVersion: string, items: JsonObject[], params: URLSearchParams): JsonObject {
  const limit = Number(params.get("limit") ?? "0");
  const start = params.has("continue") ? Number(Buffer.from(params.get("continue") ?? "", "base64url").toString()) : 0;
  const end = limit > 0 ? start + limit : items.length;
  const metadata: JsonObject = { resourceVersion: "1" };
  if (end < items.length) metadata.continue = Buffer.from(String(end)).toString("base64url");
  return { kind, apiVersion, metadata, items: items.slice(start, end) };
}

function clone(object: JsonObject | undefined): JsonObject | undefined {
  return object === undefined ? undefined : (JSON.parse(JSON.stringify(object)) as JsonObject);
}

/** Jest helper: one double per test file, emptied before each test, stopped after the file. */
export function useKubeApiDouble(options: KubeApiDoubleOptions = {}): () => KubeApiDouble {
  let double: KubeApiDouble | undefined;
  beforeAll(async () => {
    double = await startKubeApiDouble(options);
  });
  beforeEach(() => double?.reset());
  afterAll(async () => {
    await double?.stop();
  });
  return () => {
    if (!double) throw new Error("the Kubernetes API double is not running: call useKubeApiDouble() at the top of the test file");
    return double;
  };
}
