import { S3Client, type S3ClientConfig, S3ServiceException } from "@aws-sdk/client-s3";
import { type IamDecision, type SimulatedPolicies, type SimulatedRequest, simulateIam } from "./simulate-iam";

const DAY = 86_400_000;

/** Who the gated client acts as, and the policies its requests are evaluated against. */
export interface IamGate {
  /** The caller's role ARN (the account in it is the bucket's too). */
  readonly principal: string;
  /** Its own policies, the bucket's policy and the key's policy. */
  readonly policies: SimulatedPolicies;
  /**
   * The bucket's SSE-KMS key: S3 then uses it on the caller's behalf, so a put also needs
   * `kms:GenerateDataKey` on it and a get `kms:Decrypt`, each through S3 (`kms:ViaService`).
   * @default - none: the bucket's objects are not encrypted with a KMS key
   */
  readonly kmsKeyArn?: string;
  /** Every request the gate evaluated, in order, with IAM's decision. @default - not recorded */
  readonly decisions?: GateDecision[];
}

/** One request the gate evaluated. */
export interface GateDecision extends Omit<SimulatedRequest, "principal"> {
  readonly command: string;
  readonly decision: IamDecision;
}

/** One IAM request an S3 call makes, without its principal. */
type IamRequest = Omit<SimulatedRequest, "principal">;
type Input = Readonly<Record<string, unknown>>;

/**
 * An S3 client whose every request IAM must allow first: the emulator (moto) evaluates no IAM,
 * so a middleware asks the IAM policy simulator (harness/simulate-iam.ts) what AWS would decide
 * for `gate.principal` under `gate.policies`: the command's action or actions, on the ARN of its
 * bucket or object, with the condition keys the request carries (`s3:if-none-match`,
 * `s3:prefix`, the retention's mode and days, and `kms:ViaService` for the key S3 uses on the
 * caller's behalf). A request any of them does not allow fails with S3's `AccessDenied` (403)
 * and never reaches the emulator; the rest go on to it unchanged. A command it cannot map
 * fails the test, rather than pass unchecked.
 */
export function iamGatedS3Client(config: S3ClientConfig & { region: string }, gate: IamGate): S3Client {
  const client = new S3Client(config);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "an unnamed command";
      for (const request of iamRequestsOf(command, args.input as Input, config.region, gate.kmsKeyArn)) {
        const decision = await simulateIam({ principal: gate.principal, ...request }, gate.policies);
        gate.decisions?.push({ command, ...request, decision });
        if (decision !== "Allowed") throw accessDenied(gate.principal, request, decision);
      }
      return next(args);
    },
    { step: "initialize", name: "ephemeraIamGate" },
  );
  return client;
}

/** What one S3 command asks of IAM: its action or actions, each on its resource with its condition keys. */
export function iamRequestsOf(command: string, input: Input, region: string, kmsKeyArn?: string): IamRequest[] {
  const bucket = `arn:aws:s3:::${String(input.Bucket)}`;
  const object = `${bucket}/${String(input.Key)}`;
  const kms = (action: string): IamRequest[] => (kmsKeyArn === undefined ? [] : [{ action, resource: kmsKeyArn, context: { "kms:ViaService": `s3.${region}.amazonaws.com` } }]);
  const bypass: IamRequest[] = input.BypassGovernanceRetention === true ? [{ action: "s3:BypassGovernanceRetention", resource: object }] : [];
  switch (command) {
    case "PutObjectCommand":
      return [
        { action: "s3:PutObject", resource: object, ...(input.IfNoneMatch === undefined ? {} : { context: { "s3:if-none-match": String(input.IfNoneMatch) } }) },
        // S3 checks s3:PutObjectRetention on a write that carries its own retention, and s3:PutObjectLegalHold on one with a hold.
        ...(input.ObjectLockMode === undefined && input.ObjectLockRetainUntilDate === undefined ? [] : [retention(object, input.ObjectLockMode, input.ObjectLockRetainUntilDate)]),
        ...(input.ObjectLockLegalHoldStatus === undefined ? [] : [{ action: "s3:PutObjectLegalHold", resource: object }]),
        ...kms("kms:GenerateDataKey"),
      ];
    case "GetObjectCommand":
      return [{ action: input.VersionId === undefined ? "s3:GetObject" : "s3:GetObjectVersion", resource: object }, ...kms("kms:Decrypt")];
    case "HeadObjectCommand":
      return [{ action: input.VersionId === undefined ? "s3:GetObject" : "s3:GetObjectVersion", resource: object }];
    case "ListObjectsV2Command":
    case "ListObjectsCommand":
      return [{ action: "s3:ListBucket", resource: bucket, ...(input.Prefix === undefined ? {} : { context: { "s3:prefix": String(input.Prefix) } }) }];
    case "ListObjectVersionsCommand":
      return [{ action: "s3:ListBucketVersions", resource: bucket, ...(input.Prefix === undefined ? {} : { context: { "s3:prefix": String(input.Prefix) } }) }];
    case "DeleteObjectCommand":
      return [{ action: input.VersionId === undefined ? "s3:DeleteObject" : "s3:DeleteObjectVersion", resource: object }, ...bypass];
    case "PutObjectRetentionCommand": {
      const given = (input.Retention ?? {}) as { Mode?: unknown; RetainUntilDate?: unknown };
      return [retention(object, given.Mode, given.RetainUntilDate), ...bypass];
    }
    case "PutObjectLegalHoldCommand":
      return [{ action: "s3:PutObjectLegalHold", resource: object }];
    default:
      throw new Error(`harness/iam-gated-s3.ts does not know what ${command} asks of IAM: add it to iamRequestsOf`);
  }
}

/** `s3:PutObjectRetention` with the retention's mode and its remaining days, as S3 puts them in the request's context. */
function retention(object: string, mode: unknown, until: unknown): IamRequest {
  const days = until instanceof Date ? String(Math.ceil((until.getTime() - Date.now()) / DAY)) : undefined;
  const context = { ...(mode === undefined ? {} : { "s3:object-lock-mode": String(mode) }), ...(days === undefined ? {} : { "s3:object-lock-remaining-retention-days": days }) };
  return { action: "s3:PutObjectRetention", resource: object, ...(Object.keys(context).length === 0 ? {} : { context }) };
}

/** What S3 answers a request IAM does not allow. */
function accessDenied(principal: string, request: IamRequest, decision: IamDecision): S3ServiceException {
  const why = decision === "ExplicitlyDenied" ? "with an explicit deny" : "because no policy allows it";
  return new S3ServiceException({
    name: "AccessDenied",
    $fault: "client",
    $metadata: { httpStatusCode: 403 },
    message: `User: ${principal} is not authorized to perform: ${request.action} on resource: "${request.resource}" ${why}`,
  });
}
