// typescript-eslint's recommended rules plus the project rules that keep process
// memory, a later cdktf → cdktn rename, the length of functions and the reaper's
// layering in check.
import js from "@eslint/js";
import boundaries from "eslint-plugin-boundaries";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * The reaper's folders, bottom to top. A folder may import itself and the folders of the
 * rows below its own, never one of its own row or above, so the folder graph is a DAG.
 * Above them all is reaper/index.ts, the engine's API, which may import any folder. A new
 * folder goes into a row here first: until it does, its files may import nothing.
 */
const REAPER_LAYERS = [
  ["model"], // pure domain values: the tag schema, TTL grammar, names, setting specs
  ["kube"], // the small Kubernetes client
  ["contracts"], // what the layers share: the plan, the kind adapter and its context, the kind catalog
  ["support"], // generic helpers: outcomes, paging, bounded concurrency, tag lists
  ["config"], // the engine config and the EPHEMERA_* settings reader
  ["state"], // the state store in the audit bucket
  ["audit"], // hash-chained records, the run ledger, verification
  ["kinds"], // one adapter per kind
  ["spend"], // the spend meter
  ["discovery", "decision"], // discover; decide (pure)
  ["action"], // act on a plan, audited
  ["runtime"], // the composition root: SDK clients, the kind context, the account guard, audited runs
  ["admission"], // fan-out control
  ["pool"], // the warm database pool
  ["operations"], // what the CLI and the Lambda run: a sweep, extend, pause, ls, reports
  ["mcp"], // the MCP server (runs the CLI commands it is handed)
  ["cli", "handlers"], // the entry points: the ephemera CLI; the Lambda handler
];

const reaperFolders = REAPER_LAYERS.flat();
const below = (folder) => REAPER_LAYERS.slice(0, REAPER_LAYERS.findIndex((row) => row.includes(folder))).flat();

/** What each folder may import: itself and the rows below it, narrower for a few. */
const REAPER_IMPORTS = {
  ...Object.fromEntries(reaperFolders.map((folder) => [folder, [folder, ...below(folder)]])),
  // The contracts load nothing but the model at run time; kube only for its types (policy below).
  contracts: ["contracts", "model"],
  // The adapters see the engine only through the contracts.
  kinds: ["kinds", "model", "kube", "contracts", "support"],
  // The Lambda entry has no business with the MCP server.
  handlers: ["handlers", ...below("mcp")],
};

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
    files: ["reaper/**/*.ts", "constructs/**/*.ts", "stacks/**/*.ts"],
    plugins: { boundaries },
    settings: {
      "boundaries/elements": [
        ...reaperFolders.map((folder) => ({ type: folder, pattern: `reaper/${folder}`, partialMatch: false })),
        // The first descriptor that matches wins: this one takes the rest of reaper/ (its top, a folder in no row).
        { type: "reaper-top", pattern: "reaper", partialMatch: false },
        { type: "constructs", pattern: "constructs", partialMatch: false },
        { type: "stacks", pattern: "stacks", partialMatch: false },
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
            "A reaper folder imports only itself and the rows below its own in REAPER_LAYERS (eslint.config.mjs); " +
            "of the rest of reaper/ (reaper-top) only index.ts imports; constructs/ and stacks/ import from reaper/ only model/ and contracts/",
          policies: [
            ...reaperFolders.map((folder) => ({ from: elements([folder]), allow: { to: elements(REAPER_IMPORTS[folder]) } })),
            { from: elements(["contracts"]), allow: { to: elements(["kube"]), dependency: { kind: "type" } } },
            { from: { ...elements(["reaper-top"]), file: { categories: "engine-api" } }, allow: { to: elements(reaperFolders) } },
            // A cdktf app loads from reaper/ only the shared model and contracts, never the runtime.
            { from: elements(["constructs"]), allow: { to: elements(["constructs", "model", "contracts"]) } },
            { from: elements(["stacks"]), allow: { to: elements(["stacks", "constructs", "model", "contracts"]) } },
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
