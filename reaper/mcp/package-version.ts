import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The version in the ephemera package's package.json: the nearest one up from this
 * module named "ephemera" (reaper/mcp/ in the repository, dist/reaper/mcp/ once built).
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ephemera" && typeof pkg.version === "string") return pkg.version;
    }
    if (path.dirname(dir) === dir) return "0.0.0";
  }
}
