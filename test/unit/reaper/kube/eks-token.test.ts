import { createHash, createHmac } from "node:crypto";
import { createEksToken, EKS_TOKEN_PREFIX } from "../../../../reaper/kube/eks-token";
import { eksTokenProblem } from "../../../../harness/kube-api-double";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const SIGNING_DATE = new Date("2026-05-01T12:00:00Z");

async function tokenUrl(options: Partial<Parameters<typeof createEksToken>[0]> = {}): Promise<URL> {
  const token = await createEksToken({
    clusterName: "shared",
    region: "eu-west-1",
    credentials: CREDENTIALS,
    signingDate: SIGNING_DATE,
    ...options,
  });
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), "base64url").toString("utf8"));
}

/** SigV4 query-string signing, written out from the AWS spec, independently of @smithy/signature-v4. */
function expectedSignature(url: URL, clusterName: string, secret: string): string {
  const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
  const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text, "utf8").digest();
  const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...url.searchParams.entries()].filter(([key]) => key !== "X-Amz-Signature");
  const query = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = `host:${url.hostname}\nx-k8s-aws-id:${clusterName}\n`;
  const canonical = ["GET", "/", query, headers, "host;x-k8s-aws-id", sha256("")].join("\n");
  const amzDate = url.searchParams.get("X-Amz-Date")!;
  const scope = url.searchParams.get("X-Amz-Credential")!.split("/").slice(1).join("/");
  const [day, region, service] = scope.split("/");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), "aws4_request");
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

describe("EKS bearer token", () => {
  it("is k8s-aws-v1. followed by base64url without padding", async () => {
    const token = await createEksToken({ clusterName: "shared", region: "us-east-1", credentials: CREDENTIALS });
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  });

  it("encodes an STS GetCallerIdentity URL in the cluster's region, presigned for 60 seconds", async () => {
    const url = await tokenUrl();
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("https://sts.eu-west-1.amazonaws.com/");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: "GetCallerIdentity",
      Version: "2011-06-15",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKIDEXAMPLE/20260501/eu-west-1/sts/aws4_request",
      "X-Amz-Date": "20260501T120000Z",
      "X-Amz-Expires": "60",
      "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
    });
  });

  it("carries a SigV4 signature over the cluster name header, as the spec computes it", async () => {
    const url = await tokenUrl({ clusterName: "shared" });
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(url, "shared", CREDENTIALS.secretAccessKey));
  });

  it("is signed for one cluster only: another cluster name gives another signature", async () => {
    const a = await tokenUrl({ clusterName: "shared" });
    const b = await tokenUrl({ clusterName: "other" });
    expect(a.searchParams.get("X-Amz-Signature")).not.toBe(b.searchParams.get("X-Amz-Signature"));
    expect(b.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(b, "other", CREDENTIALS.secretAccessKey));
  });

  it("carries temporary credentials' session token in the signed query", async () => {
    const url = await tokenUrl({ credentials: async () => ({ ...CREDENTIALS, sessionToken: "session/token+1" }) });
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("session/token+1");
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(url, "shared", CREDENTIALS.secretAccessKey));
  });

  it("names the China partition's STS host in China regions", async () => {
    expect((await tokenUrl({ region: "cn-north-1" })).hostname).toBe("sts.cn-north-1.amazonaws.com.cn");
  });

  it("has the shape the Kubernetes API double (and EKS) accepts", async () => {
    const token = await createEksToken({ clusterName: "shared", region: "us-east-1", credentials: CREDENTIALS });
    expect(eksTokenProblem(`Bearer ${token}`)).toBeUndefined();
  });
});

describe("the Kubernetes API double's token check", () => {
  it("rejects a missing header, a padded token and a URL without the cluster header signed", async () => {
    const token = await createEksToken({ clusterName: "shared", region: "us-east-1", credentials: CREDENTIALS });
    expect(eksTokenProblem(undefined)).toBeDefined();
    expect(eksTokenProblem(`Bearer ${token}=`)).toBeDefined();
    const url = await tokenUrl();
    url.searchParams.set("X-Amz-SignedHeaders", "host");
    expect(eksTokenProblem(`Bearer k8s-aws-v1.${Buffer.from(url.toString()).toString("base64url")}`)).toMatch(/x-k8s-aws-id/);
  });
});
