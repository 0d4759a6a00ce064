import * as fs from "node:fs";
import * as path from "node:path";
import { DELETE_PHASE_ORDER, PAUSE_PHASE_ORDER } from "../../../../reaper/contracts/plan";
import { ALL_KIND_ADAPTERS, KIND_ADAPTERS } from "../../../../reaper/kinds";
import { KIND_NAMES, kindRow } from "../../../../reaper/contracts/kind-catalog";
import { REPO_ROOT } from "../../../../harness/paths";

/**
 * Adding a kind is its adapter file (the row and the adapter) and its integration test.
 * These checks fail when one is missing, when the row declares no permission for an
 * operation the adapter has, or when the row and the adapter disagree.
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
    expect(pausable.length).toBeGreaterThan(0);
    for (const adapter of ALL_KIND_ADAPTERS) {
      expect({ kind: adapter.kind, resume: adapter.resume !== undefined }).toEqual({ kind: adapter.kind, resume: adapter.pause !== undefined });
      expect({ kind: adapter.kind, pausePhase: kindRow(adapter.kind).pausePhase !== undefined }).toEqual({ kind: adapter.kind, pausePhase: adapter.pause !== undefined });
      expect({ kind: adapter.kind, describesPause: kindRow(adapter.kind).how.pause !== undefined }).toEqual({ kind: adapter.kind, describesPause: adapter.pause !== undefined });
    }
  });

  it("places every kind in a phase that the delete (and pause) order runs", () => {
    for (const kind of KIND_NAMES) {
      const row = kindRow(kind);
      expect({ kind, deletePhase: DELETE_PHASE_ORDER.includes(row.deletePhase) }).toEqual({ kind, deletePhase: true });
      if (row.pausePhase !== undefined) expect({ kind, pausePhase: PAUSE_PHASE_ORDER.includes(row.pausePhase) }).toEqual({ kind, pausePhase: true });
    }
  });

  it.each(KIND_NAMES.map((kind) => [kind]))("%s declares the permissions of every operation its adapter has", (kind) => {
    const row = kindRow(kind);
    const adapter = KIND_ADAPTERS[kind];
    const rbac = (verb: string) => (row.kubernetesRbac ?? []).some((rule) => rule.verbs.includes(verb));
    // What each operation needs: its IAM grant, or (for a kind acted on through Kubernetes) the RBAC verb.
    const declared = {
      list: row.iam.discover.length > 0 || row.iam.read !== undefined,
      tag: row.iam.tag !== undefined || rbac("patch"),
      delete: row.iam.delete !== undefined || rbac("delete"),
      pause: adapter.pause === undefined || row.iam.pause !== undefined || rbac("patch"),
      restore: adapter.restore === undefined || row.iam.restore !== undefined,
      rotateCredentials: adapter.rotateCredentials === undefined || row.iam.credentials !== undefined,
    };
    expect({ kind, declared }).toEqual({ kind, declared: { list: true, tag: true, delete: true, pause: true, restore: true, rotateCredentials: true } });
    if (row.kubernetesRbac !== undefined) expect({ kind, listsThroughKubernetes: rbac("list") }).toEqual({ kind, listsThroughKubernetes: true });
  });

  it("takes a final snapshot only of kinds that hold data, and those have the IAM to create it", () => {
    for (const kind of KIND_NAMES) {
      const row = kindRow(kind);
      expect({ kind, finalSnapshot: row.iam.finalSnapshot !== undefined }).toEqual({ kind, finalSnapshot: row.holdsData });
    }
  });
});
