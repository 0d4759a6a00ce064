import { Construct } from "constructs";
import { TerraformStack, Testing } from "../../../constructs/core";
import { InvalidValueError } from "../../../reaper/model";

/** One synthesized resource or data source block, as Terraform sees it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Block = Record<string, any>;

export interface Synthesized {
  readonly resource: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
}

/** Synthesizes what `build` puts in a fresh stack (Aspects included). */
export function synth(build: (scope: Construct) => void): Synthesized {
  return JSON.parse(Testing.synthScope(build)) as Synthesized;
}

/** Every block of one resource type (or data source type with `kind: "data"`). */
export function all(out: Synthesized, type: string, kind: "resource" | "data" = "resource"): Block[] {
  return Object.values((kind === "data" ? out.data : out.resource)?.[type] ?? {});
}

/** The one block of a type; fails when there are none or several. */
export function one(out: Synthesized, type: string, kind: "resource" | "data" = "resource"): Block {
  const blocks = all(out, type, kind);
  if (blocks.length !== 1) throw new Error(`expected exactly one ${kind} ${type}, found ${blocks.length}`);
  return blocks[0]!;
}

export interface Annotation {
  readonly level: "warning" | "error" | "info";
  readonly path: string;
  readonly message: string;
}

/** The synth-time annotations (warnings and errors) of what `build` puts in a stack, after Aspects ran. */
export function annotations(build: (scope: Construct) => void): Annotation[] {
  const stack = new TerraformStack(Testing.app(), "stack");
  build(stack);
  Testing.synth(stack);
  const levels: Record<string, Annotation["level"]> = { "@cdktf/warn": "warning", "@cdktf/error": "error", "@cdktf/info": "info" };
  return stack.node.findAll().flatMap((node) =>
    node.node.metadata.filter((m) => m.type in levels).map((m) => ({ level: levels[m.type]!, path: node.node.path, message: String(m.data) })),
  );
}

/**
 * Asserts that `run` throws the construct library's validation error: an
 * InvalidValueError naming `field`, whose advice (after "; ") says what to do instead.
 */
export function expectInvalid(run: () => unknown, field: string, problem?: RegExp): InvalidValueError {
  let thrown: unknown;
  try {
    run();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InvalidValueError);
  const error = thrown as InvalidValueError;
  expect(error.field).toBe(field);
  expect(error.message.startsWith(`${field} `)).toBe(true);
  expect(error.message).toMatch(/; (use|pass|give|set|add|call) /);
  if (problem) expect(error.message).toMatch(problem);
  return error;
}
