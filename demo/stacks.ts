/**
 * Synthesizes the product's stacks and applies them with Terraform against the
 * emulator, through the test harness (test/support/terraform.ts). Every departure from
 * what a pipeline would do on AWS is here, named, and printed by the demo.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, TerraformStack } from "../constructs/core";
import type { Emulator } from "../harness/emulator";
import { TerraformWorkspace, withoutKubernetes } from "../harness/terraform";
import type { ExistingInfrastructure } from "./infrastructure";

export interface SynthesizedWorkspace {
  readonly workspace: TerraformWorkspace;
  /** The stack as synthesized, before `transform`. */
  readonly synthesized: Record<string, unknown>;
}

/**
 * Synthesizes one stack and writes it, with any assets it references (the reaper's
 * zipped bundle), into a new Terraform workspace pointed at the emulator; runs `init`.
 */
export async function workspaceFor(
  emulator: Emulator,
  build: (app: App) => TerraformStack,
  transform: (tf: Record<string, unknown>) => Record<string, unknown> = (tf) => tf,
): Promise<SynthesizedWorkspace> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-demo-synth-"));
  try {
    const app = new App({ outdir, skipValidation: false });
    const stack = build(app);
    app.synth();
    const stackDir = path.join(outdir, "stacks", stack.node.id);
    const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
    const ws = await TerraformWorkspace.create(transform(synthesized), emulator);
    // Assets are referenced by paths relative to the stack directory (assets/<id>/<hash>/archive.zip).
    for (const entry of fs.readdirSync(stackDir)) {
      if (entry !== "cdk.tf.json") fs.cpSync(path.join(stackDir, entry), path.join(ws.dir, entry), { recursive: true });
    }
    return { workspace: ws, synthesized };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * An environment stack as applied here: its Kubernetes parts dropped (no API server can
 * run on this machine) and, where the emulator reports no EKS cluster security group, the
 * stand-in put where the stack reads it from `data.aws_eks_cluster`.
 */
export function emulatorEnvironment(infra: ExistingInfrastructure): (tf: Record<string, unknown>) => Record<string, unknown> {
  return (tf) => {
    const aws = withoutKubernetes(tf);
    if (!infra.clusterSecurityGroupIsStandIn) return aws;
    const reference = /\$\{data\.aws_eks_cluster\.cluster\.vpc_config\[0\]\.cluster_security_group_id\}/g;
    const json = JSON.stringify(aws);
    if (!reference.test(json)) throw new Error("the environment stack no longer reads the cluster security group from data.aws_eks_cluster; update demo/stacks.ts");
    return JSON.parse(json.replace(reference, infra.clusterSecurityGroupId)) as Record<string, unknown>;
  };
}

/** The Kubernetes namespace an environment stack defines (`kubernetes_namespace_v1`), as synthesized. */
export interface SynthesizedNamespace {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** Reads the namespace out of a synthesized environment stack (before its Kubernetes parts are dropped). */
export function synthesizedNamespace(tf: Record<string, unknown>): SynthesizedNamespace {
  type Namespace = { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } };
  const blocks = (tf.resource as Record<string, Record<string, Namespace>> | undefined)?.kubernetes_namespace_v1 ?? {};
  const [namespace] = Object.values(blocks);
  if (namespace === undefined) throw new Error("the environment stack defines no kubernetes_namespace_v1; update demo/stacks.ts");
  const { name, labels = {}, annotations = {} } = namespace.metadata;
  return { name, labels, annotations };
}
