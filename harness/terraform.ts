import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, TerraformStack } from "../constructs/core";
import { Emulator } from "./emulator";
import type { ExistingInfrastructure } from "./existing-infrastructure";

/** The provider mirror on these machines; elsewhere Terraform downloads as usual. */
export const PROVIDER_MIRROR = process.env.EPHEMERA_TF_PLUGIN_MIRROR ?? "/opt/tf-plugins";
const COMMAND_TIMEOUT_MS = 15 * 60_000;

/**
 * Every service endpoint the provider may call for Ephemera's resources. Endpoints
 * not listed would go to real AWS, which the static test keys could never reach.
 */
const EMULATED_SERVICES = [
  "budgets", "ce", "cloudwatch", "ec2", "eks", "events", "iam", "kms", "lambda", "logs",
  "rds", "resourcegroupstaggingapi", "s3", "scheduler", "secretsmanager", "sns", "sqs", "ssm", "sts",
];

/** Synthesizes one stack of an app into a fresh temp dir and returns its Terraform JSON. */
export function synthStack(build: (app: App) => TerraformStack): Record<string, unknown> {
  const { tf, assets } = synthStackWithAssets(build);
  fs.rmSync(assets, { recursive: true, force: true });
  return tf;
}

/**
 * Like synthStack, for a stack with assets (the reaper Lambda's bundle archive): its
 * Terraform JSON, and a temp dir holding its `assets/`, for TerraformWorkspace.create's
 * `assets` (the JSON names them relative to the stack's directory).
 */
