import { isLoopback, KubeClient } from "../../../../reaper/kube/kube-client";

const token = async () => "k8s-aws-v1.secret";

describe("KubeClient's server URL", () => {
  it("accepts https to any host", () => {
    expect(() => new KubeClient({ server: "https://ABC.gr7.us-east-1.eks.amazonaws.com", token }).close()).not.toThrow();
  });

  it.each(["http://127.0.0.1:6443", "http://localhost:8080", "http://[::1]:6443", "http://127.3.2.1"])("accepts plain http to the loopback address %s (a local test double)", (server) => {
    expect(() => new KubeClient({ server, token }).close()).not.toThrow();
  });

  it.each(["http://ABC.gr7.us-east-1.eks.amazonaws.com", "http://10.0.0.12:6443", "http://localhost.example.com", "http://127.0.0.1.nip.io"])(
    "refuses plain http to %s: the bearer token would travel in clear text",
    (server) => {
      expect(() => new KubeClient({ server, token })).toThrow(/plain http to a host that is not this machine.*use the cluster's https endpoint/);
    },
  );

  it("refuses a scheme other than http(s)", () => {
    expect(() => new KubeClient({ server: "ftp://127.0.0.1", token })).toThrow("must be https");
  });

  it("knows a loopback host when it sees one", () => {
    expect(["127.0.0.1", "localhost", "::1", "[::1]", "LOCALHOST"].every(isLoopback)).toBe(true);
    expect(["10.0.0.1", "128.0.0.1", "localhost.example.com", "::2", "0.0.0.0"].some(isLoopback)).toBe(false);
  });
});
