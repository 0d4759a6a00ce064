import fc from "fast-check";
import {
  ENV_STATES,
  formatJanitorExpires,
  isK8sLabelValue,
  JANITOR_EXPIRES_ANNOTATION,
  K8S_ANNOTATION,
  K8S_LABEL,
  MANAGED_BY_VALUE,
  ON_EXPIRY_VALUES,
  RUNTIME_K8S_KEYS,
  RUNTIME_TAG_KEYS,
  TAG,
  tryParseEnvId,
} from "../../../../reaper/model";

const suffix = (key: string) => key.slice(key.indexOf("/") + 1);

describe("Kubernetes metadata", () => {
  test("labels and annotations together carry every AWS tag, each in one place only", () => {
    const k8s = [...Object.values(K8S_LABEL), ...Object.values(K8S_ANNOTATION)];
    expect(new Set(k8s).size).toBe(k8s.length);
    expect(k8s.map((key) => `ephemera:${suffix(key)}`).sort()).toEqual(Object.values(TAG).sort());
  });

  test("every key lives under ephemera.dev/ and is a valid Kubernetes key name", () => {
    for (const key of [...Object.values(K8S_LABEL), ...Object.values(K8S_ANNOTATION)]) {
      expect(key).toMatch(/^ephemera\.dev\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(suffix(key).length).toBeLessThanOrEqual(63);
    }
  });

  test("every value a label can hold is a valid label value", () => {
    for (const value of [MANAGED_BY_VALUE, ...ON_EXPIRY_VALUES, ...ENV_STATES, "true", "false"]) {
      expect(isK8sLabelValue(value)).toBe(true);
    }
  });

  test("every valid environment id is a valid label value", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/), (id) => {
        fc.pre(tryParseEnvId(id).ok);
        expect(isK8sLabelValue(id)).toBe(true);
      }),
    );
  });

  test.each(["alice@example.com", "2026-05-01T12:00:00Z", "-x", "x".repeat(64), "a b"])(
    "%j is not a valid label value, which is why it goes in an annotation",
    (value) => {
      expect(isK8sLabelValue(value)).toBe(false);
    },
  );

  test("the runtime keys match the AWS runtime tags", () => {
    expect(RUNTIME_K8S_KEYS.map((key) => `ephemera:${suffix(key)}`).sort()).toEqual([...RUNTIME_TAG_KEYS].sort());
  });

  test("the kube-janitor annotation is janitor/expires", () => {
    expect(JANITOR_EXPIRES_ANNOTATION).toBe("janitor/expires");
  });

  test("janitor expiry is written as YYYY-MM-DDTHH:MM:SSZ", () => {
    expect(formatJanitorExpires(new Date("2026-05-01T12:00:00.000Z"))).toBe("2026-05-01T12:00:00Z");
  });

  test("janitor expiry rounds a fraction of a second up, so the janitor is never early", () => {
    expect(formatJanitorExpires(new Date("2026-05-01T12:00:00.001Z"))).toBe("2026-05-01T12:00:01Z");
  });

  test("janitor expiry is never before the instant it was given", () => {
    const date = fc.date({
      min: new Date("1970-01-01T00:00:00Z"),
      max: new Date("9999-12-31T23:59:59Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(date, (d) => {
        const text = formatJanitorExpires(d);
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        const written = Date.parse(text);
        expect(written).toBeGreaterThanOrEqual(d.getTime());
        expect(written - d.getTime()).toBeLessThan(1000);
      }),
    );
  });
});
