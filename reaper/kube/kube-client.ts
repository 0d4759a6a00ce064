import * as http from "node:http";
import * as https from "node:https";
import { KubeApiError } from "./kube-api-error";

/** The parts of a Kubernetes object the reaper reads and writes. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly resourceVersion?: string;
    readonly deletionTimestamp?: string;
  };
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly phase?: string };
}

/** The workload kinds pause scales to zero. */
export type WorkloadResource = "deployments" | "statefulsets";

/** An RFC 7386 JSON merge patch: `null` removes a key. */
export type MergePatch = { readonly [key: string]: MergePatch | string | number | boolean | null };

export interface KubeClientOptions {
  /**
   * The API server's base URL: `https://...` for a cluster. Plain `http://` is accepted
   * only to a loopback address (`127.0.0.1`, `::1`, `localhost`: a local test double),
   * because every request carries the bearer token.
   */
  readonly server: string;
  /** PEM of the CA that signed the API server's certificate (EKS gives it base64-encoded; decode first). */
  readonly caPem?: string;
  /** A bearer token, fetched per request so an expiring one can be refreshed by the provider. */
  readonly token: () => Promise<string>;
  /** Per-request timeout. @default 30 s */
  readonly timeoutMs?: number;
  /** Items per list page (`limit`); lists follow `continue` to the end. @default 250 */
  readonly pageSize?: number;
}

interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
  readonly auditId?: string;
}

/**
 * The few Kubernetes API calls the reaper makes (namespaces; Deployments and
 * StatefulSets within one), over node:http(s) with a bearer token. Non-2xx answers
 * become a {@link KubeApiError} carrying the Status reason; so does a network error.
 */
export class KubeClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly pageSize: number;

  constructor(private readonly options: KubeClientOptions) {
    this.base = new URL(options.server);
    if (this.base.protocol !== "https:" && this.base.protocol !== "http:") {
      throw new Error(`Kubernetes API server URL must be https, got ${options.server}`);
    }
    if (this.base.protocol === "http:" && !isLoopback(this.base.hostname)) {
      throw new Error(
        `Kubernetes API server URL ${options.server} is plain http to a host that is not this machine: the bearer token would travel in clear text; use the cluster's https endpoint`,
      );
    }
    this.agent =
      this.base.protocol === "https:"
        ? new https.Agent({ keepAlive: true, ...(options.caPem === undefined ? {} : { ca: options.caPem }) })
        : new http.Agent({ keepAlive: true });
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pageSize = options.pageSize ?? 250;
  }

  /** Every namespace matching a label selector, following `continue` tokens; a failed page fails the whole list. */
  async listNamespaces(labelSelector: string): Promise<KubeObject[]> {
    return this.listAll("/api/v1/namespaces", { labelSelector });
  }

  async getNamespace(name: string): Promise<KubeObject> {
    return (await this.call("GET", `/api/v1/namespaces/${seg(name)}`)).body as KubeObject;
  }

  async patchNamespace(name: string, patch: MergePatch): Promise<{ object: KubeObject; auditId?: string }> {
    const res = await this.call("PATCH", `/api/v1/namespaces/${seg(name)}`, patch);
    return { object: res.body as KubeObject, ...auditIdOf(res) };
  }

  /** Starts the namespace's deletion (Kubernetes then finalises it asynchronously). */
  async deleteNamespace(name: string): Promise<{ auditId?: string }> {
    return auditIdOf(await this.call("DELETE", `/api/v1/namespaces/${seg(name)}`));
  }

  async listWorkloads(resource: WorkloadResource, namespace: string): Promise<KubeObject[]> {
    return this.listAll(`/apis/apps/v1/namespaces/${seg(namespace)}/${resource}`, {});
  }

  /** Merge-patches a Deployment or StatefulSet itself, so replicas and an annotation change in one write. */
  async patchWorkload(
    resource: WorkloadResource,
    namespace: string,
    name: string,
    patch: MergePatch,
  ): Promise<{ object: KubeObject; auditId?: string }> {
    const res = await this.call("PATCH", `/apis/apps/v1/namespaces/${seg(namespace)}/${resource}/${seg(name)}`, patch);
    return { object: res.body as KubeObject, ...auditIdOf(res) };
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async listAll(path: string, query: Record<string, string>): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const params = new URLSearchParams({ ...query, limit: String(this.pageSize) });
      if (token !== undefined) params.set("continue", token);
      const body = (await this.call("GET", `${path}?${params.toString()}`)).body as {
        items?: KubeObject[];
        metadata?: { continue?: string };
      };
      if (!Array.isArray(body?.items)) {
        throw new KubeApiError("InvalidResponse", `GET ${path} returned no items list`, 200);
      }
      items.push(...body.items);
      token = body.metadata?.continue || undefined;
    } while (token !== undefined);
    return items;
  }

  private async call(method: string, pathAndQuery: string, body?: MergePatch): Promise<KubeResponse> {
    const token = await this.options.token();
    const url = new URL(this.base.pathname.replace(/\/$/, "") + pathAndQuery, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${token}` };
    if (payload !== undefined) {
      headers["content-type"] = "application/merge-patch+json";
      headers["content-length"] = String(payload.length);
    }
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<KubeResponse>((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (err) => reject(networkError(method, url, err)));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          const auditHeader = res.headers["audit-id"];
          const auditId = typeof auditHeader === "string" ? auditHeader : undefined;
          let parsed: unknown = undefined;
          try {
            parsed = text === "" ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status < 300) {
            resolve({ status, body: parsed, ...(auditId === undefined ? {} : { auditId }) });
            return;
          }
          const statusObject = (parsed ?? {}) as { reason?: string; message?: string };
          const reason = statusObject.reason || `HTTP${status}`;
          const message = statusObject.message || `${method} ${url.pathname} answered HTTP ${status}`;
          reject(new KubeApiError(reason, message, status, auditId));
        });
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on("error", (err) => reject(networkError(method, url, err)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

/** A loopback host: nothing leaves this machine, so plain http exposes no token. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function auditIdOf(res: KubeResponse): { auditId?: string } {
  return res.auditId === undefined ? {} : { auditId: res.auditId };
}

function networkError(method: string, url: URL, err: Error): KubeApiError {
  const code = (err as { code?: string }).code;
  // Refused or unresolved: the request never left. Anything else may have reached the server.
  const neverSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
  return new KubeApiError("NetworkError", `${method} ${url.host}${url.pathname}: ${code ?? err.message}`, 0, undefined, !neverSent);
}
