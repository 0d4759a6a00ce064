/** Tables of docs/constructs.md and docs/deploying.md that the constructs produce: the tag schema, the audit bucket's policy, an environment's outputs. */
import ts from "typescript";
import { auditBucketPolicy } from "../../constructs/audit-bucket";
import { TAG } from "../../reaper/model";
import { code, table } from "./markdown";
import { fullDoc } from "./props-table";
import { constObjectLiteral, findNode, objectLiteralMembers } from "./ts-docs";

/** `| tag | meaning |`: each key of `TAG` (reaper/model/tags.ts), with its comment. */
export function tagSchemaTable(): string {
  const file = "reaper/model/tags.ts";
  return table(
    ["tag", "meaning"],
    objectLiteralMembers(file, constObjectLiteral(file, "TAG")).map((member) => [code(TAG[member.name as keyof typeof TAG]), fullDoc(file, member)]),
  );
}

/** `| output | value |`: each output `EphemeralEnvironment.outputs` gives (the environment stack's outputs), with its comment. */
export function environmentOutputsTable(): string {
  const file = "constructs/ephemeral-environment.ts";
  const getter = findNode(file, "get outputs", (n): n is ts.GetAccessorDeclaration => ts.isGetAccessorDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === "outputs");
  const returned = getter.body?.statements.find(ts.isReturnStatement)?.expression;
  if (returned === undefined) throw new Error(`${file}: get outputs() returns nothing`);
  return table(
    ["output", "value"],
    objectLiteralMembers(file, returned).map((member) => [code(member.name), fullDoc(file, member)]),
  );
}

/** A stand-in for the break-glass principal's ARN, so the table can say who a statement spares. */
const BREAK_GLASS = "<breakGlassPrincipalArn>";

/**
 * `| statement | denies | on | when | to |`: the statements of `auditBucketPolicy()`
 * for a bucket with a break-glass principal and the default retention.
 */
export function auditBucketPolicyTable(): string {
  const policy = JSON.parse(auditBucketPolicy("arn:aws:s3:::<bucket>", BREAK_GLASS)) as { Statement: PolicyStatement[] };
  return table(
    ["statement", "denies", "on", "when", "to"],
    policy.Statement.map((st) => {
      if (st.Effect !== "Deny" || st.Principal !== "*") throw new Error(`the audit bucket's policy statement ${st.Sid} is not a Deny for every principal`);
      const { ArnNotEquals: spared, ...conditions } = st.Condition ?? {};
      const sparesBreakGlass = spared?.["aws:PrincipalArn"] === BREAK_GLASS;
      return [
        code(st.Sid),
        [st.Action].flat().map(code).join(", "),
        [st.Resource].flat().map(code).join(", "),
        conditionText(conditions) || "always",
        sparesBreakGlass ? "everyone but `breakGlassPrincipalArn`" : "everyone, `breakGlassPrincipalArn` included",
      ];
    }),
  );
}

interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Principal: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | string[]>>>>;
}

/** `Bool aws:SecureTransport = false; …`: a statement's condition, operator by operator. */
export function conditionText(condition: Readonly<Record<string, Readonly<Record<string, unknown>>>>): string {
  return Object.entries(condition)
    .flatMap(([operator, tests]) => Object.entries(tests).map(([key, value]) => `${operator} ${code(key)} = ${[value].flat().map((v) => code(String(v))).join(", ")}`))
    .join("; ");
}
