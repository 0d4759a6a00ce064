import * as path from "node:path";
// eslint-disable-next-line no-restricted-imports
import { App } from "cdktf";
import { ACME_PLATFORM } from "./src/platform";
import { PreviewStack } from "./src/preview-stack";

// One copy of cdktf, or Ephemera's tagging Aspects would be invisible to this app's synth:
// Ephemera takes cdktf as a peer dependency, so it uses this app's.
const cdktfOfEphemera = require.resolve("cdktf", { paths: [path.dirname(require.resolve("ephemera"))] });
if (cdktfOfEphemera !== require.resolve("cdktf")) {
  throw new Error(`Two copies of cdktf are loaded (${require.resolve("cdktf")} and ${cdktfOfEphemera}): install ephemera from its packed tarball or the registry (npm link and file:../.. symlinks load a second copy).`);
}

const app = new App();
const envId = process.env.PREVIEW_ENV ?? "agent-demo";
new PreviewStack(app, `preview-${envId}`, {
  platform: ACME_PLATFORM,
  envId,
  owner: process.env.PREVIEW_OWNER ?? "team-web@example.com",
  ttl: process.env.PREVIEW_TTL,
});
app.synth();
