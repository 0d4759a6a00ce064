import { metadataPatch, tagsOfK8sMetadata } from "../../../../reaper/kinds/k8s-namespace";
import { K8S_ANNOTATION, K8S_LABEL, TAG } from "../../../../reaper/model";

describe("Kubernetes labels and annotations as ephemera:* tags", () => {
  it("reads every model label and annotation back under its ephemera:* tag key", () => {
    const labels = Object.fromEntries(Object.values(K8S_LABEL).map((key) => [key, "v"]));
    const annotations = Object.fromEntries(Object.values(K8S_ANNOTATION).map((key) => [key, "w"]));
    const tags = tagsOfK8sMetadata(labels, annotations);
    for (const field of Object.keys(K8S_LABEL)) expect(tags[TAG[field as keyof typeof TAG]]).toBe("v");
    for (const field of Object.keys(K8S_ANNOTATION)) expect(tags[TAG[field as keyof typeof TAG]]).toBe("w");
  });

  it("ignores labels and annotations outside ephemera.dev/", () => {
    expect(tagsOfK8sMetadata({ app: "web" }, { "janitor/expires": "2026-05-01T00:00:00Z" })).toEqual({});
  });

  it("writes selector facts as labels and the rest as annotations", () => {
    expect(
      metadataPatch({
        [TAG.state]: "paused",
        [TAG.extendedUntil]: "2026-05-02T12:00:00Z",
        [TAG.owner]: "team-web@example.com",
      }),
    ).toEqual({
      metadata: {
        labels: { [K8S_LABEL.state]: "paused" },
        annotations: {
          [K8S_ANNOTATION.extendedUntil]: "2026-05-02T12:00:00Z",
          [K8S_ANNOTATION.owner]: "team-web@example.com",
          // kube-janitor's expiry follows an extension (test/unit/cli/namespace-extension.test.ts).
          "janitor/expires": "2026-05-02T12:00:00Z",
        },
      },
    });
  });

  it("round-trips: what tag writes, discovery reads back as the same tags", () => {
    const tags = { [TAG.state]: "reaping", [TAG.expiresAt]: "2026-05-03T00:00:00Z", "ephemera:future-key": "x" };
    const patch = metadataPatch(tags);
    if ("refusal" in patch) throw new Error("refused");
    const { labels, annotations } = patch.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
    expect(tagsOfK8sMetadata(labels, annotations)).toEqual(tags);
  });

  it("refuses keys outside ephemera:* and label values Kubernetes would reject", () => {
    expect(metadataPatch({ team: "web" })).toMatchObject({ refusal: { ok: false, code: "UnsupportedTagKey" } });
    expect(metadataPatch({ [TAG.env]: "pr 1" })).toMatchObject({ refusal: { ok: false, code: "InvalidLabelValue" } });
  });
});
