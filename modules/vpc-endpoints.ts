import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { endpointSecurityGroupName, endpointServiceName } from "../config/naming";
import { INTERFACE_ENDPOINT_SERVICES, type VpcEndpointsConfig } from "../config/schema";

export interface SessionEndpointsProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  readonly vpc: VpcEndpointsConfig;
}

/**
 * What an instance in a private subnet needs to reach Session Manager without a NAT gateway: interface endpoints
 * with private DNS for ssm, ssmmessages, ec2messages, kms (session encryption) and logs (streamed transcripts),
 * behind a security group that admits HTTPS from the VPC only, and an S3 gateway endpoint on the route tables.
 */
export class SessionEndpoints extends Construct {
  constructor(scope: Construct, id: string, props: SessionEndpointsProps) {
    super(scope, id);
    const { vpc, provider } = props;
    const group = new SecurityGroup(this, "security-group", {
      name: endpointSecurityGroupName(props.namePrefix),
      description: "Session Manager endpoints: HTTPS from the VPC only",
      vpcId: vpc.vpcId,
      // Endpoint interfaces answer; they start nothing, so the group has no egress rule.
      ingress: [
        {
          description: "HTTPS from the VPC",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: [vpc.vpcCidr],
          ipv6CidrBlocks: [],
          prefixListIds: [],
          securityGroups: [],
          selfAttribute: false,
        },
      ],
      egress: [],
      provider,
    });
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new VpcEndpoint(this, service, {
        vpcId: vpc.vpcId,
        serviceName: endpointServiceName(vpc.region, service),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: [...vpc.subnetIds],
        securityGroupIds: [group.id],
        provider,
      });
    }
    if (vpc.s3Gateway) {
      new VpcEndpoint(this, "s3", {
        vpcId: vpc.vpcId,
        serviceName: endpointServiceName(vpc.region, "s3"),
        vpcEndpointType: "Gateway",
        routeTableIds: [...vpc.routeTableIds],
        provider,
      });
    }
  }
}
