// Starts a PostgreSQL cluster, prints {"pid", "port", "dir"} and waits to be killed:
// test/integration/harness/postgres.test.ts kills it to see the cluster go with it.
import * as path from "node:path";
import { startPostgres } from "../../harness/postgres";

void startPostgres().then((postgres) => {
  console.log(JSON.stringify({ pid: process.pid, port: postgres.port, dir: path.dirname(postgres.scratchDir) }));
  setInterval(() => undefined, 60_000);
});
