import { InvalidValueError, type Isolation, isEksClusterName, isSandbox, type SandboxIsolation, SETTINGS, tryParseIsolationList } from "../reaper/model";
import type { Input, InputSource } from "./environment-config";

/** What main.ts needs for a ClusterStack, validated (the region is the app's). */
export interface ClusterConfig {
  readonly clusterName: string;
  /** The sandbox levels offered, which the cluster must run: never empty. */
  readonly levels: readonly SandboxIsolation[];
  readonly stateBucket?: string;
  readonly stateLockTable?: string;
}

/** The cluster stack's inputs are missing or bad: names each variable and its fix. */
export class ClusterConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the cluster stack cannot be synthesized:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSet them as environment variables or cdktf context of the same names.`);
    this.name = "ClusterConfigError";
  }
}

const INPUTS = {
  offered: {
    name: SETTINGS.offeredIsolation.env,
    example: "none,gvisor",
    required: false,
    what: "the admission setting `ephemera admit` reads: the isolation levels the platform offers, comma-separated; the cluster stack creates a RuntimeClass for each one other than none (default none: no cluster stack)",
  },
  clusterName: {
    name: "EPHEMERA_CLUSTER_NAME",
    example: "previews",
    required: false,
    requiredWhen: `with a sandbox level in ${SETTINGS.offeredIsolation.env}`,
    what: "the shared EKS cluster; the stack is ephemera-cluster-<name>",
  },
  region: { name: "EPHEMERA_REGION", example: "us-east-1", required: false, what: "the cluster's AWS region (default: AWS_REGION, else us-east-1)" },
  stateBucket: { name: "EPHEMERA_STATE_BUCKET", example: "acme-terraform-state", required: false, what: "S3 bucket for remote state; the key is ephemera/clusters/<cluster>/terraform.tfstate (default: local state)" },
  stateLockTable: { name: "EPHEMERA_STATE_LOCK_TABLE", example: "terraform-locks", required: false, what: "DynamoDB table for state locking" },
} as const satisfies Record<string, Input>;

/** The inputs of `ephemera-cluster-<cluster>`, in the order docs/deploying.md lists them. */
export const CLUSTER_INPUTS: readonly Input[] = Object.values(INPUTS);

/**
 * The cluster stack's inputs, or undefined when the platform offers no sandbox level.
 *
 * The admission setting EPHEMERA_OFFERED_ISOLATION is the one list of what the platform
 * offers (`ephemera admit` refuses any other level); the levels in it other than "none"
 * are what the cluster must run, so the cluster stack reads the same variable rather
 * than a second list that could drift from it. It is parsed as the reaper reads it
 * (comma-separated, blanks ignored, repeats once); unset, it offers "none" alone.
 */
export function readClusterConfig(source: InputSource): ClusterConfig | undefined {
  const problems: string[] = [];
  const offered = readOffered(source(INPUTS.offered.name), problems);
  if (problems.length > 0) throw new ClusterConfigError(problems);
  const levels = offered.filter(isSandbox);
  if (levels.length === 0) return undefined;
  const clusterName = readClusterName(source(INPUTS.clusterName.name), levels, problems);
  if (problems.length > 0) throw new ClusterConfigError(problems);
  return { clusterName, levels, stateBucket: source(INPUTS.stateBucket.name), stateLockTable: source(INPUTS.stateLockTable.name) };
}

function readOffered(text: string | undefined, problems: string[]): Isolation[] {
  if (text === undefined) return [];
  const parsed = tryParseIsolationList(text, { field: INPUTS.offered.name });
  if (parsed.ok) return parsed.value;
  problems.push(parsed.error.message);
  return [];
}

function readClusterName(text: string | undefined, levels: readonly SandboxIsolation[], problems: string[]): string {
  const { name, example } = INPUTS.clusterName;
  const clusterName = text?.trim() ?? "";
  if (clusterName === "") {
    problems.push(
      `${name} is not set: ${INPUTS.offered.name} offers ${levels.map((l) => `"${l}"`).join(", ")}, whose RuntimeClasses the cluster stack creates on the shared EKS cluster; ` +
        `set it, e.g. ${name}=${example}, or offer only "none"`,
    );
  } else if (!isEksClusterName(clusterName)) {
    problems.push(new InvalidValueError(name, clusterName, "is not an EKS cluster name", `use the cluster's name as EKS shows it, e.g. ${name}=${example}`).message);
  }
  return clusterName;
}
