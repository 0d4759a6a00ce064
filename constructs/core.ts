/**
 * The one module that names the cdktf core package.
 *
 * CDKTF was archived upstream in Dec 2025 (the community fork is `cdktn`); every
 * other Ephemera file imports these symbols from here, so moving to the fork is
 * one edit. The provider packages are imported by deep path where they are used.
 */
export {
  Annotations,
  App,
  AssetType,
  Aspects,
  Fn,
  S3Backend,
  LocalBackend,
  Op,
  TerraformAsset,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
} from "cdktf";
export type { IAspect, TerraformResourceLifecycle } from "cdktf";
