import { load } from "js-yaml";
import { parse as parseToml } from "smol-toml";
import { SpotNodeGroup, SpotNodeGroupProps } from "../../../constructs/spot-node-group";
import { annotations, expectInvalid, one, synth } from "./synth";

const PROPS: SpotNodeGroupProps = { envId: "pr-7", clusterName: "platform", subnetIds: ["subnet-a", "subnet-b"] };
const METAL = ["m5.metal", "m5d.metal", "m5n.metal"];

function nodes(props: Partial<SpotNodeGroupProps> = {}) {
  return synth((s) => new SpotNodeGroup(s, "nodes", { ...PROPS, ...props }));
}

interface MimePart {
  readonly contentType: string;
  readonly body: string;
}

/** The launch template's user data, decoded and split into its MIME parts (RFC 2046 multipart/mixed). */
function userDataParts(props: Partial<SpotNodeGroupProps>): MimePart[] {
  const encoded = one(nodes(props), "aws_launch_template").user_data as string;
  const text = Buffer.from(encoded, "base64").toString("utf8");
  const [headers, ...rest] = text.split("\n\n");
  expect(headers).toMatch(/^MIME-Version: 1\.0\nContent-Type: multipart\/mixed; boundary="([^"]+)"$/);
  const boundary = /boundary="([^"]+)"/.exec(headers!)![1]!;
  const body = rest.join("\n\n");
  const chunks = body.split(`--${boundary}`);
  expect(chunks.at(-1)!.startsWith("--")).toBe(true); // the closing delimiter
  return chunks.slice(1, -1).map((chunk) => {
    const [partHeaders, ...partBody] = chunk.replace(/^\n/, "").split("\n\n");
    return { contentType: /^Content-Type: (.*)$/m.exec(partHeaders!)![1]!, body: partBody.join("\n\n") };
  });
}

/** The NodeConfig part, parsed as YAML, and its containerd config, parsed as TOML. */
function nodeConfig(parts: readonly MimePart[]) {
  const part = parts.find((p) => p.contentType === "application/node.eks.aws");
  expect(part).toBeDefined();
  const config = load(part!.body) as { apiVersion: string; kind: string; spec: { containerd: { config: string } } };
  return { config, toml: config.spec.containerd.config, containerd: parseToml(config.spec.containerd.config) as Record<string, Record<string, Record<string, unknown>>> };
}

/** `plugins.<plugin>.containerd.runtimes`, or undefined. */
function runtimesOf(containerd: Record<string, Record<string, Record<string, unknown>>>, plugin: string): Record<string, Record<string, unknown>> | undefined {
  const section = containerd.plugins?.[plugin] as { containerd?: { runtimes?: Record<string, Record<string, unknown>> } } | undefined;
  return section?.containerd?.runtimes;
}

