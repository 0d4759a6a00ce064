import {
  credentialsSecretNamePrefix,
  CREDENTIALS_SECRET_NAME_PATTERN,
  type DatabaseCredentials,
  formatDatabaseCredentials,
  InvalidValueError,
  isSecretArn,
  parseDatabaseCredentials,
  tryParseDatabaseCredentials,
} from "../../../../reaper/model";

const CREDENTIALS: DatabaseCredentials = {
  engine: "postgres",
  host: "pr-1-database.abc123.us-east-1.rds.amazonaws.com",
  port: 5432,
  username: "app",
  password: "Zq3xY8wV2uT6sR1qP5oN9mL4kJ7hG0fE",
  dbInstanceIdentifier: "pr-1-database",
};

describe("the database credentials secret's value", () => {
  test("is one JSON object with the contract's fields, in the contract's order", () => {
    expect(formatDatabaseCredentials(CREDENTIALS)).toBe(
      '{"engine":"postgres","host":"pr-1-database.abc123.us-east-1.rds.amazonaws.com","port":5432,"username":"app","password":"Zq3xY8wV2uT6sR1qP5oN9mL4kJ7hG0fE","dbInstanceIdentifier":"pr-1-database"}',
    );
  });

  test("reads back what was written, ignoring fields beyond the contract's", () => {
    expect(parseDatabaseCredentials(formatDatabaseCredentials(CREDENTIALS))).toEqual(CREDENTIALS);
    expect(parseDatabaseCredentials(JSON.stringify({ ...CREDENTIALS, dbname: "app" }))).toEqual(CREDENTIALS);
  });

  test.each<[string, string, string, RegExp]>([
    ["text that is not JSON", "password=hunter2", "database credentials", /is not JSON; write one JSON object with the fields engine, host, port, username, password, dbInstanceIdentifier/],
    ["a JSON array", "[]", "database credentials", /is not a JSON object/],
    ["a missing password", JSON.stringify({ ...CREDENTIALS, password: undefined }), "database credentials.password", /null" is missing/],
    ["an empty host", JSON.stringify({ ...CREDENTIALS, host: "" }), "database credentials.host", /is not a non-empty string; give it as a string, such as "pr-1-database\./],
    ["a port given as a string", JSON.stringify({ ...CREDENTIALS, port: "5432" }), "database credentials.port", /is not a TCP port; use a whole number from 1 to 65535/],
    ["a port out of range", JSON.stringify({ ...CREDENTIALS, port: 70000 }), "database credentials.port", /is not a TCP port/],
    ["a numeric username", JSON.stringify({ ...CREDENTIALS, username: 7 }), "database credentials.username", /is not a non-empty string/],
  ])("names the bad field of %s", (_name, text, field, message) => {
    const result = tryParseDatabaseCredentials(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(InvalidValueError);
    expect(result.error.field).toBe(field);
    expect(result.error.message).toMatch(message);
  });

  test("names the field it was given, and throws from the throwing form", () => {
    expect(() => parseDatabaseCredentials("{}", { field: "secret ephemera-pr-1-database-credentials-1a2b" })).toThrow(/^secret ephemera-pr-1-database-credentials-1a2b\.engine "null" is missing/);
  });
});

describe("the credentials secret's name", () => {
  test("is ephemera-<identifier>-credentials-, without doubling a pool database's ephemera- prefix", () => {
    expect(credentialsSecretNamePrefix("pr-1-database")).toBe("ephemera-pr-1-database-credentials-");
    expect(credentialsSecretNamePrefix("ephemera-pool-default-ab12cd34")).toBe("ephemera-pool-default-ab12cd34-credentials-");
  });

  test("always matches the pattern its grants are scoped to", () => {
    const pattern = new RegExp(`^${CREDENTIALS_SECRET_NAME_PATTERN.split("*").join(".*")}$`);
    for (const identifier of ["pr-1-database", "ephemera-pool-default-ab12cd34"]) expect(`${credentialsSecretNamePrefix(identifier)}1a2b3c4d`).toMatch(pattern);
  });

  test("is checked as a full secret ARN when given as one", () => {
    expect(isSecretArn("arn:aws:secretsmanager:us-east-1:123456789012:secret:ephemera-pr-1-database-credentials-1a2b3c4d-AbCdEf")).toBe(true);
    expect(isSecretArn("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:rds!db-3c4d-AbCdEf")).toBe(true);
    expect(isSecretArn("ephemera-pr-1-database-credentials-1a2b3c4d")).toBe(false);
    expect(isSecretArn("arn:aws:secretsmanager:us-east-1:123456789012:secret:credentials")).toBe(false);
  });
});
