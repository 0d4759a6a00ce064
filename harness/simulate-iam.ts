import { runSimulation } from "@cloud-copilot/iam-simulate";

/** What IAM decides for one request. */
export type IamDecision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** One request to evaluate: who asks for which action on which resource, with which condition keys. */
export interface SimulatedRequest {
  /** The caller's role or user ARN; its account is the resource's too (a same-account request). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** The request's condition keys; `aws:SecureTransport` is `true` and `aws:PrincipalArn` the principal unless given. */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** The policies a request is evaluated against. */
export interface SimulatedPolicies {
  /** The principal's own (identity) policies, as documents. */
  readonly identity: readonly object[];
  /** The bucket policy, for `s3:` actions. @default - none */
  readonly bucketPolicy?: object;
  /** The key policy, for `kms:` actions. @default - the default key policy: the account's IAM policies decide */
  readonly keyPolicy?: object;
}

/**
 * Evaluates one request with the IAM policy simulator `@cloud-copilot/iam-simulate` (a model of
 * IAM, not AWS itself): the identity policies, and the bucket's or the key's policy. Throws
 * when the simulator cannot evaluate it, or would drop a condition key the action does not
 * take (a request whose keys do not all count proves nothing).
 */
export async function simulateIam(request: SimulatedRequest, policies: SimulatedPolicies): Promise<IamDecision> {
  const accountId = request.principal.split(":")[4]!;
  const resourcePolicy = request.action.startsWith("kms:") ? (policies.keyPolicy ?? defaultKeyPolicy(accountId)) : request.action.startsWith("s3:") ? policies.bucketPolicy : undefined;
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId },
        // AWS sets aws:PrincipalArn to the role's ARN for every session of the role; the simulator leaves it to the request.
        contextVariables: { "aws:SecureTransport": "true", "aws:PrincipalArn": request.principal, ...(request.context ?? {}) },
      },
      identityPolicies: policies.identity.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    },
    {},
  );
  const what = `${request.action} on ${request.resource}`;
  if (result.resultType === "error") throw new Error(`the IAM simulator cannot evaluate ${what}: ${JSON.stringify(result.errors)}`);
  const ignored = result.resultType === "single" ? (result.result.ignoredContextKeys ?? []) : [];
  if (ignored.length > 0) throw new Error(`${request.action} takes no condition key ${ignored.join(", ")}: the request would prove nothing`);
  return result.overallResult as IamDecision;
}

/** A key policy that lets the account's IAM policies grant the key (KMS's default). */
function defaultKeyPolicy(accountId: string): object {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" }] };
}
