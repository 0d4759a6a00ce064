import { InvalidValueError, tryParsePoolMaxAge, tryParsePoolName } from "../model";

/** One pool's settings (the WarmDatabasePool construct writes them into the reaper's environment). */
export interface PoolSettings {
  /** The pool's name: DNS-label safe, in its members' identifiers and `ephemera:pool` tag. */
  readonly name: string;
  /** Warm databases kept ready. */
  readonly size: number;
  /** A warm database older than this is replaced, in ms. */
  readonly maxAgeMs: number;
}

/** A warm database pool as the reaper and the CLI read it (`EPHEMERA_DATABASE_POOL`, JSON), from the WarmDatabasePool construct. */
export interface DatabasePoolSettings extends PoolSettings {
  /** The class its databases are restored as. */
  readonly instanceClass: string;
  /** The DB subnet group they are restored into. */
  readonly subnetGroup: string;
  /** The VPC each database's own security group is created in (the environments' VPC). */
  readonly vpcId: string;
  /**
   * The pool's shared security group, admitting nothing: the group of members restored before
   * each had its own. The refill replaces such members; nothing is restored into it any more.
   */
  readonly securityGroupIds: readonly string[];
  /** What they are restored from: a named snapshot, or the newest snapshot of a DB instance. */
  readonly baseline: { readonly snapshot: string } | { readonly sourceDbInstance: string };
}

const EXAMPLE =
  '{"name":"default","size":2,"maxAge":"1d","instanceClass":"db.t4g.micro","subnetGroup":"ephemera-pool","vpcId":"vpc-0abc1234","securityGroupIds":["sg-0abc1234"],"baseline":{"sourceDbInstance":"app-baseline"}}';

/** Reads the JSON the construct writes; every problem names the field (`EPHEMERA_DATABASE_POOL.size`) and the fix. */
export function parseDatabasePool(text: string, field = "EPHEMERA_DATABASE_POOL"): DatabasePoolSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidValueError(field, text, "is not JSON", `set it as the WarmDatabasePool construct writes it, such as ${EXAMPLE}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidValueError(field, text, "is not a JSON object", `use one such as ${EXAMPLE}`);
  const o = value as Record<string, unknown>;
  const text_ = (key: string, example: string): string => {
    const v = o[key];
    if (typeof v !== "string" || v.trim() === "") throw new InvalidValueError(`${field}.${key}`, JSON.stringify(v ?? null), "is not a non-empty string", `use one such as "${example}"`);
    return v;
  };

  const name = text_("name", "default");
  const parsedName = tryParsePoolName(name, { field: `${field}.name` });
  if (!parsedName.ok) throw parsedName.error;

  const size = o.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0 || size > 50) {
    throw new InvalidValueError(`${field}.size`, JSON.stringify(size ?? null), "is not a whole number from 0 to 50", "use the number of databases to keep warm, such as 2");
  }
  const maxAgeText = text_("maxAge", "1d");
  const maxAge = tryParsePoolMaxAge(maxAgeText, { field: `${field}.maxAge` });
  if (!maxAge.ok) throw maxAge.error;

  const groups = o.securityGroupIds;
  if (!Array.isArray(groups) || groups.length === 0 || !groups.every((g) => typeof g === "string" && /^sg-[0-9a-f]+$/.test(g))) {
    throw new InvalidValueError(`${field}.securityGroupIds`, JSON.stringify(groups ?? null), "is not a list of security group ids", 'use the pool\'s own security group, such as ["sg-0abc1234"]');
  }

  const vpcId = o.vpcId;
  if (typeof vpcId !== "string" || !/^vpc-[0-9a-f]+$/.test(vpcId)) {
    throw new InvalidValueError(`${field}.vpcId`, typeof vpcId === "string" ? vpcId : JSON.stringify(vpcId ?? null), "is not a VPC id", 'use the VPC of the pool\'s subnets (the environments\' VPC), such as "vpc-0abc1234"');
  }

  const baseline = o.baseline as Record<string, unknown> | undefined;
  const snapshot = typeof baseline?.snapshot === "string" ? baseline.snapshot : undefined;
  const source = typeof baseline?.sourceDbInstance === "string" ? baseline.sourceDbInstance : undefined;
  if ((snapshot === undefined) === (source === undefined)) {
    throw new InvalidValueError(`${field}.baseline`, JSON.stringify(o.baseline ?? null), "names neither, or both, of a snapshot and a source DB instance", 'use {"sourceDbInstance":"app-baseline"} or {"snapshot":"app-baseline-2026-05-01"}');
  }

  return {
    name,
    size,
    maxAgeMs: maxAge.value,
    instanceClass: text_("instanceClass", "db.t4g.micro"),
    subnetGroup: text_("subnetGroup", "ephemera-pool"),
    vpcId,
    securityGroupIds: groups as string[],
    baseline: snapshot !== undefined ? { snapshot } : { sourceDbInstance: source! },
  };
}
