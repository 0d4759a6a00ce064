import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/** The AWS credentials a token is signed with (what an SDK client's credential provider yields). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface EksTokenOptions {
  /** The EKS cluster name: signed into the `x-k8s-aws-id` header, so the token is good for that cluster only. */
  readonly clusterName: string;
  /** Region of the STS endpoint the URL names (the cluster's region). */
  readonly region: string;
  readonly credentials: SigningCredentials | (() => Promise<SigningCredentials>);
  /** When the signature is made. @default now */
  readonly signingDate?: Date;
}

/** The prefix aws-iam-authenticator (and so EKS) expects in front of the encoded URL. */
export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";

/**
 * Seconds the presigned URL claims to be valid. EKS accepts a token for 15 minutes
 * whatever the URL says; 60 s is what `aws eks get-token` writes.
 */
const URL_EXPIRES_IN_SECONDS = 60;

/**
 * A Kubernetes bearer token for an EKS cluster, made the way `aws eks get-token`
 * makes it: an STS GetCallerIdentity URL presigned with SigV4 (with the cluster name
 * in the signed `x-k8s-aws-id` header), base64url-encoded without padding and
 * prefixed `k8s-aws-v1.`. The API server calls STS with it to learn who we are; no
 * request to STS is made here.
 */
export async function createEksToken(options: EksTokenOptions): Promise<string> {
  const hostname = `sts.${options.region}.${dnsSuffix(options.region)}`;
  const signer = new SignatureV4({
    service: "sts",
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host: hostname, "x-k8s-aws-id": options.clusterName },
  });
  const signed = await signer.presign(request, {
    expiresIn: URL_EXPIRES_IN_SECONDS,
    ...(options.signingDate === undefined ? {} : { signingDate: options.signingDate }),
  });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => [key, v ?? ""] as const))
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");
}

/** STS lives under amazonaws.com.cn in the China partition; everywhere else under amazonaws.com. */
function dnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}
