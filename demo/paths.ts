import * as path from "node:path";

/**
 * The repository root. This module's `__dirname` is its source folder (demo/) also when
 * scripts/run-ts.mjs runs the demo from a bundle.
 */
export const REPO_ROOT = path.resolve(__dirname, "..");
