import { InvalidValueError } from "./invalid-value-error";
import { NAME_PREFIX } from "./names";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";

/**
 * The value of an environment's database credentials secret: one JSON object, the shape
 * RDS-managed secrets and most drivers and tools read. `SnapshotDatabase` writes it for a
 * database it restores, `ephemera claim` for a claimed pool database, and a rollback reads
 * the password from it to set on the restored instance. This file is that contract.
 */
export interface DatabaseCredentials {
  /** The engine, as RDS names it: `postgres`, `mysql`. */
  readonly engine: string;
  /** The instance's address (no port). */
  readonly host: string;
  readonly port: number;
  /** The master user's name. */
  readonly username: string;
  /** The master user's password. */
  readonly password: string;
  readonly dbInstanceIdentifier: string;
}

/** The fields, in the order the secret's JSON writes them. */
export const DATABASE_CREDENTIALS_FIELDS = ["engine", "host", "port", "username", "password", "dbInstanceIdentifier"] as const satisfies readonly (keyof DatabaseCredentials)[];

/**
 * The characters RDS refuses in a master password: `/`, `@`, `"` and the space. Ephemera's
 * generated passwords leave out all punctuation, so they also need no quoting in a
 * connection string or a shell.
 */
export const RDS_PASSWORD_FORBIDDEN_CHARACTERS = "/@\" ";

/** A generated master password's length, in letters and digits (RDS allows up to 41 for MySQL and MariaDB, 128 for PostgreSQL). */
export const DATABASE_PASSWORD_LENGTH = 32;

/**
 * The secret's value as an object with its fields in the contract's order: the constructs
 * pass it to Terraform's `jsonencode` (its values may be tokens), the claim to `JSON.stringify`.
 */
export function databaseCredentialsValue<T extends { readonly [K in keyof DatabaseCredentials]: unknown }>(credentials: T): { readonly [K in keyof DatabaseCredentials]: T[K] } {
  return {
    engine: credentials.engine,
    host: credentials.host,
    port: credentials.port,
    username: credentials.username,
    password: credentials.password,
    dbInstanceIdentifier: credentials.dbInstanceIdentifier,
  };
}

/** The secret's value, as the JSON string stored in Secrets Manager. */
export function formatDatabaseCredentials(credentials: DatabaseCredentials): string {
  return JSON.stringify(databaseCredentialsValue(credentials));
}

/**
 * Reads a credentials secret's value. A value that is not a JSON object, or a field that
 * is missing or of the wrong type (an empty string, a port that is not a TCP port), is an
 * error that names the field; fields beyond the contract's are ignored.
 */
export function tryParseDatabaseCredentials(text: string, options: ParseOptions = {}): Result<DatabaseCredentials> {
  const field = options.field ?? "database credentials";
  const invalid = (name: string, value: string, problem: string, advice: string) => fail<DatabaseCredentials>(new InvalidValueError(name, value, problem, advice));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return invalid(field, text, "is not JSON", WHOLE_ADVICE);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return invalid(field, text, "is not a JSON object", WHOLE_ADVICE);
  const o = parsed as Record<string, unknown>;
  for (const name of DATABASE_CREDENTIALS_FIELDS) {
    const value = o[name];
    const shown = JSON.stringify(value ?? null);
    if (name === "port") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65_535) return invalid(`${field}.port`, shown, value === undefined ? "is missing" : "is not a TCP port", "use a whole number from 1 to 65535, such as 5432");
    } else if (typeof value !== "string" || value === "") {
      return invalid(`${field}.${name}`, shown, value === undefined ? "is missing" : "is not a non-empty string", `give it as a string, such as "${EXAMPLE[name]}"`);
    }
  }
  return ok(databaseCredentialsValue(o as unknown as DatabaseCredentials));
}

const WHOLE_ADVICE = `write one JSON object with the fields ${DATABASE_CREDENTIALS_FIELDS.join(", ")}`;

/** A value of the contract's shape, for error messages. */
const EXAMPLE: DatabaseCredentials = { engine: "postgres", host: "pr-1-database.abc123.us-east-1.rds.amazonaws.com", port: 5432, username: "app", password: "Zq3…", dbInstanceIdentifier: "pr-1-database" };

/** {@link tryParseDatabaseCredentials}, throwing the InvalidValueError that names the bad field. */
export function parseDatabaseCredentials(text: string, options: ParseOptions = {}): DatabaseCredentials {
  return unwrap(tryParseDatabaseCredentials(text, options));
}

/**
 * The name prefix of a database's credentials secret: `ephemera-<identifier>-credentials-`
 * (a pool database's identifier already starts with `ephemera-`, and is not prefixed again).
 * A unique suffix follows, because a deleted secret's name stays taken for its recovery window.
 */
export function credentialsSecretNamePrefix(identifier: string): string {
  return `${identifier.startsWith(NAME_PREFIX) ? identifier : `${NAME_PREFIX}${identifier}`}-credentials-`;
}

/** Every credentials secret's name matches this pattern (IAM's `*`): the grants that create and write them are scoped to it. */
export const CREDENTIALS_SECRET_NAME_PATTERN = `${NAME_PREFIX}*-credentials-*`;

/** The description of a database's credentials secret, the same whoever creates it, so an import finds nothing to change. */
export function credentialsSecretDescription(envId: string, identifier: string): string {
  return `Ephemera ${envId}: master credentials of database ${identifier}`;
}
