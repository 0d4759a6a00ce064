import { ClusterConfigError, readClusterConfig } from "../../../stacks/cluster-config";
import { readSettings } from "../../../reaper/config/read-settings";

const source = (vars: Record<string, string>) => (name: string) => vars[name];
const problems = (vars: Record<string, string>): readonly string[] => {
  try {
    readClusterConfig(source(vars));
  } catch (err) {
    if (err instanceof ClusterConfigError) return err.problems;
    throw err;
  }
  throw new Error("readClusterConfig did not throw");
};

describe("readClusterConfig", () => {
  it("adds no cluster stack while the platform offers no sandbox level, whatever the cluster", () => {
    expect(readClusterConfig(source({}))).toBeUndefined();
    expect(readClusterConfig(source({ EPHEMERA_CLUSTER_NAME: "previews" }))).toBeUndefined();
    expect(readClusterConfig(source({ EPHEMERA_CLUSTER_NAME: "previews", EPHEMERA_OFFERED_ISOLATION: "none" }))).toBeUndefined();
  });

  it("runs on the cluster exactly the sandbox levels EPHEMERA_OFFERED_ISOLATION offers", () => {
    expect(readClusterConfig(source({ EPHEMERA_CLUSTER_NAME: "previews", EPHEMERA_OFFERED_ISOLATION: "none, gvisor" }))).toEqual({ clusterName: "previews", levels: ["gvisor"] });
    expect(readClusterConfig(source({ EPHEMERA_CLUSTER_NAME: "previews", EPHEMERA_OFFERED_ISOLATION: "kata,gvisor,kata" }))).toEqual({ clusterName: "previews", levels: ["kata", "gvisor"] });
  });

  it("reads the offered levels as the reaper's admission does, so the two can never disagree", () => {
    for (const text of ["none", "none,gvisor", " gvisor , kata ,", "kata,kata,none"]) {
      const admitted = readSettings({ AWS_REGION: "us-east-1", EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit", EPHEMERA_OFFERED_ISOLATION: text }).admission.offeredIsolation;
      const cluster = readClusterConfig(source({ EPHEMERA_CLUSTER_NAME: "previews", EPHEMERA_OFFERED_ISOLATION: text }));
      expect({ text, levels: cluster?.levels ?? [] }).toEqual({ text, levels: admitted.filter((level) => level !== "none") });
    }
  });

  it("asks for EPHEMERA_CLUSTER_NAME, with an example, when a sandbox level is offered without it", () => {
    expect(problems({ EPHEMERA_OFFERED_ISOLATION: "none,gvisor" })).toEqual([
      'EPHEMERA_CLUSTER_NAME is not set: EPHEMERA_OFFERED_ISOLATION offers "gvisor", whose RuntimeClasses the cluster stack creates on the shared EKS cluster; set it, e.g. EPHEMERA_CLUSTER_NAME=previews, or offer only "none"',
    ]);
    expect(problems({ EPHEMERA_OFFERED_ISOLATION: "kata", EPHEMERA_CLUSTER_NAME: "my cluster" })).toEqual([
      `EPHEMERA_CLUSTER_NAME "my cluster" is not an EKS cluster name; use the cluster's name as EKS shows it, e.g. EPHEMERA_CLUSTER_NAME=previews`,
    ]);
  });

  it("refuses an unknown level or an empty list, naming EPHEMERA_OFFERED_ISOLATION and a valid value, even with no cluster", () => {
    // One parser with the reaper's settings (tryParseIsolationList): the first unknown level is named.
    expect(problems({ EPHEMERA_OFFERED_ISOLATION: "none,gvsior,firecracker" })).toEqual([
      'EPHEMERA_OFFERED_ISOLATION "gvsior" is not a known isolation level; use one of "none", "gvisor", "kata", such as "gvisor"',
    ]);
    expect(problems({ EPHEMERA_OFFERED_ISOLATION: " , " })).toEqual([
      'EPHEMERA_OFFERED_ISOLATION " , " lists no isolation level; list the levels this platform has nodes for, such as "none" or "none,gvisor"',
    ]);
  });
});
