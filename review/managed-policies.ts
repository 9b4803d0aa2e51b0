import type { PolicyJson } from "./resolve";

/**
 * Documents of the AWS-managed policies the stacks attach, so proofs about a role include what AWS grants it. A
 * stack that attaches any other managed policy fails resolution until its document is added here.
 *
 * AmazonSSMManagedInstanceCore, as published in the AWS Managed Policy Reference
 * (docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html). AWS revises it
 * rarely; when it does, update this copy and the proofs re-run against it.
 */
const AMAZON_SSM_MANAGED_INSTANCE_CORE: PolicyJson = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "ssm:DescribeAssociation",
        "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument",
        "ssm:DescribeDocument",
        "ssm:GetManifest",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:ListAssociations",
        "ssm:ListInstanceAssociations",
        "ssm:PutInventory",
        "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation",
      ],
      Resource: "*",
    },
    {
      Effect: "Allow",
      Action: [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    },
    {
      Effect: "Allow",
      Action: [
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply",
      ],
      Resource: "*",
    },
  ],
};

/**
 * AmazonSSMManagedEC2InstanceDefaultPolicy, the policy of the Default Host Management role: v2, the default version
 * since 2024-07-16, as IAM's GetPolicyVersion returns it (copied from the zoph-io/MAMIP record of AWS-managed
 * policies). v1 (2022-08-30) allowed the same actions and had no Sids. Unlike AmazonSSMManagedInstanceCore, no
 * ssm:GetParameter(s).
 */
const AMAZON_SSM_MANAGED_EC2_INSTANCE_DEFAULT_POLICY: PolicyJson = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AllowSSMAgentPermissions",
      Effect: "Allow",
      Action: [
        "ssm:DescribeAssociation",
        "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument",
        "ssm:DescribeDocument",
        "ssm:GetManifest",
        "ssm:ListAssociations",
        "ssm:ListInstanceAssociations",
        "ssm:PutInventory",
        "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation",
      ],
      Resource: "*",
    },
    {
      Sid: "AllowSSMChannelMessaging",
      Effect: "Allow",
      Action: [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    },
    {
      Sid: "AllowSSMLegacyMessaging",
      Effect: "Allow",
      Action: [
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply",
      ],
      Resource: "*",
    },
  ],
};

const MANAGED: Readonly<Record<string, PolicyJson>> = {
  AmazonSSMManagedInstanceCore: AMAZON_SSM_MANAGED_INSTANCE_CORE,
  AmazonSSMManagedEC2InstanceDefaultPolicy: AMAZON_SSM_MANAGED_EC2_INSTANCE_DEFAULT_POLICY,
};

/** The document of an AWS-managed policy by ARN, or undefined when it is not known here. */
export function managedPolicy(policyArn: string): PolicyJson | undefined {
  const match = policyArn.match(/^arn:aws:iam::aws:policy\/(?:service-role\/)?([A-Za-z0-9+=,.@_-]+)$/);
  return match ? MANAGED[match[1]] : undefined;
}
