import { InvalidValueError, runtimeHandler, type SandboxIsolation } from "../../reaper/model";

/**
 * What makes a node a sandbox node: the instance types it may be, and the user data that
 * gives its containerd the sandbox's runtime. SpotNodeGroup reads it here.
 *
 * The runtime goes in through nodeadm's NodeConfig (`spec.containerd.config`), not by
 * editing /etc/containerd/config.toml: nodeadm rewrites that file at every boot and merges
 * the NodeConfig's TOML into what it writes. The TOML uses containerd 2's CRI runtime plugin
 * key, `io.containerd.cri.v1.runtime` (config version 3, AL2023 AMIs with containerd 2.x):
 * containerd 2 ignores runtimes under the 1.x key `io.containerd.grpc.v1.cri`.
 */

/**
 * The gVisor release the nodes install: a dated point release, so every node of a group
 * runs the same runsc. Its binaries sit at
 * https://storage.googleapis.com/gvisor/releases/release/<release>/<arch>/, each beside a
 * `.sha512` file that the install checks it against.
 */
export const GVISOR_RELEASE = "20250715.0";

/** Where the runsc shim reads its options (`[runsc_config]` holds runsc flags). */
const RUNSC_CONFIG_PATH = "/etc/containerd/runsc.toml";

/**
 * Where kata-deploy puts Kata's shim and its QEMU configuration (it installs everything
 * under /opt/kata). Ephemera installs no Kata binaries: kata-deploy's DaemonSet does.
 */
const KATA_SHIM_PATH = "/opt/kata/bin/containerd-shim-kata-v2";
const KATA_QEMU_CONFIG_PATH = "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml";

/** containerd 2's CRI runtime plugin; its runtimes are `[plugins."<this>".containerd.runtimes.<handler>]`. */
export const CONTAINERD_CRI_RUNTIME_PLUGIN = "io.containerd.cri.v1.runtime";

/** The part of the MIME document nodeadm reads. */
const NODEADM_CONTENT_TYPE = "application/node.eks.aws";
const BOUNDARY = "==EPHEMERA-SANDBOX-NODE==";

/** Bare-metal types that can run Kata, of one size and class (SpotNodeGroup's own rule), for error messages and docs. */
export const KATA_INSTANCE_TYPE_EXAMPLES: readonly string[] = ["m5.metal", "m5d.metal", "m5n.metal"];

/** `m5.metal`, `c7i.metal-24xl`, `m7g.metal`: EC2's bare-metal sizes. */
export function isMetalInstanceType(type: string): boolean {
  return /^[a-z0-9-]+\.metal(-[a-z0-9]+)?$/.test(type);
}

/**
 * Kata runs each pod in a VM, so its nodes need hardware virtualization (/dev/kvm). An EKS
 * managed node group gets it only on bare metal: C8i, M8i and R8i offer nested virtualization,
 * but it is a launch-time CPU option that managed node groups drop from the launch template
 * (aws/containers-roadmap#2784), and provider-aws 20.1 cannot set it anyway.
 */
export function checkKataInstanceTypes(types: readonly string[] | undefined): void {
  const fix = `use bare-metal types (*.metal, *.metal-<size>) of one size and class, such as ${JSON.stringify(KATA_INSTANCE_TYPE_EXAMPLES)}; nested virtualization (C8i, M8i, R8i) is not offered because EKS managed node groups drop the CPU option that turns it on`;
  if (types === undefined) {
    throw new InvalidValueError("instanceTypes", "(default)", 'is left to the default general-purpose types, which cannot run isolation "kata" (it needs hardware virtualization, which EC2 gives managed nodes only on bare metal)', fix);
  }
  const offending = types.find((type) => !isMetalInstanceType(type));
  if (offending !== undefined) {
    throw new InvalidValueError("instanceTypes", JSON.stringify(types), `has ${JSON.stringify(offending)}, which cannot run isolation "kata": Kata needs hardware virtualization (/dev/kvm), which EC2 gives managed nodes only on bare metal`, fix);
  }
}

