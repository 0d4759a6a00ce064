import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../../harness/paths";

/** README.md and every page of docs/, which must stay true to the code. */
const PAGES = ["README.md", ...fs.readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (page: string) => fs.readFileSync(path.join(REPO_ROOT, page), "utf8");

function tsBlocks(page: string): { page: string; index: number; code: string }[] {
  return [...read(page).matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, index) => ({ page, index, code: m[1]! }));
}

describe("the documentation", () => {
  it("compiles every TypeScript example, importing Ephemera by its package name", () => {
    const blocks = PAGES.flatMap(tsBlocks);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, ".ephemera-tmp-docs-"));
    try {
      const files = blocks.map((b) => {
        const file = path.join(dir, `${b.page.replace(/[/.]/g, "_")}_${b.index}.ts`);
        fs.writeFileSync(file, b.code);
        return file;
      });
      const program = ts.createProgram(files, {
        strict: true,
        noEmit: true,
        noUnusedLocals: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ["node"],
        // "ephemera" is the package entry, as a user's app sees it once installed.
        paths: { ephemera: [path.join(REPO_ROOT, "index.ts")] },
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((d) => `${d.file ? path.basename(d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      expect(problems).toEqual([]);
      for (const block of blocks) expect({ page: block.page, importsEphemera: /from "ephemera"/.test(block.code) }).toEqual({ page: block.page, importsEphemera: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(PAGES.map((p) => [p]))("%s links only to pages and files that exist", (page) => {
    const broken = [...read(page).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => !fs.existsSync(path.join(REPO_ROOT, path.dirname(page), target)));
    expect(broken).toEqual([]);
  });

  it.each(PAGES.map((p) => [p]))("%s names only repository files that exist", (page) => {
    const named = [...read(page).matchAll(/`((?:constructs|stacks|reaper|harness|demo|examples|bench|scripts|test|docs)\/[A-Za-z0-9_./-]+\.(?:ts|mjs|md|py|yml|txt))`/g)].map((m) => m[1]!);
    expect(named.filter((file) => !fs.existsSync(path.join(REPO_ROOT, file)))).toEqual([]);
  });

  it("keeps the README the short front door: at most 250 lines, with the two set-up commands", () => {
    const readme = read("README.md");
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    expect(readme).toContain("```sh\nnpm install && npm run demo\n```");
    expect(readme).toContain("```sh\nnpm install && npm test\n```");
  });
});
