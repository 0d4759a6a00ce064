import { metadataPatch } from "../../../../reaper/kinds/k8s-namespace";
import { JANITOR_EXPIRES_ANNOTATION, TAG } from "../../../../reaper/model";

describe("extending an environment's Kubernetes namespace", () => {
  test("writing extended-until also moves kube-janitor's expiry, so the janitor cannot delete the namespace early", () => {
    const patch = metadataPatch({ [TAG.extendedUntil]: "2026-05-01T17:00:00.250Z" });
    expect(patch).toEqual({
      metadata: {
        labels: {},
        annotations: { "ephemera.dev/extended-until": "2026-05-01T17:00:00.250Z", [JANITOR_EXPIRES_ANNOTATION]: "2026-05-01T17:00:01Z" },
      },
    });
  });

  test("other tags leave kube-janitor's annotation alone", () => {
    const patch = metadataPatch({ [TAG.state]: "paused" });
    expect(patch).toEqual({ metadata: { labels: { "ephemera.dev/state": "paused" }, annotations: {} } });
  });
});
