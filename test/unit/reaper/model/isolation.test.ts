import {
  ISOLATION_LEVELS,
  ISOLATION_NAMESPACE_LABEL,
  isK8sLabelValue,
  parseIsolation,
  RUNTIME_OVERHEAD,
  runtimeClassName,
  runtimeHandler,
  SANDBOX_LEVELS,
  SANDBOX_NODE_LABEL,
  sandboxNodeLabels,
  sandboxTaint,
  tryParseIsolation,
} from "../../../../reaper/model";
import { expectInvalid } from "./expect-invalid";

const isValidLevel = (text: string) => tryParseIsolation(text).ok;

describe("parseIsolation", () => {
  test.each(ISOLATION_LEVELS)("%s is accepted", (value) => {
    expect(parseIsolation(value)).toBe(value);
  });

  test("an absent level means none, today's behaviour", () => {
    expect(parseIsolation(undefined)).toBe("none");
  });

  test.each(["gVisor", "firecracker", "", "kata "])("%j is rejected rather than read as none", (text) => {
    const error = expectInvalid(tryParseIsolation(text, { field: "isolation" }), "isolation", text, isValidLevel);
    expect(error.message).toContain('"none", "gvisor", "kata"');
  });

  test("the error names the field the caller passes", () => {
    expect(() => parseIsolation("vm", { field: "EnvNamespace.isolation" })).toThrow(/^EnvNamespace\.isolation "vm" is not a known isolation level/);
  });
});

describe("the sandbox levels' facts", () => {
  test("every level but none is a sandbox level", () => {
    expect(SANDBOX_LEVELS).toEqual(ISOLATION_LEVELS.filter((level) => level !== "none"));
  });

  test.each(SANDBOX_LEVELS)("%s nodes are labelled and tainted with the same key and the level as value", (level) => {
    expect(sandboxNodeLabels(level)).toEqual({ [SANDBOX_NODE_LABEL]: level });
    expect(sandboxTaint(level)).toEqual({ key: SANDBOX_NODE_LABEL, value: level, effect: "NoSchedule" });
    expect(isK8sLabelValue(level)).toBe(true);
  });

  test("the handlers are the names gVisor's and kata-deploy's containerd configs register", () => {
    expect(runtimeHandler("gvisor")).toBe("runsc");
    expect(runtimeHandler("kata")).toBe("kata-qemu");
  });

  test.each(SANDBOX_LEVELS)("%s's overhead is a CPU and a memory quantity", (level) => {
    expect(RUNTIME_OVERHEAD[level].cpu).toMatch(/^\d+m$/);
    expect(RUNTIME_OVERHEAD[level].memory).toMatch(/^\d+Mi$/);
  });

  test.each(SANDBOX_LEVELS)("%s's RuntimeClass is named after the level, one per cluster", (level) => {
    expect(runtimeClassName(level)).toBe(`ephemera-${level}`);
  });

  test("namespaces are put under a level by a label apart from the sandbox nodes' label", () => {
    expect(ISOLATION_NAMESPACE_LABEL).toBe("ephemera.dev/isolation");
    expect(ISOLATION_NAMESPACE_LABEL).not.toBe(SANDBOX_NODE_LABEL);
  });
});
