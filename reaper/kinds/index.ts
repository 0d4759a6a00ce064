import { budgetAdapter } from "./budget";
import { dbSubnetGroupAdapter } from "./db-subnet-group";
import { ec2InstanceAdapter } from "./ec2-instance";
import { eksNodegroupAdapter } from "./eks-nodegroup";
import { iamRoleAdapter } from "./iam-role";
import { k8sNamespaceAdapter } from "./k8s-namespace";
import { launchTemplateAdapter } from "./launch-template";
import type { KindContext } from "../contracts/kind-context";
import { rdsInstanceAdapter } from "./rds-instance";
import type { KindAdapter, KindName } from "../contracts/kind-adapter";
import { s3BucketAdapter } from "./s3-bucket";
import { schedulerGroupAdapter } from "./scheduler-group";
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
  "launch-template": launchTemplateAdapter,
  "scheduler-group": schedulerGroupAdapter,
  "security-group": securityGroupAdapter,
  "db-subnet-group": dbSubnetGroupAdapter,
  "iam-role": iamRoleAdapter,
  secret: secretAdapter,
};

/** Every adapter, in the table's order: what `discover` runs by default. */
export const ALL_KIND_ADAPTERS: readonly KindAdapter<KindContext>[] = Object.values(KIND_ADAPTERS);
