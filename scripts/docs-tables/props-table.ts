/** Tables of props and config fields, from the TSDoc of their interfaces: one row per property. */
import { code, table } from "./markdown";
import { type DocMember, interfaceMembers } from "./ts-docs";

/**
 * `| prop | default | what it sets |` for `interfaceName` of `file`: each property's
 * `@default` and the first paragraph of its doc comment.
 */
export function propsTable(file: string, interfaceName: string): string {
  return table(
    ["prop", "default", "what it sets"],
    interfaceMembers(file, interfaceName).map((member) => [code(member.name), defaultText(member), summaryOf(file, member)]),
  );
}

/**
 * A property's default as its `@default` tag gives it: prose after `- ` (the jsii
 * convention), a value otherwise (as code); a required property has none.
 */
export function defaultText(member: DocMember): string {
  const given = member.doc.tags.default;
  if (given === undefined) return member.optional ? "-" : "(required)";
  return given.startsWith("- ") ? given.slice(2) : code(given);
}

/** The first paragraph of a property's doc comment; a property without one fails the generator. */
export function summaryOf(file: string, member: DocMember): string {
  if (member.doc.summary === "") throw new Error(`${file}: ${member.name} has no doc comment to show in docs/`);
  return member.doc.summary;
}

/** Every paragraph of a property's doc comment, on one line. */
export function fullDoc(file: string, member: DocMember): string {
  return [summaryOf(file, member), ...member.doc.paragraphs.slice(1)].join(" ");
}
