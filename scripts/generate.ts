/**
 * `npm run generate`: rewrites every file derived from code, in order, each step in a
 * process of its own so it bundles what the step before wrote:
 *
 * 1. `reaper/kinds/index.ts`, the adapter table, from the adapter files' names;
 * 2. `reaper/contracts/kind-catalog.ts`, from the row each adapter declares (generate-catalog.ts);
 * 3. the generated tables in docs/ (generate-docs.ts).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { KIND_INDEX_FILE, kindNamesOnDisk, renderKindIndex, REPO_ROOT as ROOT, writeIfChanged } from "./kind-table";

writeIfChanged(KIND_INDEX_FILE, renderKindIndex(kindNamesOnDisk()));
for (const step of ["scripts/generate-catalog.ts", "scripts/generate-docs.ts"]) {
  const run = spawnSync(process.execPath, [path.join(ROOT, "scripts/run-ts.mjs"), path.join(ROOT, step)], { cwd: ROOT, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
