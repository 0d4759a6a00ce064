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
  const namespaces = new Map<string, JsonObject>();
  const workloads = new Map<string, JsonObject>(); // `${kind}/${ns}/${name}`
  const requests: RecordedRequest[] = [];
  let faults: Fault[] = [];
  let resourceVersion = 1;
  let terminatingNamespaces = options.terminatingNamespaces ?? false;

  const nextVersion = () => String(++resourceVersion);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://double");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = undefined;
      let bodyError = false;
      if (text !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          bodyError = true;
        }
      }
      const answer = (status: number, payload: unknown) => {
        requests.push({
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
      };
      const fail = (status: number, reason: string, message: string) =>
        answer(status, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, message, code: status });

      const problem = eksTokenProblem(req.headers.authorization);
      if (problem !== undefined) return fail(401, "Unauthorized", problem);

      const fault = faults.find(
        (f) =>
          f.path.test(url.pathname) &&
          (f.method === undefined || f.method === req.method) &&
          (f.withQuery === undefined || url.searchParams.has(f.withQuery)),
      );
      if (fault !== undefined) {
        fault.remaining--;
        if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
        return fail(fault.status, fault.reason, `injected ${fault.reason} for ${req.method} ${url.pathname}`);
      }

      if (bodyError) return fail(400, "BadRequest", "the request body is not JSON");
      if (req.method === "PATCH") {
        const type = req.headers["content-type"] ?? "";
        if (type !== "application/merge-patch+json" && type !== "application/strategic-merge-patch+json") {
          return fail(415, "UnsupportedMediaType", `PATCH needs a merge patch content type, got ${JSON.stringify(type)}`);
        }
        if (!isObject(body)) return fail(400, "BadRequest", "a merge patch must be a JSON object");
      }

      const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
      // /api/v1/namespaces[/{ns}]
      if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "namespaces") {
        if (parts.length === 3 && req.method === "GET") {
          const selected = [...namespaces.values()]
            .filter((ns) => matchesSelector(labelsOf(ns), url.searchParams.get("labelSelector") ?? ""))
            .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
          return answer(200, page("NamespaceList", "v1", selected, url.searchParams));
        }
        if (parts.length === 4) {
          const name = parts[3];
          const ns = namespaces.get(name);
          if (ns === undefined) return fail(404, "NotFound", `namespaces "${name}" not found`);
          if (req.method === "GET") return answer(200, ns);
          if (req.method === "PATCH") {
            const patched = mergePatch(ns, body as JsonObject) as JsonObject;
            (patched.metadata as JsonObject).name = name;
            (patched.metadata as JsonObject).resourceVersion = nextVersion();
            namespaces.set(name, patched);
            return answer(200, patched);
          }
          if (req.method === "DELETE") {
            const meta = ns.metadata as JsonObject;
            if (meta.deletionTimestamp !== undefined) {
              return fail(
                409,
                "Conflict",
                `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`,
              );
            }
            const terminating = { ...ns, metadata: { ...meta, deletionTimestamp: new Date().toISOString() }, status: { phase: "Terminating" } };
            if (terminatingNamespaces) {
              namespaces.set(name, terminating);
            } else {
              namespaces.delete(name);
              for (const key of [...workloads.keys()]) if (key.split("/")[1] === name) workloads.delete(key);
            }
            return answer(200, terminating);
          }
        }
      }
      // /apis/apps/v1/namespaces/{ns}/{kind}[/{name}]
      if (parts[0] === "apis" && parts[1] === "apps" && parts[2] === "v1" && parts[3] === "namespaces") {
        const [ns, kind, name] = [parts[4], parts[5], parts[6]];
        if ((kind === "deployments" || kind === "statefulsets") && parts.length <= 7) {
          const listKind = kind === "deployments" ? "DeploymentList" : "StatefulSetList";
          if (name === undefined && req.method === "GET") {
            const items = [...workloads.entries()]
              .filter(([key]) => key.startsWith(`${kind}/${ns}/`))
              .map(([, w]) => w)
              .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
            return answer(200, page(listKind, "apps/v1", items, url.searchParams));
          }
          if (name !== undefined) {
            const key = `${kind}/${ns}/${name}`;
            const workload = workloads.get(key);
            if (workload === undefined) return fail(404, "NotFound", `${kind}.apps "${name}" not found`);
            if (req.method === "GET") return answer(200, workload);
            if (req.method === "PATCH") {
              const patched = mergePatch(workload, body as JsonObject) as JsonObject;
              (patched.metadata as JsonObject).resourceVersion = nextVersion();
              workloads.set(key, patched);
              return answer(200, patched);
            }
          }
        }
      }
      return fail(404, "NotFound", `the double does not serve ${req.method} ${url.pathname}`);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addNamespace(name, meta = {}) {
      namespaces.set(name, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { ...meta.labels }, annotations: { ...meta.annotations }, resourceVersion: nextVersion() },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
      });
    },
    addWorkload(kind, namespace, name, spec) {
      workloads.set(`${kind}/${namespace}/${name}`, {
        apiVersion: "apps/v1",
        kind: kind === "deployments" ? "Deployment" : "StatefulSet",
        metadata: { name, namespace, annotations: { ...spec.annotations }, resourceVersion: nextVersion() },
        spec: { replicas: spec.replicas ?? 1 },
      });
    },
    namespace: (name) => clone(namespaces.get(name)),
    workload: (kind, namespace, name) => clone(workloads.get(`${kind}/${namespace}/${name}`)),
    failNext(match, status, reason, times = 1) {
      faults.push({ ...match, status, reason, remaining: times });
    },
    setTerminatingNamespaces(on) {
      terminatingNamespaces = on;
    },
    reset() {
      terminatingNamespaces = options.terminatingNamespaces ?? false;
      namespaces.clear();
      workloads.clear();
      requests.length = 0;
      faults = [];
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
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
