/**
 * `ephemera-<env>-final-<yyyymmddhhmm>` (UTC), with the instance id added when an
 * environment has several databases. RDS identifiers allow no `--`, so runs of
 * hyphens collapse; they must start with a letter, which "ephemera" guarantees.
 */
export function finalSnapshotName(env: string, at: Date, dbInstanceId?: string): string {
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  const parts = ["ephemera", env, ...(dbInstanceId === undefined ? [] : [dbInstanceId]), "final", stamp];
  return parts
    .join("-")
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 255)
    .replace(/-$/, "");
}
