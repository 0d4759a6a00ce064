// typescript-eslint's recommended rules plus the project rules that keep process
// memory, a later cdktf → cdktn rename, the length of functions and the reaper's
// layering in check.
import js from "@eslint/js";
import * as fs from "node:fs";
import boundaries from "eslint-plugin-boundaries";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * The reaper's layering, read from reaper-layers.json: the same data `npm run generate`
 * renders as the layer table of docs/architecture.md. Its rows are the reaper's folders,
 * bottom to top. A folder may import itself and the folders of the rows below its own,
 * never one of its own row or above, so the folder graph is a DAG; a few may import less
 * (`narrower`). Above them all is reaper/index.ts, the engine's API, which may import any
 * folder. A new folder goes into a row there first: until it does, its files may import nothing.
 */
const LAYERING = JSON.parse(fs.readFileSync(new URL("./reaper-layers.json", import.meta.url), "utf8"));
const REAPER_LAYERS = LAYERING.layers.map((row) => row.map((entry) => entry.folder));

const reaperFolders = REAPER_LAYERS.flat();
const below = (folder) => REAPER_LAYERS.slice(0, REAPER_LAYERS.findIndex((row) => row.includes(folder))).flat();
const known = (folder, where) => {
  if (!reaperFolders.includes(folder)) throw new Error(`reaper-layers.json: ${where} names ${JSON.stringify(folder)}, which is in no row of layers`);
  return folder;
};

/** What each folder may import: itself and the rows below it, narrower for a few (reaper-layers.json's `narrower`). */
const REAPER_IMPORTS = Object.fromEntries(
  reaperFolders.map((folder) => {
    const rule = LAYERING.narrower[folder];
    const allowed =
      rule === undefined ? below(folder) : rule.mayImportBelow !== undefined ? below(known(rule.mayImportBelow, `narrower.${folder}`)) : rule.mayImport.map((to) => known(to, `narrower.${folder}`));
    return [folder, [folder, ...allowed]];
  }),
);
for (const folder of Object.keys(LAYERING.narrower)) known(folder, "narrower");

/** Folders a folder imports for their types alone (contracts: kube). */
const TYPE_ONLY_IMPORTS = Object.entries(LAYERING.narrower).filter(([, rule]) => rule.typesOnly !== undefined);

/** The source folders outside reaper/ under the layering (constructs/, stacks/), and what they may import besides themselves. */
const OUTSIDE_REAPER = Object.entries(LAYERING.outsideReaper);

const elements = (types) => ({ element: { types: { anyOf: types } } });

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "cdktf.out/", "coverage/", "**/*.js", "**/*.mjs", "examples/**/cdktf.out/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cdktf/provider-aws", message: "Import the class by deep path (@cdktf/provider-aws/lib/<resource>): the package root costs seconds and hundreds of MB." },
            { name: "@cdktf/provider-kubernetes", message: "Import the class by deep path (@cdktf/provider-kubernetes/lib/<resource>)." },
          ],
        },
      ],
    },
  },
  {
    // cdktf was archived upstream; only constructs/core.ts names the package so a rename is one edit.
    files: ["**/*.ts"],
    ignores: ["constructs/core.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "cdktf", message: "Import cdktf symbols from constructs/core.ts, the one module that names the package." },
            { name: "@cdktf/provider-aws", message: "Import the class by deep path (@cdktf/provider-aws/lib/<resource>): the package root costs seconds and hundreds of MB." },
            { name: "@cdktf/provider-kubernetes", message: "Import the class by deep path (@cdktf/provider-kubernetes/lib/<resource>)." },
          ],
        },
      ],
    },
  },
  {
    // A function a reader must scroll hides its steps; split it into named ones (issue 20).
    files: ["reaper/**/*.ts", "constructs/**/*.ts", "stacks/**/*.ts", "demo/**/*.ts", "bench/**/*.ts", "harness/**/*.ts", "scripts/**/*.ts", "main.ts", "index.ts"],
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    // The layering: each file belongs to one element (a reaper folder, the top of reaper/,
    // constructs/ or stacks/) and may import only what its element's policy allows.
    // Every import counts: `import type`, re-exports and dynamic `import()` too.
    files: ["reaper/**/*.ts", ...OUTSIDE_REAPER.map(([folder]) => `${folder}/**/*.ts`)],
    plugins: { boundaries },
    settings: {
      "boundaries/elements": [
        ...reaperFolders.map((folder) => ({ type: folder, pattern: `reaper/${folder}`, partialMatch: false })),
        // The first descriptor that matches wins: this one takes the rest of reaper/ (its top, a folder in no row).
        { type: "reaper-top", pattern: "reaper", partialMatch: false },
        ...OUTSIDE_REAPER.map(([folder]) => ({ type: folder, pattern: folder, partialMatch: false })),
      ],
      // Of the files at the top of reaper/, only index.ts (the engine's API) has a policy.
      "boundaries/files": [{ category: "engine-api", pattern: "reaper/index.ts" }],
      "boundaries/dependency-nodes": ["import", "export", "dynamic-import"],
      "import/resolver": { node: { extensions: [".ts", ".js"] } },
      "boundaries/legacy-templates": false,
    },
    rules: {
      "boundaries/dependencies": [
        "error",
        {
          default: "disallow",
          // A local file in no element (harness/, test/, bench/, the package entry) may not be imported either.
          checkUnknownLocals: true,
          message:
            "{{from.type}} may not import {{#if to.type}}{{to.type}}{{else}}{{to.file.path}}, a file in no layer{{/if}} ({{dependency.source}}). " +
            `A reaper folder imports only itself and the rows below its own in reaper-layers.json, less for ${Object.keys(LAYERING.narrower).join(", ")} (the table in docs/architecture.md); ` +
            "of the rest of reaper/ (reaper-top) only index.ts imports; constructs/ and stacks/ import from reaper/ only model/ and contracts/",
          policies: [
            ...reaperFolders.map((folder) => ({ from: elements([folder]), allow: { to: elements(REAPER_IMPORTS[folder]) } })),
            ...TYPE_ONLY_IMPORTS.map(([folder, rule]) => ({ from: elements([folder]), allow: { to: elements(rule.typesOnly.map((to) => known(to, `narrower.${folder}.typesOnly`))), dependency: { kind: "type" } } })),
            { from: { ...elements(["reaper-top"]), file: { categories: "engine-api" } }, allow: { to: elements(reaperFolders) } },
            // A cdktf app loads from reaper/ only the shared model and contracts, never the runtime.
            ...OUTSIDE_REAPER.map(([folder, rule]) => ({ from: elements([folder]), allow: { to: elements([folder, ...rule.mayImport]) } })),
          ],
        },
      ],
    },
  },
  {
    // No import cycle between files (type-only imports are erased, so they do not count here;
    // the layering above, which counts them, keeps the folders acyclic).
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json"] })],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
);
