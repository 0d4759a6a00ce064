import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import { Testing } from "../../../constructs/core";
import { EnvironmentTagProps, tagEnvironment } from "../../../constructs/environment-tags";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function synthNamespace(props: EnvironmentTagProps): Json {
  const out = JSON.parse(
    Testing.synthScope((scope: Construct) => {
      new NamespaceV1(scope, "ns", { metadata: { name: "env-pr-5", labels: { team: "web" } } });
      new ServiceAccountV1(scope, "sa", { metadata: { name: "workload", namespace: "env-pr-5" } });
      tagEnvironment(scope, props);
    }),
  );
  return out.resource;
}

const PROPS: EnvironmentTagProps = { envId: "pr-5", owner: "web@example.com", ttl: "1d12h", budgetUsd: 30 };

describe("tagEnvironment on Kubernetes objects", () => {
  it("puts selector facts in labels and the rest in annotations, keeping the object's own labels", () => {
    const ns = Object.values(synthNamespace(PROPS).kubernetes_namespace_v1)[0] as Json;
    expect(ns.metadata.labels).toEqual({
      team: "web",
      "ephemera.dev/managed-by": "ephemera",
      "ephemera.dev/env": "pr-5",
      "ephemera.dev/on-expiry": "delete",
    });
    expect(ns.metadata.annotations).toMatchObject({
      "ephemera.dev/owner": "web@example.com",
      "ephemera.dev/ttl": "1d12h",
      "ephemera.dev/budget-usd": "30",
      "ephemera.dev/created-at": "${timestamp()}",
    });
  });

  it("labels every Kubernetes object, not just the namespace", () => {
    const sa = Object.values(synthNamespace(PROPS).kubernetes_service_account_v1)[0] as Json;
    expect(sa.metadata.labels["ephemera.dev/env"]).toBe("pr-5");
  });

  it("sets kube-janitor's janitor/expires to created-at + ttl in Terraform's duration form", () => {
    const ns = Object.values(synthNamespace(PROPS).kubernetes_namespace_v1)[0] as Json;
    expect(ns.metadata.annotations["janitor/expires"]).toBe('${timeadd(timestamp(), "36h0m")}');
  });

  it("never lets janitor/expires come before an expires-at override", () => {
    const ns = Object.values(synthNamespace({ ...PROPS, ttl: "2h", expiresAt: "2026-12-24T18:00:00Z" }).kubernetes_namespace_v1)[0] as Json;
    expect(ns.metadata.annotations["janitor/expires"]).toBe(
      '${(timecmp(timeadd(timestamp(), "2h0m"), "2026-12-24T18:00:00Z") > -1) ? timeadd(timestamp(), "2h0m") : "2026-12-24T18:00:00Z"}',
    );
    expect(ns.metadata.annotations["ephemera.dev/expires-at"]).toBe("2026-12-24T18:00:00Z");
  });

  it("tells Terraform to ignore the annotations and labels set at first apply or by the reaper", () => {
    const ns = Object.values(synthNamespace(PROPS).kubernetes_namespace_v1)[0] as Json;
    expect(ns.lifecycle.ignore_changes).toEqual(
      expect.arrayContaining([
        'metadata[0].annotations["ephemera.dev/created-at"]',
        'metadata[0].annotations["janitor/expires"]',
        'metadata[0].annotations["ephemera.dev/extended-until"]',
        'metadata[0].annotations["ephemera.dev/paused-size"]',
        'metadata[0].labels["ephemera.dev/state"]',
      ]),
    );
  });

  it("marks a protected environment with the protect label", () => {
    const ns = Object.values(synthNamespace({ ...PROPS, protect: true }).kubernetes_namespace_v1)[0] as Json;
    expect(ns.metadata.labels["ephemera.dev/protect"]).toBe("true");
  });
});
