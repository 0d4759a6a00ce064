/**
 * The doc comments of the code, read with the TypeScript compiler API (a parse, no type
 * check): the members of an interface, the properties of an object literal, the members
 * of a union type, each with its comment. The generated tables in docs/ take a default or
 * a meaning from here, so it is written once, beside what it describes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export const REPO_ROOT = path.join(__dirname, "..", "..");

/** One doc comment: its text (paragraphs joined, `{@link X}` as code) and its block tags. */
export interface DocComment {
  /** Every paragraph of the description, each on one line. */
  readonly paragraphs: readonly string[];
  /** The first paragraph: the summary a table cell shows. */
  readonly summary: string;
  /** Block tags by name (`default` for `@default`), each on one line. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A documented member: an interface's property, an object literal's property or a union's member. */
export interface DocMember {
  readonly name: string;
  /** `?` on an interface property. */
  readonly optional: boolean;
  readonly doc: DocComment;
}

const parsed = new Map<string, ts.SourceFile>();

/** The parsed file, `file` relative to the repository's root (a .ts or a .js file). */
export function sourceFile(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (source === undefined) {
    const kind = file.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    source = ts.createSourceFile(file, fs.readFileSync(path.join(REPO_ROOT, file), "utf8"), ts.ScriptTarget.Latest, true, kind);
    parsed.set(file, source);
  }
  return source;
}

/** The one node of `file` that `match` picks; a missing or ambiguous one is an error, so a rename fails the generator. */
export function findNode<T extends ts.Node>(file: string, what: string, match: (node: ts.Node) => node is T): T {
  const found: T[] = [];
  const visit = (node: ts.Node) => {
    if (match(node)) found.push(node);
    node.forEachChild(visit);
  };
  visit(sourceFile(file));
  if (found.length !== 1) throw new Error(`${file} has ${found.length} ${what}, not one`);
  return found[0]!;
}

/** The properties of `interfaceName` in `file`, in order, with their doc comments. */
export function interfaceMembers(file: string, interfaceName: string): DocMember[] {
  const declaration = findNode(file, `interface ${interfaceName}`, (n): n is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(n) && n.name.text === interfaceName);
  return declaration.members.filter(ts.isPropertySignature).map((member) => ({
    name: propertyName(member.name),
    optional: member.questionToken !== undefined,
    doc: docComment(file, member),
  }));
}

/**
 * The properties of an object literal, in order, with their doc comments: those of
 * object literals nested in it too (a spread `...(c ? { a } : {})`), so a property given
 * only sometimes is listed.
 */
export function objectLiteralMembers(file: string, literal: ts.Expression): DocMember[] {
  const members: DocMember[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
      members.push({ name: propertyName(node.name), optional: false, doc: docComment(file, node) });
      return;
    }
    node.forEachChild(visit);
  };
  visit(literal);
  return members;
}

/** The object literal a `const` is initialised with (through `as const`). */
export function constObjectLiteral(file: string, constName: string): ts.ObjectLiteralExpression {
  const declaration = findNode(file, `const ${constName}`, (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === constName);
  let init = declaration.initializer;
  while (init !== undefined && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init))) init = init.expression;
  if (init === undefined || !ts.isObjectLiteralExpression(init)) throw new Error(`${file}: ${constName} is not initialised with an object literal`);
  return init;
}

/**
 * The string-literal members of a union type, in order, each with the doc comment
 * before it; a member that names another type alias of the same file is replaced by
 * that alias's members, where it stands.
 */
export function unionMembers(file: string, typeNode: ts.TypeNode): DocMember[] {
  const types = ts.isUnionTypeNode(typeNode) ? typeNode.types : [typeNode];
  return types.flatMap((member, i): DocMember[] => {
    // A comment before a member's `|` is trivia of the token before it: read from the end of the member before.
    const from = i === 0 ? typeNode.pos : types[i - 1]!.end;
    if (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)) return [{ name: member.literal.text, optional: false, doc: docComment(file, member, from) }];
    if (ts.isTypeReferenceNode(member) && ts.isIdentifier(member.typeName)) {
      const alias = typeAlias(file, member.typeName.text);
      return unionMembers(alias.file, alias.declaration.type);
    }
    throw new Error(`${file}: ${member.getText()} is neither a string literal nor a type alias`);
  });
}

/** The type alias `name` as `file` sees it: declared there, or imported from a file of this repository. */
export function typeAlias(file: string, name: string): { file: string; declaration: ts.TypeAliasDeclaration } {
  const isAlias = (n: ts.Node): n is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(n) && n.name.text === name;
  const imported = sourceFile(file).statements.find(
    (st): st is ts.ImportDeclaration =>
      ts.isImportDeclaration(st) &&
      st.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(st.importClause.namedBindings) &&
      st.importClause.namedBindings.elements.some((e) => e.name.text === name),
  );
  if (imported === undefined) return { file, declaration: findNode(file, `type ${name}`, isAlias) };
  const from = path.posix.join(path.posix.dirname(file), `${(imported.moduleSpecifier as ts.StringLiteral).text}.ts`);
  return { file: from, declaration: findNode(from, `type ${name}`, isAlias) };
}

/**
 * The `/** … *\/` comment right before `node` (the last one, when there are several),
 * parsed; an empty one without. `from`: where to start looking, when tokens such as a
 * union's `|` stand between the comment and the node.
 */
export function docComment(file: string, node: ts.Node, from: number = node.pos): DocComment {
  const text = sourceFile(file).text;
  const ranges = [...(ts.getLeadingCommentRanges(text, from) ?? []), ...(from === node.pos ? [] : (ts.getLeadingCommentRanges(text, node.pos) ?? []))];
  const last = ranges.filter((r) => text.startsWith("/**", r.pos)).at(-1);
  return parseDocComment(last === undefined ? "" : text.slice(last.pos + 3, last.end - 2));
}

/**
 * A doc comment's body (without `/**` and `*\/`): its paragraphs and its block tags. A
 * block tag starts at `@` after whitespace, at the start of a line or not (a one-line
 * comment `/** Days kept. @default 365 *\/`), and runs to the next one.
 */
export function parseDocComment(body: string): DocComment {
  const lines = body.split("\n").map((line) => line.replace(/^\s*\*? ?/, "").trimEnd());
  const [description = "", ...blocks] = lines.join("\n").split(/(?:^|\s)(?=@[a-zA-Z]+\b)/);
  const paragraphs = description
    .split(/\n\s*\n/)
    .map(oneLine)
    .filter((p) => p !== "");
  const tags: Record<string, string> = {};
  for (const block of blocks) {
    const match = /^@(\w+)\s*([\s\S]*)$/.exec(block)!;
    tags[match[1]!] = oneLine(match[2]!);
  }
  return { paragraphs, summary: paragraphs[0] ?? "", tags };
}

/** Lines joined with single spaces, `{@link X}` as `` `X` `` and `{@link X | text}` as the text. */
function oneLine(text: string): string {
  return text
    .replace(/\{@link\s+([^}|\s]+)\s*\|\s*([^}]+)\}/g, "$2")
    .replace(/\{@link\s+([^}\s]+)\s*\}/g, "`$1`")
    .replace(/\s+/g, " ")
    .trim();
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  throw new Error(`a computed property name (${name.getText()}) has no name to document`);
}
