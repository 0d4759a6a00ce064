import { budgetAdapter } from "./budget";
import { dbSubnetGroupAdapter } from "./db-subnet-group";
import { ec2InstanceAdapter } from "./ec2-instance";
import { eksNodegroupAdapter } from "./eks-nodegroup";
import { k8sNamespaceAdapter } from "./k8s-namespace";
import type { KindContext } from "../runtime/kind-context";
import { rdsInstanceAdapter } from "./rds-instance";
import type { KindAdapter, KindName } from "./kind-adapter";
import { s3BucketAdapter } from "./s3-bucket";
import { schedulerScheduleAdapter } from "./scheduler-schedule";
import { secretAdapter } from "./secret";
import { securityGroupAdapter } from "./security-group";

/**
 * The kind adapters, one per row of the kind catalog (catalog.ts): the compiler asks for
 * an entry here for every kind the catalog names (see docs/adding-a-kind.md).
 */
export const KIND_ADAPTERS: Readonly<Record<KindName, KindAdapter<KindContext>>> = {
  "k8s-namespace": k8sNamespaceAdapter,
  "eks-nodegroup": eksNodegroupAdapter,
  "rds-instance": rdsInstanceAdapter,
  "ec2-instance": ec2InstanceAdapter,
  "s3-bucket": s3BucketAdapter,
  budget: budgetAdapter,
  "scheduler-schedule": schedulerScheduleAdapter,
  "security-group": securityGroupAdapter,
  "db-subnet-group": dbSubnetGroupAdapter,
  secret: secretAdapter,
};

/** Every adapter, in the table's order: what `discover` runs by default. */
export const ALL_KIND_ADAPTERS: readonly KindAdapter<KindContext>[] = Object.values(KIND_ADAPTERS);
