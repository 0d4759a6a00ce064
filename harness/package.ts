/**
 * Ephemera as a consumer gets it: `npm pack` of this repository (which builds it through
 * `prepare`), installed from the tarball into a directory of its own with the npm cache
 * (`--prefer-offline`, so nothing is downloaded that `npm ci` already fetched).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./paths";

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves with its exit code and output whatever the code (rejects only when it cannot start). */
export function run(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== "number") return reject(err);
      resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
    });
  });
}

async function must(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CommandOutput> {
  const out = await run(file, args, options);
  if (out.code !== 0) throw new Error(`${file} ${args.join(" ")} exited ${out.code} in ${options.cwd}:\n${out.stderr.slice(-4000)}`);
  return out;
}

/** npm with the update notifier, audit and funding messages off. */
const NPM_ENV = { ...process.env, npm_config_update_notifier: "false", npm_config_audit: "false", npm_config_fund: "false" };

/** Packs the repository into `destination` (building it first, as `npm pack` does) and returns the tarball's path. */
export async function packEphemera(destination: string): Promise<string> {
  const out = await must("npm", ["pack", "--pack-destination", destination, "--json"], { cwd: REPO_ROOT, env: NPM_ENV });
  // The build's own output comes first; npm's JSON is the last thing printed.
  const json = out.stdout.slice(out.stdout.lastIndexOf("\n[\n") + 1);
  const [{ filename }] = JSON.parse(json) as [{ filename: string }];
  return path.join(destination, filename);
}

/** `npm install` in `dir`, from the npm cache where it can; `args` are what to install (none: the directory's package.json). */
export async function npmInstall(dir: string, args: readonly string[] = []): Promise<void> {
  await must("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...args], { cwd: dir, env: NPM_ENV });
}

/** A new empty directory outside the repository (so nothing resolves from its node_modules). */
export function emptyDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every installed copy of a package under `dir`'s node_modules (nested ones included). */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    if (!fs.existsSync(modules)) return;
    for (const entry of fs.readdirSync(modules)) {
      const scoped = entry.startsWith("@") ? fs.readdirSync(path.join(modules, entry)).map((e) => `${entry}/${e}`) : [entry];
      for (const pkg of scoped) {
        const at = path.join(modules, pkg);
        if (pkg === name && fs.existsSync(path.join(at, "package.json"))) found.push(at);
        walk(path.join(at, "node_modules"));
      }
    }
  };
  walk(path.join(dir, "node_modules"));
  return found;
}
