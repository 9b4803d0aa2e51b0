import { policy, type PolicyDocument, type Statement } from "./iam";

/**
 * Instance credentials stay on the instance. Anyone in a session can read the role's credentials from the instance
 * metadata service; these Denies make them useless elsewhere. The shape follows AWS's data-perimeter guidance for
 * EC2 role credentials: `ec2:SourceInstanceARN` is present only for credentials EC2 delivered to an instance, and
 * `aws:ViaAWSService` exempts calls an AWS service makes on the role's behalf (S3 calling KMS, for one).
 *
 * - Through a VPC endpoint, the request's VPC (`aws:SourceVpc`) must be the instance's own
 *   (`aws:ec2InstanceSourceVPC`). A request that came through no endpoint has no `aws:SourceVpc`, and IAM skips a
 *   statement whose variable it cannot resolve, so this one cannot stop it.
 * - Without an endpoint (NAT gateway, internet gateway), only the listed public addresses may carry the request.
 *   Without that list, credentials used from the internet are not denied here: that needs the addresses of the
 *   account's NAT gateways, or an organization policy.
 */
export function instanceCredentialPerimeter(egressPublicCidrs: readonly string[]): PolicyDocument {
  const fromInstance = { Null: { "ec2:SourceInstanceARN": "false" }, BoolIfExists: { "aws:ViaAWSService": "false" } };
  const statements: Statement[] = [
    {
      Sid: "DenyCredentialsFromAnotherVpc",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { StringNotEquals: { "aws:ec2InstanceSourceVPC": "${aws:SourceVpc}" }, ...fromInstance },
    },
  ];
  if (egressPublicCidrs.length > 0) {
    statements.push({
      Sid: "DenyCredentialsOutsideVpcAndNat",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: {
        ...fromInstance,
        Null: { "ec2:SourceInstanceARN": "false", "aws:SourceVpc": "true" },
        NotIpAddress: { "aws:SourceIp": [...egressPublicCidrs] },
      },
    });
  }
  return policy(...statements);
}
