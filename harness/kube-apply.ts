/**
 * Replays the Kubernetes part of a synthesized stack into the Kubernetes API double, in
 * place of the kubernetes provider (which cannot run here: it needs an API server). It
 * does what an apply would do with the parts the double models, in Terraform's order:
 *
 * 1. every `data.kubernetes_resource` is read (at plan, before anything is created),
 *    and its postconditions checked: a missing object reads as null, as the provider
 *    reads it, so a postcondition on it fails the apply with its `error_message`;
 * 2. every `kubernetes_namespace_v1` is created (annotations still holding a Terraform
 *    expression, such as created-at, are left out);
 * 3. every `kubernetes_manifest` is created, each after what it `depends_on`.
 *
 * The other `kubernetes_*` resources (quota, limits, network policies, RBAC, the service
 * account) are not modelled by the double: they are returned as `skipped`.
 */
import { createEksToken } from "../reaper/kube/eks-token";
import { CLUSTER_RESOURCES } from "./kube-api-double-admission";

type Block = Record<string, unknown> & { depends_on?: string[] };
type Blocks = Record<string, Record<string, Block>>;

export interface KubeApplyResult {
  /** API paths of the objects created, in order. */
  readonly created: readonly string[];
  /** Addresses of the kubernetes_* resources the double does not model. */
  readonly skipped: readonly string[];
}

/** What Terraform reports when postconditions fail: each with the block's address (it reads data sources in parallel and reports every failure). */
export class PostconditionFailed extends Error {
  constructor(readonly failures: readonly { readonly address: string; readonly errorMessage: string }[]) {
    super(failures.map((f) => `Resource postcondition failed (${f.address}): ${f.errorMessage}`).join("\n"));
  }
}

const MODELLED = new Set(["kubernetes_namespace_v1", "kubernetes_manifest"]);

export async function applyKubernetes(tf: Record<string, unknown>, server: string): Promise<KubeApplyResult> {
  const api = await client(server);
  const resources = (tf.resource ?? {}) as Blocks;
  await checkReads((tf.data ?? {}) as Blocks, api);
  const created: string[] = [];
  for (const namespace of Object.values(resources.kubernetes_namespace_v1 ?? {})) {
    created.push(await api.create("/api/v1/namespaces", namespaceObject(namespace)));
  }
  for (const manifest of dependencyOrder(resources.kubernetes_manifest ?? {})) {
    const object = manifest.manifest as { apiVersion: string; kind: string };
    created.push(await api.create(collectionPath(object.apiVersion, object.kind), object));
  }
  const skipped = Object.entries(resources)
    .filter(([type]) => type.startsWith("kubernetes_") && !MODELLED.has(type))
    .flatMap(([type, blocks]) => Object.keys(blocks).map((name) => `${type}.${name}`));
  return { created, skipped };
}

/** Reads every kubernetes_resource data source and checks its postconditions (the only form they take here: the object's name). */
async function checkReads(data: Blocks, api: Client): Promise<void> {
  const failures: { address: string; errorMessage: string }[] = [];
  for (const [name, read] of Object.entries(data.kubernetes_resource ?? {})) {
    const metadata = read.metadata as { name: string; namespace?: string };
    const object = await api.get(`${collectionPath(String(read.api_version), String(read.kind), metadata.namespace)}/${metadata.name}`);
    const postconditions = ((read.lifecycle as { postcondition?: { condition: string; error_message: string }[] } | undefined)?.postcondition ?? []);
    for (const check of postconditions) {
      const expected = /^\$\{try\(self\.object\.metadata\.name, ""\) == "([^"]+)"\}$/.exec(check.condition);
      if (expected === null) throw new Error(`data.kubernetes_resource.${name}: a postcondition the replay does not know: ${check.condition}`);
      const actual = (object?.metadata as { name?: string } | undefined)?.name ?? "";
      if (actual !== expected[1]) failures.push({ address: `data.kubernetes_resource.${name}`, errorMessage: check.error_message });
    }
  }
  if (failures.length > 0) throw new PostconditionFailed(failures);
}

/** The provider's namespace block as the object it creates. */
function namespaceObject(block: Block): Record<string, unknown> {
  const { name, labels = {}, annotations = {} } = block.metadata as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  const resolved = Object.fromEntries(Object.entries(annotations).filter(([, value]) => !value.includes("${")));
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels, annotations: resolved } };
}

/** Manifests with no dependency among them first, then those whose dependencies are created. */
function dependencyOrder(blocks: Record<string, Block>): Block[] {
  const pending = new Map(Object.entries(blocks));
  const done = new Set<string>();
  const ordered: Block[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, b]) => (b.depends_on ?? []).every((d) => !d.startsWith("kubernetes_manifest.") || done.has(d)));
    if (ready.length === 0) throw new Error(`kubernetes_manifest dependency cycle among ${[...pending.keys()].join(", ")}`);
    for (const [name, block] of ready) {
      ordered.push(block);
      done.add(`kubernetes_manifest.${name}`);
      pending.delete(name);
    }
  }
  return ordered;
}

/** `/api/v1/namespaces`, `/apis/node.k8s.io/v1/runtimeclasses`: the kinds the double holds. */
function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  if (apiVersion === "v1" && kind === "Namespace") return "/api/v1/namespaces";
  const entry = Object.entries(CLUSTER_RESOURCES).find(([, r]) => r.apiVersion === apiVersion && r.kind === kind);
  if (entry === undefined || namespace !== undefined) throw new Error(`the Kubernetes API double holds no ${apiVersion} ${kind}${namespace ? ` in a namespace` : ""}`);
  return `/apis/${apiVersion}/${entry[0]}`;
}

interface Client {
  get(path: string): Promise<Record<string, unknown> | undefined>;
  /** POSTs the object to the collection; returns its path. */
  create(collection: string, object: unknown): Promise<string>;
}

async function client(server: string): Promise<Client> {
  const token = await createEksToken({ clusterName: "double", region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" } });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  return {
    async get(path) {
      const res = await fetch(`${server}${path}`, { headers });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    async create(collection, object) {
      const res = await fetch(`${server}${collection}`, { method: "POST", headers, body: JSON.stringify(object) });
      if (res.status !== 201) throw new Error(`POST ${collection}: ${res.status} ${await res.text()}`);
      return `${collection}/${String(((await res.json()) as { metadata: { name: string } }).metadata.name)}`;
    },
  };
}
