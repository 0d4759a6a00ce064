import type { Tags } from "../model";
import type { Product } from "./product";

/**
 * One thing that bills by the hour while it runs, as discovery saw it: the spend
 * meter's input. Plain data. The ec2-instance adapter reports every managed instance
 * (node group instances and recently terminated ones included, which it does not act
 * on); the rds-instance adapter every managed database; the rds-snapshot adapter every
 * checkpoint, which bills only storage.
 */
export interface MeteredUsage {
  readonly kind: "ec2-instance" | "rds-instance" | "rds-snapshot";
  readonly id: string;
  readonly region: string;
  /** The resource's tags: the meter counts it towards its `ephemera:env`. */
  readonly tags: Tags;
  /** The service's status word (`running`, `stopped`, `terminated`, `available`). */
  readonly status: string;
  /** Its compute is billed now (an EC2 instance pending, running, stopping or shutting down; an RDS instance not stopped). */
  readonly charging: boolean;
  /**
   * When its current run began (ISO-8601): EC2's `LaunchTime`, which AWS moves to the
   * latest start; RDS's `InstanceCreateTime` (RDS reports no later start).
   */
  readonly runStart: string;
  /** When a stopped or terminated EC2 instance stopped, read from its state transition reason; absent when not known. */
  readonly runEnd?: string;
  /** The on-demand product its compute is priced as. @default - no compute: it bills only `storage` (a DB snapshot) */
  readonly compute?: Product;
  /** Set for a Spot instance: priced at the Spot price of its type in this Availability Zone. */
  readonly spotZone?: string;
  /** Storage billed whether it runs or not (an RDS instance's allocated storage, a DB snapshot's size), from `since`. */
  readonly storage?: { readonly gb: number; readonly product: Product; readonly since: string };
}
