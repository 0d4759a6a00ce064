import { createServer } from "node:net";
import { CreateBucketCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { discover } from "../../../../reaper/discovery/discover";
import { KIND_NAMES, kindRow } from "../../../../reaper/contracts/kind-catalog";
import { ALL_KIND_ADAPTERS, KIND_ADAPTERS } from "../../../../reaper/kinds";
import { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";
import type { KindName } from "../../../../reaper/contracts/kind-adapter";
import { KubeClient } from "../../../../reaper/kube/kube-client";
import { useEmulator } from "../../../../harness/emulator";
import { useKubeApiDouble } from "../../../../harness/kube-api-double";
import { KIND_SEEDS, seedNetwork } from "../kinds/kind-seeds";
import { asTagList, AUDIT_BUCKET, managedTags } from "../kinds/kind-test-context";

const emulator = useEmulator();
const kubeApi = useKubeApiDouble();

let contexts: AwsKindContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.map((c) => c.destroy()));
  contexts = [];
});

function context(kubernetesClusters: string[] = [], endpoint?: string): AwsKindContext {
  const e = emulator();
  const ctx = new AwsKindContext({
    aws: { ...e.clientConfig(), ...(endpoint === undefined ? {} : { endpoint }) },
    accountId: e.accountId,
    auditBucket: AUDIT_BUCKET,
    maxAttempts: 1,
    kubernetesClusters,
    ...(endpoint === undefined
      ? { kubeClientFactory: (cluster, self) => new KubeClient({ server: kubeApi().url, token: self.eksTokenProvider(cluster) }) }
      : {}),
  });
  contexts.push(ctx);
  return ctx;
}

/** One resource of every kind for environment `env` (KIND_SEEDS), an untagged twin of each, and the audit bucket tagged as the environment's. */
async function seedEveryKind(ctx: AwsKindContext, env: string): Promise<void> {
  const network = await seedNetwork(ctx);
  for (const tagged of [true, false]) {
    for (const kind of KIND_NAMES) await KIND_SEEDS[kind].seed({ ctx, env, tagged, network, kubeApi: kubeApi() });
  }
  // The audit bucket, tagged as an environment's: discovery must never return it.
  await ctx.s3.send(new CreateBucketCommand({ Bucket: AUDIT_BUCKET }));
  await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: AUDIT_BUCKET, Tagging: { TagSet: asTagList(managedTags(env)) } }));
}

describe("discover", () => {
  it("returns the tagged resources of every kind in one inventory, and nothing untagged or the audit bucket", async () => {
    const ctx = context(["shared"]);
    await seedEveryKind(ctx, "pr-42");
    const inventory = await discover(ctx);
    expect(inventory.failures).toEqual([]);
    const byKind = new Map<KindName, string[]>();
    for (const r of inventory.resources) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r.id]);
    const seeded = (kind: KindName) => {
      const id = KIND_SEEDS[kind].id("pr-42");
      return [typeof id === "string" ? id : expect.stringMatching(id)];
    };
    expect(Object.fromEntries(byKind)).toEqual(Object.fromEntries(KIND_NAMES.map((kind) => [kind, seeded(kind)])));
    for (const r of inventory.resources) expect(r.tags).toMatchObject({ "ephemera:managed-by": "ephemera", "ephemera:env": "pr-42" });
  });

  it("an unreachable AWS endpoint is a listing failure for every AWS kind, not an empty inventory", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const inventory = await discover(context([], `http://127.0.0.1:${closedPort}`));
    expect(inventory.resources).toEqual([]);
    expect(inventory.failures.map((f) => f.kind).sort()).toEqual(
      // A kind acted on through Kubernetes lists the clusters configured, here none.
      ALL_KIND_ADAPTERS.map((a) => a.kind)
        .filter((k) => kindRow(k).kubernetesRbac === undefined)
        .sort(),
    );
    // Under Jest, Node's socket errors come from another realm and the SDK rewraps them, so
    // the code survives only in the message; outside Jest `code` is "ECONNREFUSED" itself.
    for (const failure of inventory.failures) expect(failure.message).toContain("ECONNREFUSED");
  });

  it("a configured Kubernetes cluster that EKS does not know is a listing failure", async () => {
    const e = emulator();
    const ctx = new AwsKindContext({
      aws: e.clientConfig(),
      accountId: e.accountId,
      auditBucket: AUDIT_BUCKET,
      maxAttempts: 1,
      kubernetesClusters: ["no-such-cluster"],
    });
    contexts.push(ctx);
    expect(await discover(ctx, [KIND_ADAPTERS["k8s-namespace"]])).toEqual({
      resources: [],
      failures: [
        { kind: "k8s-namespace", scope: "cluster no-such-cluster", code: "ResourceNotFoundException", message: expect.any(String) },
      ],
      usage: [],
    });
  });
});
