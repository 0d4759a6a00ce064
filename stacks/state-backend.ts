import { Construct } from "constructs";
import { S3Backend } from "../constructs/core";

export interface StateBackendProps {
  /**
   * S3 bucket for the stack's remote state.
   * @default - local state (no backend is added)
   */
  readonly bucket?: string;
  /** The state file's key in the bucket: one per stack, so destroying one can never touch another's. */
  readonly key: string;
  /** @default - the AWS provider's own */
  readonly region?: string;
  /**
   * DynamoDB table for state locking.
   * @default - no locking
   */
  readonly lockTable?: string;
}

/** The stack's state in S3 under its own key, encrypted; nothing when no bucket is given. */
export function stateBackend(stack: Construct, props: StateBackendProps): S3Backend | undefined {
  if (!props.bucket) return undefined;
  return new S3Backend(stack, { bucket: props.bucket, key: props.key, region: props.region, encrypt: true, dynamodbTable: props.lockTable });
}
