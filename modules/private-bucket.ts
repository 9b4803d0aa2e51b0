import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import type { Construct } from "constructs";

/**
 * What every bucket of this project gets: all four public-access blocks, and ACLs off (BucketOwnerEnforced), so
 * that only the bucket policy grants anything. Created under `scope` with fixed ids, so the Terraform addresses of
 * buckets that used this before stay the same. Returns the public-access block, which the bucket policy must wait
 * for: S3 refuses a policy it would judge public while the block is not in place.
 */
export function privateBucketControls(scope: Construct, bucketId: string): S3BucketPublicAccessBlock {
  const publicAccess = new S3BucketPublicAccessBlock(scope, "public-access-block", {
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, "ownership", { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } });
  return publicAccess;
}
