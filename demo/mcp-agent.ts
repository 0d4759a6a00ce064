/**
 * An agent of `npm run demo:agents`: the official MCP client (`@modelcontextprotocol/sdk`'s
 * Client over StdioClientTransport) driving its own `ephemera mcp` server, started from
 * this checkout as docs/mcp.md says (`node scripts/run-ts.mjs reaper/cli/bin.ts mcp`), with
 * the operator's settings. Every environment operation goes through the server's tools.
 */
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { REPO_ROOT } from "../harness/paths";
import type { AgentSpec } from "./agent-cast";

/** A tool's answer: whether it was an error, its structured document (the command's --json) and its texts. */
export interface ToolAnswer<T> {
  readonly ok: boolean;
  readonly doc: T | undefined;
  readonly text: string;
}

/** admit_environment's document (ephemera admit --json), the fields the demo reads. */
export interface Admission {
  readonly status: "admitted" | "refused";
  readonly limit?: string;
  readonly reason: string;
  readonly basis?: string;
}

/** claim_database's document (ephemera claim --json). */
export interface Claim {
  readonly status: "claimed" | "empty" | "failed" | "refused";
  readonly database?: string;
  /** The database's own security group, which the environment's apply imports. */
  readonly securityGroupId?: string;
  /** The environment's credentials secret the claim wrote, which the environment's apply imports. */
  readonly secretArn?: string;
  readonly message?: string;
  readonly runId?: string;
}

/** An entry of list_environments (ls --json), as describe_environment returns it. */
export interface EnvironmentEntry {
  readonly env: string;
  readonly state: string;
  readonly owner: string;
  readonly expiresAt: string | null;
  readonly budgetUsd: number | null;
  readonly estimatedSpendUsd: number | null;
  readonly burnUsdPerHour: number | null;
}

/** Admit and claim answer `contention` (or a claim `failed … claim again`) when many ask at once; the caller asks again. */
const RETRIES = 6;

export class McpAgent {
  /** How many times admission answered contention before it decided. */
  contention = 0;
  private closed = false;
  private readonly stderr: string[] = [];

  private constructor(
    readonly spec: AgentSpec,
    private readonly client: Client,
    transport: StdioClientTransport,
  ) {
    transport.stderr?.on("data", (chunk: Buffer) => {
      this.stderr.push(chunk.toString());
      if (this.stderr.length > 50) this.stderr.shift();
    });
  }

  /** Starts the agent's `ephemera mcp` server with `settings` as its environment and connects to it (the initialize handshake). */
  static async connect(spec: AgentSpec, settings: Record<string, string>): Promise<McpAgent> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, "scripts/run-ts.mjs"), "--no-source-maps", "reaper/cli/bin.ts", "mcp"],
      cwd: REPO_ROOT,
      env: settings,
      stderr: "pipe",
    });
    const client = new Client({ name: spec.name, version: "1.0.0" });
    const agent = new McpAgent(spec, client, transport);
    try {
      await client.connect(transport);
    } catch (err) {
      throw new Error(`${spec.name} could not connect to ephemera mcp: ${err instanceof Error ? err.message : String(err)}\n${agent.stderr.join("")}`);
    }
    return agent;
  }

  get env(): string {
    return this.spec.name;
  }

  /** The server's name and version, and its tools, as the handshake and tools/list gave them. */
  async server(): Promise<{ name: string; version: string; tools: string[] }> {
    const info = this.client.getServerVersion();
    const { tools } = await this.client.listTools();
    return { name: info?.name ?? "?", version: info?.version ?? "?", tools: tools.map((t) => t.name) };
  }

  async call<T>(name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer<T>> {
    const result = (await this.client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === "text" ? c.text : `<${c.type}>`)).join("\n");
    return { ok: result.isError !== true, doc: result.structuredContent as T | undefined, text };
  }

  /** admit_environment, asked again while the answer is `contention` (the register moved under it). */
  async admit(): Promise<Admission> {
    const { name: env, owner, ttl, budgetUsd } = this.spec;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.call<Admission>("admit_environment", { env, owner, ttl, budgetUsd });
      if (answer.doc === undefined) throw new Error(`admit_environment for ${env} answered no decision: ${answer.text}`);
      if (answer.doc.limit !== "contention" || attempt >= RETRIES) return answer.doc;
      this.contention++;
      await pause(200 + Math.random() * 400);
    }
  }

  /** claim_database, asked again when a concurrent claim made it fail half-way (the database was released). */
  async claim(): Promise<Claim> {
    const { name: env, owner, ttl } = this.spec;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.call<Claim>("claim_database", { env, owner, ttl });
      if (answer.doc === undefined) throw new Error(`claim_database for ${env} answered no claim: ${answer.text}`);
      if (answer.doc.status !== "failed" || attempt >= RETRIES) return answer.doc;
      await pause(200 + Math.random() * 400);
    }
  }

  /** describe_environment: its own environment's entry of list_environments. */
  async describe(): Promise<EnvironmentEntry> {
    return this.must<EnvironmentEntry>("describe_environment", { env: this.env });
  }

  /** A tool call that must succeed: its document, or an error naming the tool and its answer. */
  async must<T>(name: string, args: Record<string, unknown>): Promise<T> {
    const answer = await this.call<T>(name, args);
    if (!answer.ok || answer.doc === undefined) throw new Error(`${this.env}: ${name} failed: ${answer.text}`);
    return answer.doc;
  }

  /** Closes the session (once): the server exits when its stdin closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
