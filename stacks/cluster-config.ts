import { InvalidValueError, type Isolation, isEksClusterName, isSandbox, type SandboxIsolation, SETTINGS, tryParseIsolation } from "../reaper/model";
import type { InputSource } from "./environment-config";

/** What main.ts needs for a ClusterStack, validated. */
export interface ClusterConfig {
  readonly clusterName: string;
  /** The sandbox levels offered, which the cluster must run: never empty. */
  readonly levels: readonly SandboxIsolation[];
}

/** The cluster stack's inputs are missing or bad: names each variable and its fix. */
export class ClusterConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the cluster stack cannot be synthesized:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSet them as environment variables or cdktf context of the same names.`);
    this.name = "ClusterConfigError";
  }
}

const OFFERED = SETTINGS.offeredIsolation.env;
const CLUSTER_NAME = "EPHEMERA_CLUSTER_NAME";

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
  const offered = readOffered(source(OFFERED), problems);
  if (problems.length > 0) throw new ClusterConfigError(problems);
  const levels = offered.filter(isSandbox);
  if (levels.length === 0) return undefined;
  const clusterName = source(CLUSTER_NAME)?.trim();
  if (clusterName === undefined || clusterName === "") {
    problems.push(
      `${CLUSTER_NAME} is not set: ${OFFERED} offers ${levels.map((l) => `"${l}"`).join(", ")}, whose RuntimeClasses the cluster stack creates on the shared EKS cluster; ` +
        `set it, e.g. ${CLUSTER_NAME}=previews, or offer only "none"`,
    );
  } else if (!isEksClusterName(clusterName)) {
    problems.push(new InvalidValueError(CLUSTER_NAME, clusterName, "is not an EKS cluster name", `use the cluster's name as EKS shows it, e.g. ${CLUSTER_NAME}=previews`).message);
  }
  if (problems.length > 0) throw new ClusterConfigError(problems);
  return { clusterName: clusterName!, levels };
}

function readOffered(text: string | undefined, problems: string[]): Isolation[] {
  if (text === undefined) return [];
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) {
    problems.push(`${OFFERED} lists no isolation level; list the levels this platform has nodes for, e.g. ${OFFERED}=none,gvisor`);
    return [];
  }
  const levels: Isolation[] = [];
  for (const item of items) {
    const parsed = tryParseIsolation(item, { field: OFFERED });
    if (parsed.ok) levels.push(parsed.value);
    else problems.push(`${parsed.error.message}, e.g. ${OFFERED}=none,gvisor`);
  }
  return [...new Set(levels)];
}
