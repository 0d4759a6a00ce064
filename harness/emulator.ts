import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { PostgresCluster, startPostgres } from "./postgres";

/** Static credentials the emulator accepts; never real ones. */
export const EMULATOR_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;
export const EMULATOR_REGION = "us-east-1";
/** moto's default account id: ARNs and budgets use it. */
export const EMULATOR_ACCOUNT_ID = "123456789012";

const LAUNCHER = path.join(__dirname, "moto", "launcher.py");
const START_TIMEOUT_MS = 30_000;

/** A running local AWS emulator (moto with Ephemera's gap fixes). */
export interface Emulator {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** What an AWS SDK v3 client constructor needs to talk to the emulator. */
  clientConfig(): {
    endpoint: string;
    region: string;
    credentials: typeof EMULATOR_CREDENTIALS;
    forcePathStyle: boolean;
  };
  /** Environment variables that point AWS tooling (SDK, CLI, our own CLI) at the emulator. */
  env(): Record<string, string>;
  /** Clears all emulated state (< 1 s). */
  reset(): Promise<void>;
  /** Stops the emulator (and its PostgreSQL cluster); safe to call twice. */
  stop(): Promise<void>;
  /** The cluster behind RDS PostgreSQL instances, when started with `rdsPostgres` (harness/postgres-backed-rds.ts). */
  readonly postgres?: PostgresCluster;
}

/** How to start an emulator. */
export interface StartEmulatorOptions {
  /**
   * Back RDS PostgreSQL instances with databases in a local PostgreSQL cluster started for
   * this emulator (harness/moto/moto_gaps/rds_postgres.py says what is backed).
   * @default false
   */
  readonly rdsPostgres?: boolean;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave an emulator behind, even when a test run crashes.
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/** Starts moto on a free loopback port and resolves once it answers HTTP. */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  // Never inherited: without the option, RDS is moto's own.
  if (!options.rdsPostgres) return startMoto({ EPHEMERA_RDS_POSTGRES: undefined });
  const postgres = await startPostgres();
  try {
    const emulator = await startMoto({ EPHEMERA_RDS_POSTGRES: rdsPostgresSetting(postgres) });
    return { ...emulator, postgres, stop: () => emulator.stop().finally(() => postgres.stop()) };
  } catch (err) {
    await postgres.stop();
    throw err;
  }
}

/** EPHEMERA_RDS_POSTGRES, as harness/moto/moto_gaps/rds_postgres.py reads it. */
function rdsPostgresSetting(postgres: PostgresCluster): string {
  const { host, port, admin, binDir, scratchDir } = postgres;
  return JSON.stringify({ host, port, user: admin.user, password: admin.password, bin: binDir, dumps: scratchDir });
}

async function startMoto(env: Record<string, string | undefined>): Promise<Emulator> {
  installExitHook();
  const python = process.env.EPHEMERA_PYTHON ?? "python3";
  const child = spawn(python, [LAUNCHER, "--host", "127.0.0.1", "--parent-pid", String(process.pid)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true", ...env },
  });
  running.add(child);
  child.once("exit", () => running.delete(child));

  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 200) stderr.shift();
  });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`emulator did not start within ${START_TIMEOUT_MS} ms:\n${stderr.join("")}`));
    }, START_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${python} ${LAUNCHER}: ${err.message} (is python3 with moto installed?)`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with code ${code} before it was ready:\n${stderr.join("")}`));
    });
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^EPHEMERA_EMULATOR_PORT=(\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  // Keep draining stdout/stderr so a chatty server never blocks on a full pipe.
  child.stdout!.resume();

  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(endpoint);

  let stopped = false;
  return emulatorHandle(endpoint, async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  });
}

/**
 * An emulator that another process started and stops (a test that reads its state after a
 * demo ran against it): `endpoint` is `http://127.0.0.1:<port>`; `stop()` does nothing.
 */
export async function emulatorAt(endpoint: string): Promise<Emulator> {
  const url = new URL(endpoint);
  if (url.protocol !== "http:" || url.hostname !== "127.0.0.1" || url.port === "") throw new Error(`${endpoint} is not an emulator's endpoint: use http://127.0.0.1:<port>`);
  await waitUntilReady(url.origin);
  return emulatorHandle(url.origin, async () => undefined);
}

function emulatorHandle(endpoint: string, stop: () => Promise<void>): Emulator {
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    region: EMULATOR_REGION,
    accountId: EMULATOR_ACCOUNT_ID,
    clientConfig: () => ({
      endpoint,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      forcePathStyle: true,
    }),
    env: () => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: EMULATOR_REGION,
      AWS_DEFAULT_REGION: EMULATOR_REGION,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    }),
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`emulator reset failed: HTTP ${res.status}`);
    },
    stop,
  };
}

async function waitUntilReady(endpoint: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`emulator at ${endpoint} never became ready: ${String(lastError)}`);
}

export interface UseEmulatorOptions {
  /**
   * Clear all state before each test. Turn off for a suite whose tests walk one
   * lifecycle in order (apply, plan, destroy).
   * @default true
   */
  readonly resetBetweenTests?: boolean;
  /** Start the emulator with a PostgreSQL backing for RDS (see StartEmulatorOptions). @default false */
  readonly rdsPostgres?: boolean;
}

/**
 * Jest helper: one emulator per test file, reset before each test, stopped after
 * the file (also when a test fails). Returns a getter because the emulator only
 * exists once beforeAll has run.
 */
export function useEmulator(options: UseEmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  // Starting a PostgreSQL cluster may first install its package.
  beforeAll(async () => {
    emulator = await startEmulator({ rdsPostgres: options.rdsPostgres });
  }, options.rdsPostgres ? 600_000 : undefined);
  if (options.resetBetweenTests ?? true) {
    beforeEach(async () => {
      await emulator?.reset();
    });
  }
  afterAll(async () => {
    await emulator?.stop();
  });
  return () => {
    if (!emulator) throw new Error("the emulator is not running: call useEmulator() at the top of the test file");
    return emulator;
  };
}
