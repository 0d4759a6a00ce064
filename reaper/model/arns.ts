/**
 * The one check of each identifier that both the constructs (at synth) and the reaper
 * (its settings) validate, so the two sides accept exactly the same values.
 */

export function isAccountId(text: string): boolean {
  return /^\d{12}$/.test(text);
}

export function isRegion(text: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(text);
}

export function isS3BucketName(text: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(text);
}

export function isEksClusterName(text: string): boolean {
  return /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(text);
}

/**
 * A standard SNS topic's ARN. FIFO topics (`.fifo`) are refused: the reaper publishes
 * owner notifications without a message group id, which FIFO topics reject, and a
 * FIFO topic cannot deliver budget alerts to the reaper's Lambda function.
 */
export function isSnsTopicArn(text: string): boolean {
  return /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(text);
}

/** A standard SNS topic ARN in which the region, account and name may hold `*` wildcards (IAM resource patterns). */
export function isSnsTopicArnPattern(text: string): boolean {
  return /^arn:aws[a-z-]*:sns:[a-z0-9*-]+:(\d{12}|\*):[A-Za-z0-9_*-]{1,256}$/.test(text);
}

/** An unqualified Lambda function ARN. */
export function isLambdaFunctionArn(text: string): boolean {
  return /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}$/.test(text);
}

export function isIamRoleArn(text: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(text);
}

/** An IAM user or role, or an STS assumed-role session. */
export function isIamPrincipalArn(text: string): boolean {
  return /^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/.test(text);
}

/** A KMS key's ARN (not an alias). */
export function isKmsKeyArn(text: string): boolean {
  return /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(text);
}

/** A Secrets Manager secret's full ARN (its name, then `-` and the six characters AWS appends). */
export function isSecretArn(text: string): boolean {
  return /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$/.test(text);
}

/** An IAM path: `/`, or `/` and printable characters ending in `/`, at most 512 characters. */
export function isIamPath(text: string): boolean {
  return text.length <= 512 && /^\/(?:[\x21-\x7E]*\/)?$/.test(text);
}

/** The ARN partition of a region: `aws-cn` in China, `aws-us-gov` in GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
