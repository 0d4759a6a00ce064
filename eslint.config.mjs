// typescript-eslint's recommended rules plus the project rules that keep process
// memory, a later cdktf → cdktn rename and the length of functions in check.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    files: ["reaper/**/*.ts", "constructs/**/*.ts", "stacks/**/*.ts"],
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
);