describe("SpotNodeGroup isolation", () => {
  it("adds no user data of its own without isolation", () => {
    expect(one(nodes(), "aws_launch_template")).not.toHaveProperty("user_data");
    expect(one(nodes({ isolation: "none" }), "aws_launch_template")).not.toHaveProperty("user_data");
  });

  describe("gvisor", () => {
    const parts = () => userDataParts({ isolation: "gvisor" });

    it("gives the launch template a MIME multi-part document: nodeadm's NodeConfig, then a shell script", () => {
      expect(parts().map((p) => p.contentType)).toEqual(["application/node.eks.aws", 'text/x-shellscript; charset="us-ascii"']);
    });

    it("registers runsc through nodeadm's NodeConfig, under containerd 2's CRI runtime key", () => {
      const { config, containerd } = nodeConfig(parts());
      expect(config).toMatchObject({ apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig" });
      expect(runtimesOf(containerd, "io.containerd.cri.v1.runtime")?.runsc).toEqual({
        runtime_type: "io.containerd.runsc.v1",
        options: { TypeUrl: "io.containerd.runsc.v1.options", ConfigPath: "/etc/containerd/runsc.toml" },
      });
    });

    it("has no containerd 1.x CRI stanza, which containerd 2 silently ignores", () => {
      const { toml, containerd } = nodeConfig(parts());
      expect(containerd.plugins?.["io.containerd.grpc.v1.cri"]).toBeUndefined();
      expect(toml).not.toContain("io.containerd.grpc.v1.cri");
    });

    it("installs a pinned gVisor release, each binary checked against its published SHA-512 before it is installed", () => {
      const script = parts()[1]!.body;
      expect(script.startsWith("#!/bin/bash\n")).toBe(true);
      expect(script).toContain("set -euo pipefail");
      expect(script).toMatch(/^release="\d{8}\.\d+"$/m);
      expect(script).toContain('url="https://storage.googleapis.com/gvisor/releases/release/${release}/$(uname -m)"');
      expect(script).not.toMatch(/\/latest\//);
      expect(script).toContain("for binary in runsc containerd-shim-runsc-v1; do");
      expect(script).toContain('--output "$binary" "$url/$binary"');
      expect(script).toContain('--output "$binary.sha512" "$url/$binary.sha512"');
      const check = script.indexOf("sha512sum --check --strict runsc.sha512 containerd-shim-runsc-v1.sha512");
      const install = script.indexOf("install -m 0755 runsc containerd-shim-runsc-v1 /usr/local/bin/");
      expect(check).toBeGreaterThan(0);
      expect(install).toBeGreaterThan(check);
    });

    it("writes the shim's options where the runtime's ConfigPath points, with systemd cgroups as kubelet uses on AL2023", () => {
      const script = parts()[1]!.body;
      const file = /cat > \/etc\/containerd\/runsc\.toml <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script);
      expect(file).not.toBeNull();
      expect(parseToml(file![1]!)).toEqual({ runsc_config: { "systemd-cgroup": "true" } });
    });

    it("labels and taints its nodes for gVisor pods alone, besides the environment's own", () => {
      const group = one(nodes({ isolation: "gvisor" }), "aws_eks_node_group");
      expect(group.labels).toEqual({ "ephemera.dev/env": "pr-7", "ephemera.dev/sandbox": "gvisor" });
      expect(group.taint).toEqual([
        { key: "ephemera.dev/env", value: "pr-7", effect: "NO_SCHEDULE" },
        { key: "ephemera.dev/sandbox", value: "gvisor", effect: "NO_SCHEDULE" },
      ]);
    });

    it("gives workloads the sandbox's node selector and toleration too", () => {
      let group: SpotNodeGroup | undefined;
      synth((s) => {
        group = new SpotNodeGroup(s, "nodes", { ...PROPS, isolation: "gvisor" });
      });
      expect(group!.nodeSelector).toEqual({ "ephemera.dev/env": "pr-7", "ephemera.dev/sandbox": "gvisor" });
      expect(group!.tolerations).toContainEqual({ key: "ephemera.dev/sandbox", operator: "Equal", value: "gvisor", effect: "NoSchedule" });
    });

    it("keeps the AL2023 AMI and any instance type", () => {
      expect(one(nodes({ isolation: "gvisor" }), "aws_eks_node_group")).toMatchObject({ ami_type: "AL2023_x86_64_STANDARD", instance_types: ["m6i.large", "m6a.large", "m5.large", "m5a.large"] });
    });
  });

  describe("kata", () => {
    it("accepts bare-metal types and registers kata-qemu with kata-deploy's shim and configuration", () => {
      const parts = userDataParts({ isolation: "kata", instanceTypes: METAL });
      expect(parts.map((p) => p.contentType)).toEqual(["application/node.eks.aws"]);
      const { containerd, toml } = nodeConfig(parts);
      expect(runtimesOf(containerd, "io.containerd.cri.v1.runtime")?.["kata-qemu"]).toEqual({
        runtime_type: "io.containerd.kata-qemu.v2",
        runtime_path: "/opt/kata/bin/containerd-shim-kata-v2",
        privileged_without_host_devices: true,
        options: { ConfigPath: "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml" },
      });
      expect(toml).not.toContain("io.containerd.grpc.v1.cri");
    });

    it("labels and taints its nodes for Kata pods alone", () => {
      const group = one(nodes({ isolation: "kata", instanceTypes: METAL }), "aws_eks_node_group");
      expect(group.labels).toEqual({ "ephemera.dev/env": "pr-7", "ephemera.dev/sandbox": "kata" });
      expect(group.taint).toContainEqual({ key: "ephemera.dev/sandbox", value: "kata", effect: "NO_SCHEDULE" });
      expect(group.instance_types).toEqual(METAL);
    });

    it("accepts a sized bare-metal type", () => {
      expect(one(nodes({ isolation: "kata", instanceTypes: ["c7i.metal-24xl"] }), "aws_eks_node_group").instance_types).toEqual(["c7i.metal-24xl"]);
    });

    it("refuses m5.large, naming instanceTypes, the type and the types that work", () => {
      const error = expectInvalid(() => nodes({ isolation: "kata", instanceTypes: ["m5.large"] }), "instanceTypes", /has "m5\.large", which cannot run isolation "kata"/);
      expect(error.message).toContain('["m5.metal","m5d.metal","m5n.metal"]');
      expect(error.message).toMatch(/\*\.metal/);
    });

    it("refuses a list with one virtual type among bare-metal ones", () => {
      expectInvalid(() => nodes({ isolation: "kata", instanceTypes: ["m5.metal", "m8i.large"] }), "instanceTypes", /has "m8i\.large"/);
    });

    it("refuses the default types rather than launching general-purpose nodes Kata cannot use", () => {
      expectInvalid(() => nodes({ isolation: "kata" }), "instanceTypes", /default general-purpose types, which cannot run isolation "kata"/);
    });

    it("warns about nothing with three bare-metal types of one class", () => {
      expect(annotations((s) => new SpotNodeGroup(s, "nodes", { ...PROPS, isolation: "kata", instanceTypes: METAL }))).toEqual([]);
    });
  });

  it("refuses an unknown isolation level, naming the prop and the levels", () => {
    expectInvalid(() => nodes({ isolation: "firecracker" as never }), "isolation", /is not a known isolation level; use one of "none", "gvisor", "kata"/);
  });
});