/** The containerd runtime stanza (TOML, config version 3) of a sandbox level. */
export function containerdRuntimeToml(level: SandboxIsolation): string {
  const handler = runtimeHandler(level);
  const table = `plugins."${CONTAINERD_CRI_RUNTIME_PLUGIN}".containerd.runtimes.${handler}`;
  if (level === "gvisor") {
    return [`[${table}]`, `runtime_type = "io.containerd.runsc.v1"`, ``, `[${table}.options]`, `TypeUrl = "io.containerd.runsc.v1.options"`, `ConfigPath = "${RUNSC_CONFIG_PATH}"`, ``].join("\n");
  }
  return [
    `[${table}]`,
    `runtime_type = "io.containerd.kata-qemu.v2"`,
    `runtime_path = "${KATA_SHIM_PATH}"`,
    // A privileged pod gets no host devices in its VM: the host's devices are the host's.
    `privileged_without_host_devices = true`,
    ``,
    `[${table}.options]`,
    `ConfigPath = "${KATA_QEMU_CONFIG_PATH}"`,
    ``,
  ].join("\n");
}

/** nodeadm's NodeConfig with the runtime stanza; EKS adds the cluster's details in a part of its own. */
export function nodeConfigYaml(level: SandboxIsolation): string {
  const toml = containerdRuntimeToml(level)
    .split("\n")
    .map((line) => (line === "" ? "" : `      ${line}`))
    .join("\n");
  return ["---", "apiVersion: node.eks.aws/v1alpha1", "kind: NodeConfig", "spec:", "  containerd:", "    config: |", toml].join("\n");
}

/**
 * The shell part: installs the pinned runsc and containerd-shim-runsc-v1 after checking each
 * against the SHA-512 file gVisor publishes beside it, and writes the shim's options
 * (systemd cgroup paths, which kubelet on AL2023 uses). A failed download or check stops the
 * script; the node then has no runsc, and gVisor pods on it fail to start rather than run
 * unsandboxed.
 */
export function gvisorInstallScript(release: string = GVISOR_RELEASE): string {
  return [
    "#!/bin/bash",
    `# Ephemera: gVisor ${release} for the runsc runtime that the NodeConfig part registers with containerd.`,
    "set -euo pipefail",
    `release="${release}"`,
    'url="https://storage.googleapis.com/gvisor/releases/release/${release}/$(uname -m)"',
    'work="$(mktemp -d)"',
    'cd "$work"',
    "for binary in runsc containerd-shim-runsc-v1; do",
    '  curl --fail --silent --show-error --location --retry 5 --output "$binary" "$url/$binary"',
    '  curl --fail --silent --show-error --location --retry 5 --output "$binary.sha512" "$url/$binary.sha512"',
    "done",
    "sha512sum --check --strict runsc.sha512 containerd-shim-runsc-v1.sha512",
    "install -m 0755 runsc containerd-shim-runsc-v1 /usr/local/bin/",
    `mkdir -p "$(dirname ${RUNSC_CONFIG_PATH})"`,
    `cat > ${RUNSC_CONFIG_PATH} <<'EOF'`,
    "[runsc_config]",
    '  systemd-cgroup = "true"',
    "EOF",
    'rm -rf "$work"',
    "",
  ].join("\n");
}

/**
 * The launch template's user data for a sandbox level: a MIME multi-part document (the form
 * EKS needs for AL2023 managed nodes), with the NodeConfig part and, for gVisor, the install
 * script. Plain text: the caller base64-encodes it.
 */
export function sandboxUserData(level: SandboxIsolation): string {
  const parts: { readonly contentType: string; readonly body: string }[] = [{ contentType: NODEADM_CONTENT_TYPE, body: nodeConfigYaml(level) }];
  if (level === "gvisor") parts.push({ contentType: 'text/x-shellscript; charset="us-ascii"', body: gvisorInstallScript() });
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    "",
    ...parts.flatMap((part) => [`--${BOUNDARY}`, `Content-Type: ${part.contentType}`, "", part.body, ""]),
    `--${BOUNDARY}--`,
    "",
  ].join("\n");
}
