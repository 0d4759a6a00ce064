import { Fn, Op } from "../core";
import { parseDuration } from "../../reaper/model";

/** A ttl in Go's duration form (`36h0m`), the only form Terraform's `timeadd` takes: it has no `d` or `w`. */
export function terraformDuration(ttl: string): string {
  const minutes = Math.round(parseDuration(ttl, { field: "ttl" }) / 60_000);
  return `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/**
 * The expiry as a Terraform expression: `createdAt` + ttl, or the `expiresAt` override
 * when that is later (never earlier than either, like the reaper's rule).
 */
export function expiryExpression(createdAt: string, ttl: string, expiresAt?: string): string {
  const fromTtl = Fn.timeadd(createdAt, terraformDuration(ttl));
  if (expiresAt === undefined) return fromTtl;
  // `> -1` rather than `>= 0`: cdktf 0.21 renders a literal 0 operand as `undefined`.
  return Fn.conditional(Op.gt(Fn.timecmp(fromTtl, expiresAt), -1), fromTtl, expiresAt);
}
