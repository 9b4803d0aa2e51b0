import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { AL2023_ARM64_AMI_PARAMETER, BASTION_JUMP_USER, bastionName } from "../config/naming";
import type { BastionConfig } from "../config/types";
import { escapeTemplateSequences } from "./terraform-json";

export interface SessionBastionProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  readonly bastion: BastionConfig;
  /** The instance profile of the workload's instance role: the bastion is managed and logged like any instance. */
  readonly instanceProfileName: string;
}

/**
 * A jump host in a private subnet, reached only through Session Manager: no public IP, a security group with no
 * inbound rule, IMDSv2 only, an encrypted root volume, and the latest Amazon Linux 2023 (arm64) from AWS's public
 * parameter. Its tags decide which access groups may start sessions on it. With `sshTo`, the listed groups admit
 * SSH from the bastion's group, for `ssh -J`. SSH logs in as `BASTION_JUMP_USER` only, set up by `bastionUserData`.
 */
export class SessionBastion extends Construct {
  constructor(scope: Construct, id: string, props: SessionBastionProps) {
    super(scope, id);
    const { bastion, provider } = props;
    const name = bastionName(props.namePrefix);
    const group = new SecurityGroup(this, "security-group", {
      name,
      description: "Session Manager bastion: no inbound rules; HTTPS out to Session Manager, SSH out to ProxyJump targets",
      vpcId: bastion.vpcId,
      ingress: [],
      egress: [
        rule("HTTPS to the Session Manager endpoints and AWS APIs", 443, { cidrBlocks: ["0.0.0.0/0"] }),
        ...(bastion.sshTo.length > 0 ? [rule("SSH to ProxyJump targets", 22, { securityGroups: [...bastion.sshTo] })] : []),
      ],
      provider,
    });
    for (const target of bastion.sshTo) {
      new VpcSecurityGroupIngressRule(this, `ssh-to-${target}`, {
        securityGroupId: target,
        referencedSecurityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        description: `SSH from the Session Manager bastion (${name})`,
        provider,
      });
    }
    // Read at plan time: each apply after AWS publishes a new image replaces the bastion, which keeps nothing.
    const ami = new DataAwsSsmParameter(this, "ami", { name: AL2023_ARM64_AMI_PARAMETER, provider });
    new Instance(this, "instance", {
      // insecure_value: an AMI id is no secret, and plans should show which one.
      ami: ami.insecureValue,
      instanceType: bastion.instanceType,
      subnetId: bastion.subnetId,
      vpcSecurityGroupIds: [group.id],
      associatePublicIpAddress: false,
      iamInstanceProfile: props.instanceProfileName,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: "gp3" },
      // Terraform only re-runs user data on a new instance: replace the bastion when the script changes.
      userData: bastionUserData(),
      userDataReplaceOnChange: true,
      // Name last: the key push permission and ssh-config find the bastion by it.
      tags: { ...bastion.tags, Name: name },
      provider,
    });
  }
}

/** The sshd drop-in that confines the jump user; AL2023's sshd_config includes sshd_config.d/*.conf. */
export const JUMP_SSHD_CONFIG = "/etc/ssh/sshd_config.d/60-session-manager-jump.conf";

/**
 * The bastion's cloud-init script: the login `BASTION_JUMP_USER`, with no password and no sudo, whose SSH sessions
 * can only forward. `ssh -J` opens a direct-tcpip channel, not a session, so ForceCommand does not stop it, while a
 * shell, a command or a TTY is refused. The user needs no authorized_keys: EC2 Instance Connect's
 * AuthorizedKeysCommand serves the key `aws ec2-instance-connect send-ssh-public-key` pushed, for 60 seconds
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/connect-linux-inst-eic.html). Amazon Linux 2023 images are
 * expected to ship the ec2-instance-connect package; the script installs it when one does not.
 *
 * Idempotent, so running it again changes nothing. Written without `${` or `%{`, which Terraform would read as
 * template syntax; escaped all the same, so a later edit cannot break the plan.
 */
export function bastionUserData(): string {
  const user = BASTION_JUMP_USER;
  const script = [
    "#!/bin/sh",
    "set -eu",
    "rpm -q ec2-instance-connect >/dev/null 2>&1 || dnf -y install ec2-instance-connect",
    `id -u ${user} >/dev/null 2>&1 || useradd --create-home --shell /sbin/nologin ${user}`,
    `cat > ${JUMP_SSHD_CONFIG} <<'SSHD'`,
    `Match User ${user}`,
    "  ForceCommand /sbin/nologin",
    "  PermitTTY no",
    "  AllowTcpForwarding yes",
    "  X11Forwarding no",
    "  AllowAgentForwarding no",
    "  PermitTunnel no",
    "  GatewayPorts no",
    "SSHD", // not EOF: cdktf writes the user data as an HCL heredoc ending in EOF
    `chmod 600 ${JUMP_SSHD_CONFIG}`,
    "sshd -t",
    "systemctl reload sshd",
  ];
  return escapeTemplateSequences(`${script.join("\n")}\n`);
}

/** An egress rule of an aws_security_group, with the arguments the provider wants spelled out. */
function rule(description: string, port: number, to: { cidrBlocks?: string[]; securityGroups?: string[] }) {
  return {
    description,
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    cidrBlocks: to.cidrBlocks ?? [],
    ipv6CidrBlocks: [],
    prefixListIds: [],
    securityGroups: to.securityGroups ?? [],
    selfAttribute: false,
  };
}
