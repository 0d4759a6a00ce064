import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as readline from "node:readline";
import { REPO_ROOT } from "../../../harness/paths";
import { startPostgres } from "../../../harness/postgres";

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(true)).once("error", () => resolve(false));
    socket.once("connect", () => socket.destroy());
  });
}

async function until(condition: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (await condition()) return true;
  }
  return condition();
}

describe("a throwaway PostgreSQL cluster", () => {
  it("takes password logins on a loopback port only with the right password, and stop() leaves nothing", async () => {
    const postgres = await startPostgres();
    const dir = path.dirname(postgres.scratchDir);
    const admin = { ...postgres.admin, database: "postgres" };
    try {
      expect(await postgres.query("SELECT current_user, current_setting('listen_addresses'), current_setting('password_encryption')", admin)).toBe(
        "ephemera_admin|127.0.0.1|scram-sha-256",
      );
      if (process.getuid?.() === 0) expect(fs.statSync(dir).uid).not.toBe(0);
      await expect(postgres.query("SELECT 1", { ...admin, password: "wrong" })).rejects.toThrow(/password authentication failed/);
    } finally {
      await postgres.stop();
      await postgres.stop();
    }
    expect(fs.existsSync(dir)).toBe(false);
    expect(await accepts(postgres.port)).toBe(false);
  }, 300_000);

  it("stops when the process that started it is killed", async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts", "run-ts.mjs"), path.join(REPO_ROOT, "test", "support", "postgres-until-killed.ts")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once("line", resolve));
    const { pid, port, dir } = JSON.parse(line) as { pid: number; port: number; dir: string };
    expect(await accepts(port)).toBe(true);
    process.kill(pid, "SIGKILL");
    expect(await until(async () => !fs.existsSync(dir) && !(await accepts(port)), 15_000)).toBe(true);
  }, 300_000);
});
