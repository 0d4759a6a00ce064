import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KIND_NAMES } from "../../../reaper/contracts/kind-catalog";
import { SETTINGS } from "../../../reaper/model";
import { DOCS_DIR, GENERATED_PAGES, generatedSection, REAPER_LAYERING, reaperImports, withGeneratedSections } from "../../../scripts/docs-tables";
import { CLUSTER_INPUTS } from "../../../stacks/cluster-config";
import { ENVIRONMENT_INPUTS } from "../../../stacks/environment-config";

const REPO_ROOT = path.join(DOCS_DIR, "..");

describe("the generated tables in docs/", () => {
  it.each(Object.entries(GENERATED_PAGES))("docs/%s is up to date with the code it is generated from (run npm run generate)", (page, sections) => {
    const text = fs.readFileSync(path.join(DOCS_DIR, page), "utf8");
    expect(withGeneratedSections(text, sections)).toBe(text);
  });

  it("has a row for every kind of the catalog, and its IAM actions", () => {
    const kinds = generatedSection("kinds");
    const iam = generatedSection("kinds-iam");
    for (const kind of KIND_NAMES) {
      expect(kinds).toContain(`| \`${kind}\` |`);
      expect(iam).toContain(`| \`${kind}\` |`);
    }
    expect(iam).toContain("`rds:DeleteDBInstance`");
  });

  it("has a row for every setting and every environment input", () => {
    const settings = generatedSection("settings");
    for (const s of Object.values(SETTINGS)) expect(settings).toContain(`\`${s.env}\``);
    const inputs = generatedSection("environment-inputs");
    for (const i of ENVIRONMENT_INPUTS) expect(inputs).toContain(`\`${i.name}\``);
  });

  it("lists the cluster stack's inputs, the cluster name required with a sandbox level offered", () => {
    const inputs = generatedSection("cluster-inputs");
    expect(CLUSTER_INPUTS.map((i) => i.name)).toEqual(["EPHEMERA_OFFERED_ISOLATION", "EPHEMERA_CLUSTER_NAME", "EPHEMERA_REGION", "EPHEMERA_STATE_BUCKET", "EPHEMERA_STATE_LOCK_TABLE"]);
    for (const i of CLUSTER_INPUTS) expect(inputs).toContain(`| \`${i.name}\` |`);
    expect(inputs).toContain("| `EPHEMERA_CLUSTER_NAME` | with a sandbox level in EPHEMERA_OFFERED_ISOLATION |");
  });

  it("has a layer row for every folder of reaper/ on disk, and none for a folder that is gone", () => {
    const onDisk = fs
      .readdirSync(path.join(REPO_ROOT, "reaper"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const rows = [...generatedSection("layers").matchAll(/^\| [^|]+ \| `reaper\/([^/`]+)\/` \|/gm)].map((m) => m[1]!).sort();
    // A new folder goes into a row of reaper-layers.json first: the lint lets it import nothing until it does.
    expect({ withoutRow: onDisk.filter((f) => !rows.includes(f)), withoutFolder: rows.filter((f) => !onDisk.includes(f)) }).toEqual({ withoutRow: [], withoutFolder: [] });
  });

  it("shows the layering the lint enforces: each folder's imports as eslint.config.mjs computes them from reaper-layers.json", () => {
    const printed = execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "eslint", "bin", "eslint.js"), "--print-config", "reaper/index.ts"], { cwd: REPO_ROOT, encoding: "utf8" });
    const [, { policies }] = (JSON.parse(printed) as { rules: Record<string, [number, { policies: LintPolicy[] }]> }).rules["boundaries/dependencies"]!;
    const types = (selector: { element: { types: { anyOf: string[] } } }) => selector.element.types.anyOf;
    const lint: Record<string, { folders: string[]; typesOnly: string[] }> = {};
    for (const policy of policies.filter((p) => p.from.file === undefined)) {
      const [from] = types(policy.from);
      const entry = (lint[from!] ??= { folders: [], typesOnly: [] });
      const to = types(policy.allow.to).filter((t) => t !== from);
      if (policy.allow.dependency?.kind === "type") entry.typesOnly.push(...to);
      else entry.folders.push(...to);
    }
    const docs = Object.fromEntries(Object.entries(reaperImports(REAPER_LAYERING)).map(([folder, i]) => [folder, { folders: [...i.folders], typesOnly: [...i.typesOnly] }]));
    const outside = Object.fromEntries(Object.entries(REAPER_LAYERING.outsideReaper).map(([folder, rule]) => [folder, { folders: [...rule.mayImport], typesOnly: [] }]));
    expect(lint).toEqual({ ...docs, ...outside });
    // The engine's API, reaper/index.ts, may import every folder.
    const api = policies.find((p) => p.from.file !== undefined)!;
    expect(types(api.allow.to)).toEqual(REAPER_LAYERING.layers.flat().map((l) => l.folder));
  });

  it("refuses a page without the markers, and an unknown section", () => {
    expect(() => withGeneratedSections("# no markers\n", ["kinds"])).toThrow("<!-- generated:kinds -->");
    expect(() => generatedSection("nope")).toThrow('no generated section named "nope"');
  });
});

/** One policy of eslint-plugin-boundaries' `boundaries/dependencies`, as `eslint --print-config` prints it. */
interface LintPolicy {
  readonly from: { element: { types: { anyOf: string[] } }; file?: unknown };
  readonly allow: { to: { element: { types: { anyOf: string[] } } }; dependency?: { kind: string } };
}
