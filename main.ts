/**
 * The cdktf app named in cdktf.json. The platform stack and one stack per
 * environment are wired here as they land (see README.md, Status); until then
 * `cdktf synth` produces an app with no stacks.
 */
import { App } from "./constructs/core";

const app = new App();
app.synth();
