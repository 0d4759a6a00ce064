/**
 * A throwaway local PostgreSQL cluster (Debian's `postgresql` package): initdb into a temp
 * folder, a free loopback port, password (SCRAM) authentication only, stopped by `stop()`
 * or, when this process dies first, by a watchdog. PostgreSQL refuses to run as root, so
 * as root the server runs as the `postgres` OS user, which owns the temp folder.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "./package";

/** A role and its password. */
export interface PostgresLogin {
  readonly user: string;
  readonly password: string;
}

/** A running cluster. */
export interface PostgresCluster {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The cluster's superuser. */
  readonly admin: PostgresLogin;
  /** The server's own binaries (initdb, pg_ctl, psql, pg_dump, pg_restore). */
  readonly binDir: string;
  /** A folder for files that go with the cluster (the emulator's snapshot dumps), removed with it. */
  readonly scratchDir: string;
  /** Runs `sql` with psql as `login` on `database`; resolves with the rows, `|`-separated, one a line. */
  query(sql: string, login: PostgresLogin & { readonly database: string }): Promise<string>;
  /** Stops the server and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

const ADMIN = "ephemera_admin";
const START_TRIES = 3;

/** The folder of the newest installed PostgreSQL server's binaries, installing Debian's package when there is none. */
export async function postgresBinDir(): Promise<string> {
  const found = installedBinDir();
  if (found) return found;
  await installPostgres();
  const installed = installedBinDir();
  if (!installed) throw new Error("the postgresql package installed no /usr/lib/postgresql/<version>/bin/initdb");
  return installed;
}

function installedBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(root, v, "bin")).find((bin) => ["initdb", "pg_ctl", "psql", "pg_dump", "pg_restore"].every((tool) => fs.existsSync(path.join(bin, tool))));
}

/** The prefix that runs a command as root: none as root, `sudo -n` where sudo needs no password. */
async function asRoot(): Promise<string[] | undefined> {
  if (process.getuid?.() === 0) return [];
  const sudo = await run("sudo", ["-n", "true"], { cwd: os.tmpdir() }).catch(() => undefined);
  return sudo?.code === 0 ? ["sudo", "-n"] : undefined;
}

async function installPostgres(): Promise<void> {
  const sudo = await asRoot();
  if (!sudo) throw new Error("PostgreSQL's server (initdb, pg_ctl) is not installed: install Debian's postgresql package (apt-get install postgresql) or run as root");
  const apt = async (...args: string[]) => {
    const [file, ...rest] = [...sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args];
    return run(file!, rest, { cwd: os.tmpdir(), timeoutMs: 600_000 });
  };
  let out = await apt("install", "-y", "--no-install-recommends", "postgresql");
  if (out.code !== 0) {
    await apt("update");
    out = await apt("install", "-y", "--no-install-recommends", "postgresql");
  }
  if (out.code !== 0) throw new Error(`apt-get install postgresql failed (${out.code}):\n${out.stderr.slice(-2000)}`);
}

/** Starts a cluster in a new temp folder; the caller stops it. */
export async function startPostgres(): Promise<PostgresCluster> {
  const binDir = await postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-pg-"));
  try {
    const owner = await serverOwner(dir);
    const admin = { user: ADMIN, password: randomBytes(18).toString("base64url") };
    await initCluster(binDir, dir, admin, owner);
    const port = await startServer(binDir, dir, owner);
    return clusterHandle({ binDir, dir, port, admin, stopServer: serverStopper(binDir, dir, owner) });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Who runs the server's commands: this process, or (as root) `postgres` through runuser, owning `dir`. */
type Owner = (file: string, args: readonly string[]) => [string, string[]];

async function serverOwner(dir: string): Promise<Owner> {
  if (process.getuid?.() !== 0) return (file, args) => [file, [...args]];
  const id = async (flag: string) => Number((await run("id", [flag, "postgres"], { cwd: dir })).stdout.trim());
  const [uid, gid] = [await id("-u"), await id("-g")];
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error("running as root, but there is no postgres OS user to run PostgreSQL as (the postgresql package makes it)");
  fs.chownSync(dir, uid, gid);
  return (file, args) => ["runuser", ["-u", "postgres", "--", file, ...args]];
}

async function must(owner: Owner, file: string, args: readonly string[], dir: string): Promise<void> {
  const [command, argv] = owner(file, args);
  const out = await run(command, argv, { cwd: dir, timeoutMs: 120_000 });
  if (out.code !== 0) throw new Error(`${path.basename(file)} ${args.join(" ")} exited ${out.code}:\n${out.stdout.slice(-2000)}${out.stderr.slice(-2000)}`);
}

async function initCluster(binDir: string, dir: string, admin: PostgresLogin, owner: Owner): Promise<void> {
  const pwfile = path.join(dir, "pwfile");
  fs.writeFileSync(pwfile, admin.password, { mode: 0o644 });
  const args = ["-D", path.join(dir, "data"), "-U", admin.user, `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"];
  await must(owner, path.join(binDir, "initdb"), args, dir);
  fs.rmSync(pwfile);
}

/** Starts the server on a free loopback port (another, if that one was taken meanwhile). */
async function startServer(binDir: string, dir: string, owner: Owner): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // Durability is no concern for a throwaway cluster; the socket stays in its own folder.
    const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await must(owner, path.join(binDir, "pg_ctl"), ["-D", path.join(dir, "data"), "-l", path.join(dir, "server.log"), "-w", "-o", options, "start"], dir);
      return port;
    } catch (err) {
      if (attempt >= START_TRIES) throw new Error(`${String(err)}\n${fs.readFileSync(path.join(dir, "server.log"), "utf8").slice(-2000)}`);
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The shell command that stops the server at once and removes its folder. */
function serverStopper(binDir: string, dir: string, owner: Owner): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const [file, args] = owner(path.join(binDir, "pg_ctl"), ["-D", path.join(dir, "data"), "-m", "immediate", "stop"]);
  return `${[file, ...args].map(quote).join(" ")} >/dev/null 2>&1; rm -rf ${quote(dir)}`;
}

interface ClusterParts {
  readonly binDir: string;
  readonly dir: string;
  readonly port: number;
  readonly admin: PostgresLogin;
  readonly stopServer: string;
}

function clusterHandle({ binDir, dir, port, admin, stopServer }: ClusterParts): PostgresCluster {
  // Stops the server when this process is gone, however it went (a killed test worker runs no handler).
  const watchdog = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stopServer}`], { detached: true, stdio: "ignore" });
  watchdog.unref();
  const scratchDir = path.join(dir, "scratch");
  fs.mkdirSync(scratchDir);
  let stopped: Promise<void> | undefined;
  return {
    host: "127.0.0.1",
    port,
    admin,
    binDir,
    scratchDir,
    query: async (sql, login) => {
      const env = { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: login.user, PGPASSWORD: login.password, PGDATABASE: login.database, PGCONNECT_TIMEOUT: "10" };
      const out = await run(path.join(binDir, "psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], { cwd: os.tmpdir(), env });
      if (out.code !== 0) throw new Error(`psql as ${login.user} on ${login.database} exited ${out.code}: ${out.stderr.trim()}`);
      return out.stdout.trim();
    },
    stop: () => {
      stopped ??= (async () => {
        if (watchdog.exitCode === null && watchdog.pid !== undefined) process.kill(watchdog.pid);
        await run("sh", ["-c", stopServer], { cwd: os.tmpdir() });
      })();
      return stopped;
    },
  };
}
