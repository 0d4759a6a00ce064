import { builtinModules } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../../harness/paths";

const MODEL = join(REPO_ROOT, "reaper/model");

describe("the model's dependencies", () => {
  test("it imports nothing but its own files and Node built-ins, so the reaper Lambda bundle stays small", () => {
    const outside: string[] = [];
    for (const file of readdirSync(MODEL).filter((name) => name.endsWith(".ts"))) {
      const source = readFileSync(join(MODEL, file), "utf8");
      for (const [, specifier] of source.matchAll(/(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*)["']([^"']+)["']/g)) {
        const local = specifier.startsWith("./");
        const builtin = specifier.startsWith("node:") || builtinModules.includes(specifier);
        if (!local && !builtin) outside.push(`${file}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
