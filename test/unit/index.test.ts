import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as entry from "../../index";
import * as engine from "../../reaper";
import { REPO_ROOT } from "../../harness/paths";

/** The repository's tracked files (what a clean checkout has). */
const TRACKED = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
const SOURCE_FOLDERS = ["constructs/", "stacks/", "reaper/"];
const isProductSource = (file: string) => file.endsWith(".ts") && (SOURCE_FOLDERS.some((f) => file.startsWith(f)) || file === "index.ts" || file === "main.ts");

interface Import {
  readonly to: string;
  /** `import type` (erased at compile time). */
  readonly typeOnly: boolean;
}

/** The repository modules a source file imports, resolved to repository paths. */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  const found: Import[] = [];
  for (const m of text.matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)) {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[3]!));
    const to = [`${base}.ts`, `${base}/index.ts`].find((candidate) => fs.existsSync(path.join(REPO_ROOT, candidate)));
    if (to === undefined) throw new Error(`${file}: cannot resolve ${m[3]}`);
    found.push({ to, typeOnly: m[2] !== undefined });
  }
  return found;
}

describe("the package entry (index.ts)", () => {
  it("exports every construct, the stacks and their config readers", () => {
    for (const name of ["EphemeralEnvironment", "AuditBucket", "SnapshotDatabase", "SpotNodeGroup", "EnvBudget", "EnvNamespace", "EnvExpirySchedule", "Reaper", "PlatformStack", "EnvironmentStack", "ClusterStack"]) {
      expect({ name, type: typeof (entry as Record<string, unknown>)[name] }).toEqual({ name, type: "function" });
    }
    expect(typeof entry.readEnvironmentConfig).toBe("function");
    expect(typeof entry.readClusterConfig).toBe("function");
    expect(entry.TAG.managedBy).toBe("ephemera:managed-by");
  });

  it("exports every value of the reaper engine (sweep, reaperConfig, verifyAudit, the plans, the handler), the same objects", () => {
    const values = Object.keys(engine).sort();
    expect(values).toEqual(expect.arrayContaining(["sweep", "reaperConfig", "verifyAudit", "planPause", "planResume", "planExtend", "handler", "createHandler", "runCli"]));
    for (const name of values) expect({ name, same: (entry as Record<string, unknown>)[name] === (engine as Record<string, unknown>)[name] }).toEqual({ name, same: true });
  });

  it("loads no AWS SDK with the constructs, the stacks and the shared model, so synthesizing stays cheap", () => {
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, ".ephemera-tmp-entry-"));
    try {
      const probe = path.join(dir, "probe.ts");
      fs.writeFileSync(
        probe,
        [
          `import { EphemeralEnvironment } from "../constructs";`,
          `import { EnvironmentStack } from "../stacks";`,
          `import { TAG } from "../reaper/model";`,
          `const sdk = Object.keys(require.cache).filter((k) => k.includes("@aws-sdk"));`,
          `console.log(JSON.stringify({ loaded: [typeof EphemeralEnvironment, typeof EnvironmentStack, typeof TAG], sdk }));`,
        ].join("\n"),
      );
      const out = execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/run-ts.mjs"), probe], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ loaded: ["function", "function", "object"], sdk: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the module graph", () => {
  const sources = TRACKED.filter(isProductSource);

  it("has no import cycle at run time (type-only imports are erased)", () => {
    const graph = new Map(sources.map((file) => [file, importsOf(file).filter((i) => !i.typeOnly).map((i) => i.to)]));
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of sources) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("lets the constructs and stacks import from the reaper only its shared model and contracts", () => {
    const allowed = (to: string) => to.startsWith("reaper/model/") || to.startsWith("reaper/contracts/");
    const crossings = sources
      .filter((file) => file.startsWith("constructs/") || file.startsWith("stacks/"))
      .flatMap((file) => importsOf(file).filter((i) => i.to.startsWith("reaper/") && !allowed(i.to)).map((i) => `${file} → ${i.to}`));
    expect(crossings).toEqual([]);
  });

  it("keeps the contracts cheap: at run time they import nothing but the model and each other", () => {
    const contracts = sources.filter((file) => file.startsWith("reaper/contracts/"));
    const loads = contracts.flatMap((file) => importsOf(file).filter((i) => !i.typeOnly).map((i) => i.to));
    expect(loads.filter((to) => !to.startsWith("reaper/model/") && !to.startsWith("reaper/contracts/"))).toEqual([]);
  });

  it("has at most four files at the top of reaper/, and no helper among the kind adapters", () => {
    const top = TRACKED.filter((file) => /^reaper\/[^/]+$/.test(file));
    expect(top.length).toBeLessThanOrEqual(4);
    const kinds = TRACKED.filter((file) => /^reaper\/kinds\/[^/]+\.ts$/.test(file)).map((file) => path.basename(file, ".ts"));
    const { KIND_NAMES } = engine;
    expect(kinds.filter((k) => !(KIND_NAMES as readonly string[]).includes(k)).sort()).toEqual(["index"]);
  });
});

describe("the repository", () => {
  it("mirrors source paths in test paths: test/<tier>/<path>/<name>[.<aspect>].test.ts tests <path>/<name>(.ts or folder)", () => {
    const unmatched = TRACKED.filter((file) => /^test\/(unit|integration|e2e)\/.*\.test\.ts$/.test(file)).filter((file) => {
      const rel = file.replace(/^test\/(unit|integration|e2e)\//, "").replace(/\.test\.ts$/, "");
      const dir = path.posix.dirname(rel);
      const name = path.posix.basename(rel).split(".")[0]!;
      const source = path.posix.join(dir === "." ? "" : dir, name);
      return ![".ts", ".mjs", ".yml", ".json", ""].some((ext) => fs.existsSync(path.join(REPO_ROOT, source + ext)));
    });
    expect(unmatched).toEqual([]);
  });

  it("refers to no file outside itself", () => {
    const outside = TRACKED.filter((file) => /\.(ts|js|mjs|md|json|yml|py|sh)$/.test(file) || file === ".ci/run")
      .filter((file) => file !== "package-lock.json")
      .filter((file) => /\.\.\/shared\/|\b(DESIGN|STYLE|EMULATOR-NOTES)\.md\b/.test(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")));
    expect(outside).toEqual([]);
  });
});
