import * as fs from "node:fs";
import * as path from "node:path";
import { DELETE_PHASE_ORDER, PAUSE_PHASE_ORDER } from "../../../../reaper/contracts/plan";
import { ALL_KIND_ADAPTERS, KIND_ADAPTERS } from "../../../../reaper/kinds";
import { KIND_NAMES, kindRow } from "../../../../reaper/contracts/kind-catalog";
import { REPO_ROOT } from "../../../../harness/paths";

/**
 * Adding a kind is its adapter file, its catalog row and its tests. These checks fail
 * when one of the three is missing, or when the row and the adapter disagree.
 */
describe("the kind table and the kind catalog", () => {
  it("has one adapter per catalog row, each under its own name, in the catalog's order", () => {
    expect(Object.keys(KIND_ADAPTERS)).toEqual([...KIND_NAMES]);
    expect(ALL_KIND_ADAPTERS.map((a) => a.kind)).toEqual([...KIND_NAMES]);
    for (const [kind, adapter] of Object.entries(KIND_ADAPTERS)) expect(adapter.kind).toBe(kind);
  });

  it.each(KIND_NAMES.map((kind) => [kind]))("%s has an adapter file named after it and an integration test of its own", (kind) => {
    expect(fs.existsSync(path.join(REPO_ROOT, "reaper/kinds", `${kind}.ts`))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, "test/integration/reaper/kinds", `${kind}.test.ts`))).toBe(true);
  });

  it("gives pause and resume together, to exactly the kinds whose row has a pause phase", () => {
    const pausable = ALL_KIND_ADAPTERS.filter((a) => a.pause !== undefined).map((a) => a.kind);
    expect(pausable.sort()).toEqual(["ec2-instance", "eks-nodegroup", "k8s-namespace", "rds-instance"]);
    for (const adapter of ALL_KIND_ADAPTERS) {
      expect({ kind: adapter.kind, resume: adapter.resume !== undefined }).toEqual({ kind: adapter.kind, resume: adapter.pause !== undefined });
      expect({ kind: adapter.kind, pausePhase: kindRow(adapter.kind).pausePhase !== undefined }).toEqual({ kind: adapter.kind, pausePhase: adapter.pause !== undefined });
    }
  });

  it("places every kind in a phase that the delete (and pause) order runs", () => {
    for (const kind of KIND_NAMES) {
      const row = kindRow(kind);
      expect({ kind, deletePhase: DELETE_PHASE_ORDER.includes(row.deletePhase) }).toEqual({ kind, deletePhase: true });
      if (row.pausePhase !== undefined) expect({ kind, pausePhase: PAUSE_PHASE_ORDER.includes(row.pausePhase) }).toEqual({ kind, pausePhase: true });
    }
  });

  it("grants IAM for every AWS operation an adapter has (Kubernetes namespaces use Kubernetes RBAC)", () => {
    for (const kind of KIND_NAMES.filter((k) => k !== "k8s-namespace")) {
      const { iam } = kindRow(kind);
      expect({ kind, lists: iam.discover.length > 0 || iam.read !== undefined }).toEqual({ kind, lists: true });
      expect({ kind, tag: iam.tag !== undefined, delete: iam.delete !== undefined }).toEqual({ kind, tag: true, delete: true });
      expect({ kind, pause: iam.pause !== undefined }).toEqual({ kind, pause: KIND_ADAPTERS[kind].pause !== undefined });
    }
  });

  it("takes a final snapshot only of kinds that hold data, and those have the IAM to create it", () => {
    for (const kind of KIND_NAMES) {
      const row = kindRow(kind);
      expect({ kind, finalSnapshot: row.iam.finalSnapshot !== undefined }).toEqual({ kind, finalSnapshot: row.holdsData });
    }
  });
});