export function synthStackWithAssets(build: (app: App) => TerraformStack): { readonly tf: Record<string, unknown>; readonly assets: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-synth-"));
  try {
    const app = new App({ outdir, skipValidation: false });
    const stack = build(app);
    app.synth();
    const stackDir = path.join(outdir, "stacks", stack.node.id);
    const assets = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-assets-"));
    if (fs.existsSync(path.join(stackDir, "assets"))) fs.cpSync(path.join(stackDir, "assets"), assets, { recursive: true });
    return { tf: JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")), assets };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Terraform CLI config that prefers the local provider mirror when it exists. */
export function cliConfig(mirror = PROVIDER_MIRROR): string {
  if (!fs.existsSync(mirror)) return "";
  return [
    "provider_installation {",
    `  filesystem_mirror {`,
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = ["registry.terraform.io/hashicorp/aws"]`,
    "  }",
    "  direct {",
    `    exclude = ["registry.terraform.io/hashicorp/aws"]`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * Points every `aws` provider block of a synthesized stack at the emulator and
 * swaps any remote backend for local state, without touching product code.
 */
export function pointAtEmulator(tf: Record<string, unknown>, emulator: Emulator): Record<string, unknown> {
  type Block = Record<string, unknown>;
  const copy = structuredClone(tf) as { provider?: { aws?: Block | Block[] }; terraform?: { backend?: unknown } };
  const endpoints = Object.fromEntries(EMULATED_SERVICES.map((s) => [s, emulator.endpoint]));
  const emulated = {
    region: emulator.region,
    access_key: "test",
    secret_key: "test",
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: "true",
    skip_region_validation: true,
    s3_use_path_style: true,
    // moto answers unimplemented calls with HTTP 500; without this the provider retries for 10+ minutes.
    max_retries: 2,
    endpoints: [endpoints],
  };
  const aws = copy.provider?.aws;
  if (!copy.provider || !aws) throw new Error("the stack has no aws provider block to point at the emulator");
  copy.provider.aws = (Array.isArray(aws) ? aws : [aws]).map((block) => {
    const { profile: _p, assume_role: _a, shared_config_files: _s, shared_credentials_files: _c, ...rest } = block;
    return { ...rest, ...emulated };
  });
  if (copy.terraform?.backend) copy.terraform.backend = { local: { path: "terraform.tfstate" } };
  return copy;
}

export interface CommandResult {
  readonly code: number;
  readonly output: string;
  readonly ms: number;
}

/** A Terraform working directory holding one synthesized stack, run against the emulator. */
export class TerraformWorkspace {
  private constructor(readonly dir: string, private readonly env: NodeJS.ProcessEnv) {}

  /** Writes the stack (and the `assets` of synthStackWithAssets, moved in) and CLI config to a temp dir and runs `terraform init`. */
  static async create(tf: Record<string, unknown>, emulator: Emulator, options: { readonly assets?: string } = {}): Promise<TerraformWorkspace> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-tf-"));
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(pointAtEmulator(tf, emulator), null, 2));
    if (options.assets !== undefined) {
      fs.cpSync(options.assets, path.join(dir, "assets"), { recursive: true });
      fs.rmSync(options.assets, { recursive: true, force: true });
    }
    const rc = path.join(dir, "terraform.rc");
    fs.writeFileSync(rc, cliConfig());
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...emulator.env(),
      TF_CLI_CONFIG_FILE: rc,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
    };
    const ws = new TerraformWorkspace(dir, env);
    await ws.must(["init", "-no-color"]);
    return ws;
  }

  async apply(): Promise<CommandResult> {
    return this.must(["apply", "-auto-approve", "-no-color"]);
  }

  /** `plan -detailed-exitcode`: 0 means no changes, 2 means there are changes. */
  async plan(): Promise<CommandResult> {
    const result = await this.run(["plan", "-detailed-exitcode", "-no-color"]);
    if (result.code !== 0 && result.code !== 2) throw this.failure(["plan"], result);
    return result;
  }

  async destroy(): Promise<CommandResult> {
    return this.must(["destroy", "-auto-approve", "-no-color"]);
  }

  /**
   * `apply -json`: Terraform's machine-readable log. Returns the wall time and each
   * resource's time from its `apply_complete` events (`elapsed_seconds`), slowest first.
   */
  async applyMachineReadable(): Promise<{ readonly ms: number; readonly resources: readonly ResourceTime[] }> {
    const result = await this.must(["apply", "-auto-approve", "-json"]);
    const resources: ResourceTime[] = [];
    for (const line of result.output.split("\n")) {
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as { type?: string; hook?: { resource?: { addr?: string }; elapsed_seconds?: number } };
      if (event.type !== "apply_complete" || event.hook?.resource?.addr === undefined) continue;
      resources.push({ address: event.hook.resource.addr.replace(/_[0-9A-F]{8}$/, ""), seconds: event.hook.elapsed_seconds ?? 0 });
    }
    return { ms: result.ms, resources: resources.sort((a, b) => b.seconds - a.seconds) };
  }

  /** `terraform output -json`, unwrapped to name → value. */
  async outputs(): Promise<Record<string, unknown>> {
    const result = await this.must(["output", "-json"]);
    const raw = JSON.parse(result.output) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
  }

  /** Addresses of the resources in state. */
  async stateList(): Promise<string[]> {
    const result = await this.run(["state", "list"]);
    return result.code === 0 ? result.output.split("\n").filter(Boolean) : [];
  }

  /** Removes the working directory (the provider binary is only linked from the mirror). */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async must(args: string[]): Promise<CommandResult> {
    const result = await this.run(args);
    if (result.code !== 0) throw this.failure(args, result);
    return result;
  }

  private failure(args: string[], result: CommandResult): Error {
    return new Error(`terraform ${args[0]} failed (exit ${result.code}) in ${this.dir}:\n${result.output.slice(-6000)}`);
  }

  private run(args: string[]): Promise<CommandResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn("terraform", args, { cwd: this.dir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      const chunks: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stderr.on("data", (c: Buffer) => chunks.push(c));
      const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`could not run terraform (is it on PATH?): ${err.message}`));
      });
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, output: Buffer.concat(chunks).toString(), ms: Date.now() - started });
      });
    });
  }
}

/** One resource's time in an apply or destroy, from Terraform's "...: Creation complete after 1m5s" lines. */
export interface ResourceTime {
  /** The resource address, without the hash suffix cdktf adds to logical ids. */
  readonly address: string;
  readonly seconds: number;
}

/** The `count` slowest resources of an apply or destroy, slowest first. */
export function slowestResources(output: string, count = 3): ResourceTime[] {
  return [...output.matchAll(/^(\S+): (?:Creation|Destruction|Modifications) complete after (?:(\d+)m)?(\d+)s/gm)]
    .map((m) => ({ address: m[1]!.replace(/_[0-9A-F]{8}$/, ""), seconds: Number(m[2] ?? 0) * 60 + Number(m[3]) }))
    .sort((x, y) => y.seconds - x.seconds)
    .slice(0, count);
}

/** `address 160 s, address 6 s, …`: the slowest resources as a log line. */
export function describeSlowest(output: string, count = 3): string {
  return slowestResources(output, count)
    .map((d) => `${d.address} ${d.seconds} s`)
    .join(", ");
}

/**
 * Drops the Kubernetes parts of a synthesized stack (every `kubernetes_*` resource and
 * data source, the kubernetes provider and its required_providers entry, and outputs or
 * `depends_on` entries that refer to them), for applying the AWS parts where no
 * Kubernetes API server can run. AWS data sources (e.g. the EKS cluster's) stay.
 */
export function withoutKubernetes(tf: Record<string, unknown>): Record<string, unknown> {
  type Blocks = Record<string, Record<string, Record<string, unknown>>>;
  const copy = structuredClone(tf) as {
    resource?: Blocks;
    data?: Blocks;
    output?: Record<string, unknown>;
    provider?: Record<string, unknown>;
    terraform?: { required_providers?: Record<string, unknown> };
  };
  const refersToKubernetes = (value: unknown): boolean => /\b(?:data\.)?kubernetes_[a-z0-9_]+\./.test(JSON.stringify(value));
  for (const kind of ["resource", "data"] as const) {
    const blocks = copy[kind];
    if (!blocks) continue;
    for (const type of Object.keys(blocks)) {
      if (type.startsWith("kubernetes_")) delete blocks[type];
    }
    for (const byName of Object.values(blocks)) {
      for (const block of Object.values(byName)) {
        const dependsOn = block.depends_on;
        if (Array.isArray(dependsOn)) block.depends_on = dependsOn.filter((d) => !refersToKubernetes(`${String(d)}.`));
      }
    }
  }
  for (const [name, output] of Object.entries(copy.output ?? {})) {
    if (refersToKubernetes(output)) delete copy.output![name];
  }
  delete copy.provider?.kubernetes;
  delete copy.terraform?.required_providers?.kubernetes;
  return copy;
}

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
    if (!reference.test(json)) throw new Error("the environment stack no longer reads the cluster security group from data.aws_eks_cluster; update harness/terraform.ts");
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
  if (namespace === undefined) throw new Error("the environment stack defines no kubernetes_namespace_v1; update harness/terraform.ts");
  const { name, labels = {}, annotations = {} } = namespace.metadata;
  return { name, labels, annotations };
}

/**
 * Emulator workaround: the harness runs the provider with `skip_requesting_account_id`,
 * so it does not know the account and reads a rule's same-account
 * `referenced_security_group_id` back as "<account>/sg-…", a diff on every plan. Letting
 * the provider ask the emulator's STS for the account id (as it does against real AWS)
 * removes that artifact. Call it after `TerraformWorkspace.create`, before the apply.
 */
export function askForAccountId(ws: TerraformWorkspace): void {
  const file = path.join(ws.dir, "cdk.tf.json");
  const tf = JSON.parse(fs.readFileSync(file, "utf8")) as { provider: { aws: Record<string, unknown>[] } };
  for (const block of tf.provider.aws) block.skip_requesting_account_id = false;
  fs.writeFileSync(file, JSON.stringify(tf, null, 2));
}
