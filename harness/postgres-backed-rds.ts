/**
 * Reaching an RDS PostgreSQL instance of an emulator started with `rdsPostgres` (see
 * harness/moto/moto_gaps/rds_postgres.py) through its endpoint, as a client of RDS would.
 *
 * The mapping: moto's endpoint address is "<identifier>.aaaaaaaaaa.<region>.rds.amazonaws.com"
 * (the same identifier gives the same address, as on AWS). The identifier in it picks the
 * cluster's database named after it, and the username picks that instance's own login role,
 * "<identifier>.<username>", which the password must open: instance A's password does not
 * open instance B, and only an instance's role may connect to its database. The endpoint's
 * port (the instance's, 5432 by default) plays no part: every instance lives in the one
 * local cluster, on its port.
 */
import type { Emulator } from "./emulator";

/** What a client of an RDS instance logs in with: its master username and password. */
export interface RdsLogin {
  readonly username: string;
  readonly password: string;
}

const ADDRESS = /^([a-z][a-z0-9-]*)\.aaaaaaaaaa\.[a-z0-9-]+\.rds\.amazonaws\.com$/;

/**
 * Runs `sql` on the instance behind `endpoint` (an `Endpoint.Address` from DescribeDBInstances),
 * logged in as `login`; resolves with the rows (`|`-separated, one a line), rejects when
 * the login is refused or the SQL fails.
 */
export async function queryThroughEndpoint(emulator: Emulator, endpoint: { readonly address: string }, login: RdsLogin, sql: string): Promise<string> {
  if (!emulator.postgres) throw new Error("this emulator has no PostgreSQL backing: start it with useEmulator({ rdsPostgres: true })");
  const identifier = ADDRESS.exec(endpoint.address)?.[1];
  if (!identifier) throw new Error(`${endpoint.address} is not an emulated RDS endpoint address`);
  return emulator.postgres.query(sql, { user: `${identifier}.${login.username}`, password: login.password, database: identifier });
}
