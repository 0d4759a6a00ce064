import { TerraformOutput } from "../../../constructs/core";
import { EphemeralEnvironment, EphemeralEnvironmentProps } from "../../../constructs/ephemeral-environment";
import { JANITOR_EXPIRES_ANNOTATION, K8S_LABEL, TAG } from "../../../reaper/model";
import { Block, Synthesized, all, expectInvalid, one, synth } from "./synth";

const OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";

const PROPS: EphemeralEnvironmentProps = {
  envId: "pr-123",
  owner: "team-web@example.com",
  ttl: "1d",
  budgetUsd: 25,
  clusterName: "previews",
  oidcProviderArn: OIDC,
  vpcId: "vpc-0abc",
  privateSubnetIds: ["subnet-0a", "subnet-0b"],
  clusterSecurityGroupId: "sg-0cluster",
  pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
  baselineSnapshotIdentifier: "baseline-2026-11-01",
};

const build = (overrides: Partial<EphemeralEnvironmentProps> = {}) => (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
  new EphemeralEnvironment(scope, "env", { ...PROPS, ...overrides });

const synthEnv = (overrides: Partial<EphemeralEnvironmentProps> = {}): Synthesized => synth(build(overrides));

/** `${aws_security_group.<name>.id}` for the security group whose `name` attribute is `sgName`. */
function securityGroupRef(out: Synthesized, sgName: string): string {
  const entry = Object.entries(out.resource.aws_security_group ?? {}).find(([, sg]) => sg.name === sgName);
  if (!entry) throw new Error(`no security group named ${sgName}`);
  return `\${aws_security_group.${entry[0]}.id}`;
}

/** AWS resource types without a `tags` argument; every other aws_* resource must be tagged. */
const UNTAGGABLE = new Set(["aws_iam_role_policy_attachment", "aws_secretsmanager_secret_version"]);

describe("EphemeralEnvironment", () => {
  it("tags every taggable AWS resource with the environment's ephemera tags", () => {
    const out = synthEnv();
    const aws = Object.entries(out.resource).filter(([type]) => type.startsWith("aws_"));
    expect(aws.length).toBeGreaterThan(5);
    for (const [type, blocks] of aws) {
      if (UNTAGGABLE.has(type)) continue;
      for (const [name, block] of Object.entries(blocks)) {
        expect({ resource: `${type}.${name}`, tags: block.tags }).toEqual({
          resource: `${type}.${name}`,
          tags: expect.objectContaining({
            [TAG.managedBy]: "ephemera",
            [TAG.env]: "pr-123",
            [TAG.owner]: "team-web@example.com",
            [TAG.ttl]: "1d",
            [TAG.onExpiry]: "delete",
            [TAG.budgetUsd]: "25",
            [TAG.createdAt]: "${timestamp()}",
          }),
        });
      }
    }
  });

  it("labels every Kubernetes object with the ephemera.dev labels and the janitor expiry", () => {
    const out = synthEnv();
    const kube = Object.entries(out.resource).filter(([type]) => type.startsWith("kubernetes_"));
    expect(kube.map(([type]) => type)).toEqual(expect.arrayContaining(["kubernetes_namespace_v1", "kubernetes_network_policy_v1", "kubernetes_service_account_v1"]));
    for (const [type, blocks] of kube) {
      for (const [name, block] of Object.entries(blocks)) {
        expect({ object: `${type}.${name}`, labels: block.metadata.labels }).toEqual({
          object: `${type}.${name}`,
          labels: expect.objectContaining({ [K8S_LABEL.managedBy]: "ephemera", [K8S_LABEL.env]: "pr-123", [K8S_LABEL.onExpiry]: "delete" }),
        });
        expect(block.metadata.annotations[JANITOR_EXPIRES_ANNOTATION]).toContain('timeadd(timestamp(), "24h0m")');
      }
    }
  });

  it("denies all ingress and egress in the namespace by default", () => {
    const policies = all(synthEnv(), "kubernetes_network_policy_v1");
    const deny = policies.find((p) => p.metadata.name === "default-deny-all");
    expect(deny?.spec).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
    expect(deny?.metadata.namespace).toBe("${kubernetes_namespace_v1.env_namespace_0C8F0867.metadata[0].name}");
  });

  it("trusts the workload role only from the namespace's service account through the cluster's OIDC provider", () => {
    const out = synthEnv();
    const [statement] = one(out, "aws_iam_policy_document", "data").statement;
    expect(statement.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(statement.principals).toEqual([{ type: "Federated", identifiers: [OIDC] }]);
    expect(statement.condition).toContainEqual(expect.objectContaining({ test: "StringEquals", values: ["system:serviceaccount:env-pr-123:workload"] }));
    expect(all(out, "aws_eks_pod_identity_association")).toEqual([]);
  });

  it("binds the workload role with EKS Pod Identity when no OIDC provider ARN is given", () => {
    const out = synthEnv({ oidcProviderArn: undefined });
    expect(one(out, "aws_eks_pod_identity_association")).toMatchObject({ cluster_name: "previews", namespace: "env-pr-123", service_account: "workload" });
    const [statement] = one(out, "aws_iam_policy_document", "data").statement;
    expect(statement.principals).toEqual([{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }]);
  });

  it("puts a resource quota on the namespace that forbids load balancers", () => {
    const quota = one(synthEnv(), "kubernetes_resource_quota_v1");
    expect(quota.spec.hard).toMatchObject({ "requests.cpu": "2", "services.loadbalancers": "0" });
  });

  it("admits only the environment's node security group to the database, with no CIDR ingress", () => {
    const out = synthEnv();
    const dbSg = out.resource.aws_security_group![Object.keys(out.resource.aws_security_group!).find((k) => k.includes("database"))!]!;
    expect(dbSg.ingress).toBeUndefined();
    expect(all(out, "aws_security_group_rule")).toEqual([]);
    const rules = all(out, "aws_vpc_security_group_ingress_rule");
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ referenced_security_group_id: securityGroupRef(out, "pr-123-nodes-nodes"), security_group_id: securityGroupRef(out, "ephemera-pr-123-database"), ip_protocol: "tcp" });
    expect(rules[0]!.cidr_ipv4).toBeUndefined();
    expect(rules[0]!.cidr_ipv6).toBeUndefined();
    expect(JSON.stringify(rules)).not.toContain("sg-0cluster");
  });

  it("allows database egress from the namespace only on the database port to the private subnets", () => {
    const out = synthEnv();
    const allow = all(out, "kubernetes_network_policy_v1").find((p) => p.metadata.name === "allow-listed-egress")!;
    const subnets = Object.keys(out.data!.aws_subnet!);
    expect(Object.values(out.data!.aws_subnet!).map((s: Block) => s.id)).toEqual(["subnet-0a", "subnet-0b"]);
    expect(allow.spec.egress).toEqual([
      {
        to: subnets.map((name) => ({ ip_block: { cidr: `\${data.aws_subnet.${name}.cidr_block}` } })),
        ports: [{ port: expect.stringMatching(/aws_db_instance\..*\.port/), protocol: "TCP" }],
      },
    ]);
  });

  it("creates no database and no database egress with database: false", () => {
    const out = synthEnv({ database: false, baselineSnapshotIdentifier: undefined });
    expect(all(out, "aws_db_instance")).toEqual([]);
    expect(all(out, "aws_db_subnet_group")).toEqual([]);
    expect(all(out, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    expect(all(out, "kubernetes_network_policy_v1").map((p) => p.metadata.name)).not.toContain("allow-listed-egress");
    expect(all(out, "aws_subnet", "data")).toEqual([]);
  });

  it("creates no node group with shared nodes and admits the shared pool's security group to the database", () => {
    const out = synthEnv({ nodes: "shared", sharedNodeSecurityGroupId: "sg-0pool", clusterSecurityGroupId: undefined });
    expect(all(out, "aws_eks_node_group")).toEqual([]);
    expect(all(out, "aws_launch_template")).toEqual([]);
    expect(all(out, "aws_security_group").map((sg) => sg.name)).toEqual(["ephemera-pr-123-database"]);
    expect(one(out, "aws_vpc_security_group_ingress_rule").referenced_security_group_id).toBe("sg-0pool");
  });

  it("exposes the environment's outputs, with the database's only when there is one", () => {
    const outputs = (props: Partial<EphemeralEnvironmentProps>) => {
      let env: EphemeralEnvironment | undefined;
      synth((scope) => {
        env = build(props)(scope);
      });
      return Object.keys(env!.outputs).sort();
    };
    expect(outputs({})).toEqual(["budget_name", "database_endpoint", "database_secret_arn", "database_source", "env_id", "expires_at", "namespace", "service_account"]);
    expect(outputs({ database: false, baselineSnapshotIdentifier: undefined })).toEqual(["budget_name", "env_id", "expires_at", "namespace", "service_account"]);
  });

  it("computes expires_at from the budget's created-at tag plus the ttl, or the later expiresAt override", () => {
    const expiresAt = (overrides: Partial<EphemeralEnvironmentProps>): string => {
      const out = synth((scope) => {
        new TerraformOutput(scope, "expires_at", { value: build(overrides)(scope).expiresAt });
      }) as Synthesized & { output: Record<string, { value: string }> };
      return out.output.expires_at!.value;
    };
    const fromTtl = String.raw`timeadd(aws_budgets_budget.env_budget_C7E37F4F.tags_all["ephemera:created-at"], "24h0m")`;
    expect(expiresAt({})).toBe(`\${${fromTtl}}`);
    const overridden = expiresAt({ expiresAt: "2030-01-01T02:00:00+02:00" });
    expect(overridden).toContain(`timecmp(${fromTtl}, "2030-01-01T00:00:00Z")`);
    expect(overridden).toMatch(/\? timeadd\(.*\) : "2030-01-01T00:00:00Z"\}$/);
  });

  it("lets the workload role append to the environment's own decision trace when given decisionTrace, and grants nothing without it", () => {
    const decisionTrace = { auditBucketName: "acme-ephemera-audit", auditKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" };
    const out = synthEnv({ decisionTrace });
    const grant = one(out, "aws_iam_role_policy");
    const [roleName] = Object.entries(out.resource.aws_iam_role!).find(([, role]) => role.name === "ephemera-pr-123-workload")!;
    expect(grant.role).toBe(`\${aws_iam_role.${roleName}.name}`);
    expect(grant.policy).toContain('"arn:aws:s3:::acme-ephemera-audit/traces/pr-123/*"');
    expect(all(synthEnv(), "aws_iam_role_policy")).toEqual([]);
  });

  describe("rejects bad inputs, naming the prop and showing an example", () => {
    const cases: { field: string; props: Partial<EphemeralEnvironmentProps>; problem?: RegExp }[] = [
      { field: "envId", props: { envId: "PR_123" } },
      { field: "ttl", props: { ttl: "3 days" } },
      { field: "budgetUsd", props: { budgetUsd: 0 }, problem: /positive number/ },
      { field: "budgetUsd", props: { budgetUsd: Number.NaN }, problem: /positive number/ },
      { field: "privateSubnetIds", props: { privateSubnetIds: [] }, problem: /is empty/ },
      { field: "clusterSecurityGroupId", props: { clusterSecurityGroupId: undefined }, problem: /such as "sg-/ },
      { field: "nodes", props: { nodes: "spot" as never }, problem: /"dedicated" or "shared"/ },
      { field: "sharedNodeSecurityGroupId", props: { nodes: "shared", clusterSecurityGroupId: undefined }, problem: /such as "sg-/ },
      { field: "clusterName", props: { clusterName: "" } },
      { field: "vpcId", props: { vpcId: " " } },
      { field: "expiresAt", props: { expiresAt: "2030-01-01T00:00:00" } },
      { field: "onExpiry", props: { onExpiry: "explode" as never, database: false, baselineSnapshotIdentifier: undefined } },
      { field: "privateSubnetIds", props: { privateSubnetIds: ["subnet-0a"] }, problem: /two Availability Zones/ },
      { field: "baselineSnapshotIdentifier", props: { baselineSnapshotIdentifier: undefined }, problem: /baselineDbInstanceIdentifier .*database: false/ },
      { field: "baselineSnapshotIdentifier", props: { baselineDbInstanceIdentifier: "baseline-db" }, problem: /both set/ },
      { field: "desiredNodes", props: { desiredNodes: 5 }, problem: /above maxNodes \(3\)/ },
      { field: "maxNodes", props: { maxNodes: 0 } },
      { field: "namespaceSize", props: { namespaceSize: "huge" as never } },
      { field: "decisionTrace.auditKmsKeyArn", props: { decisionTrace: { auditBucketName: "acme-ephemera-audit", auditKmsKeyArn: "alias/ephemera-audit" } }, problem: /not a KMS key ARN/ },
    ];
    it.each(cases)("$field ($props)", ({ field, props, problem }) => {
      expectInvalid(() => synthEnv(props), field, problem);
    });
  });
});
