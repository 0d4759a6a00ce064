import { ExistingPlatform } from "./preview-stack";

/**
 * What this repo already runs, deployed and owned elsewhere (another stack, another
 * state): referred to by id, never re-created here.
 */
export const ACME_PLATFORM: ExistingPlatform = {
  region: "us-east-1",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  privateSubnetIds: ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"],
  clusterName: "acme-shared",
  clusterSecurityGroupId: "sg-0c1u2s3t4e5r6s7g8",
  oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/5C9D0F1E2A3B4C5D6E7F8A9B0C1D2E3F",
  baselineDbInstance: "acme-staging-db",
  pauseTopicArn: "arn:aws:sns:us-east-1:111122223333:ephemera-pause",
};
