import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "../../../constructs/core";
import { TAG } from "../../../reaper/model";
import { REPO_ROOT } from "../../../harness/paths";

/**
 * The example imports Ephemera as a user would, by its package name. The package is
 * neither built nor linked in this checkout, so the name is mapped to the repository's
 * entry point (index.ts, what dist/index.js is compiled from) with a jest virtual
 * module. Nothing else about the example changes for the test.
 */
jest.mock("ephemera", () => jest.requireActual("../../../index"), { virtual: true });

const EXAMPLE = path.join(REPO_ROOT, "examples/import-into-existing-repo");

interface ExampleModules {
  PreviewStack: new (scope: unknown, id: string, props: Record<string, unknown>) => { environment: { outputs: Record<string, string> } };
  ACME_PLATFORM: Record<string, unknown> & { vpcId: string; clusterName: string; clusterSecurityGroupId: string; privateSubnetIds: string[]; region: string };
}

// Loaded by computed path, so the root typecheck (which cannot resolve "ephemera") does not follow it.
function load(): ExampleModules {
  const stack = require(path.join(EXAMPLE, "src/preview-stack")) as Pick<ExampleModules, "PreviewStack">; // eslint-disable-line @typescript-eslint/no-require-imports
  const platform = require(path.join(EXAMPLE, "src/platform")) as Pick<ExampleModules, "ACME_PLATFORM">; // eslint-disable-line @typescript-eslint/no-require-imports
  return { ...stack, ...platform };
}

type Blocks = Record<string, Record<string, Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Tf {
  readonly resource: Blocks;
  readonly data: Blocks;
  readonly output: Record<string, { value: string }>;
  readonly provider: Record<string, Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function synthExample(): Tf {
  const { PreviewStack, ACME_PLATFORM } = load();
  const stack = new PreviewStack(Testing.app(), "preview-pr-9", { platform: ACME_PLATFORM, envId: "pr-9", owner: "team-web@example.com", ttl: "4h" });
  return JSON.parse(Testing.synth(stack as never)) as Tf;
}

const blocks = (tf: Tf, type: string) => Object.values(tf.resource[type] ?? {});

describe("the import-into-existing-repo example", () => {
  it("synthesizes with the app's own AWS and Kubernetes providers", () => {
    const tf = synthExample();
    expect(tf.provider.aws).toEqual([expect.objectContaining({ region: "us-east-1", default_tags: [{ tags: { team: "web", repo: "acme/web" } }] })]);
    expect(tf.provider.kubernetes).toEqual([expect.objectContaining({ host: "${data.aws_eks_cluster.cluster.endpoint}" })]);
  });

  it("composes one whole environment on the existing VPC, subnets and cluster", () => {
    const { ACME_PLATFORM } = load();
    const tf = synthExample();
    expect(blocks(tf, "aws_eks_node_group")).toEqual([expect.objectContaining({ cluster_name: ACME_PLATFORM.clusterName, subnet_ids: ACME_PLATFORM.privateSubnetIds })]);
    expect(blocks(tf, "aws_security_group").map((sg) => sg.vpc_id)).toEqual([ACME_PLATFORM.vpcId, ACME_PLATFORM.vpcId]);
    expect(blocks(tf, "aws_launch_template")[0]!.vpc_security_group_ids).toContain(ACME_PLATFORM.clusterSecurityGroupId);
    expect(blocks(tf, "aws_db_instance")).toHaveLength(1);
    expect(blocks(tf, "kubernetes_namespace_v1")[0]!.metadata.name).toBe("env-pr-9");
    expect(Object.keys(tf.output).sort()).toEqual(["budget_name", "database_endpoint", "database_secret_arn", "database_source", "env_id", "expires_at", "namespace", "service_account"]);
  });

  it("tags the environment's resources beside the app's default tags", () => {
    const tf = synthExample();
    const [budget] = blocks(tf, "aws_budgets_budget");
    expect(budget!.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: "pr-9", [TAG.ttl]: "4h", [TAG.budgetUsd]: "15" });
  });

  it("imports Ephemera only by its package name, never by a path into the repository", () => {
    const sources = ["main.ts", "src/preview-stack.ts", "src/platform.ts"].map((file) => fs.readFileSync(path.join(EXAMPLE, file), "utf8"));
    const specifiers = sources.flatMap((text) => [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!));
    expect(specifiers).toContain("ephemera");
    expect(specifiers.filter((s) => s.startsWith("../"))).toEqual([]);
  });

  it("depends on ephemera as its packed tarball and on the cdktf, constructs and provider versions Ephemera is developed against", () => {
    type Pkg = { dependencies: Record<string, string>; devDependencies: Record<string, string>; peerDependencies: Record<string, string> };
    const root = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as Pkg;
    const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8")) as Pkg;
    expect(example.dependencies.ephemera).toBe("file:ephemera.tgz");
    for (const name of ["cdktf", "constructs", "@cdktf/provider-aws", "@cdktf/provider-kubernetes"]) {
      expect({ name, version: example.dependencies[name] }).toEqual({ name, version: root.devDependencies[name] });
      expect({ name, peer: typeof root.peerDependencies[name] }).toEqual({ name, peer: "string" });
    }
    const cdktf = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "cdktf.json"), "utf8")) as { app: string; language: string };
    expect(cdktf).toMatchObject({ language: "typescript", app: expect.stringContaining("dist/main.js") });
  });
});
