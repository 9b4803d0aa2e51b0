import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { instanceCredentialPerimeter } from "./policies/perimeter";
import { AL2023_ARM64_AMI_PARAMETER, BASTION_JUMP_USER, bastionName, bastionRoleName, IAM_PATH } from "../config/naming";
import type { BastionConfig } from "../config/types";
import { addAgentGrants, type AgentLoggingProps } from "./fleet-hygiene";
import { instanceTrustPolicy } from "./policies/workload";
import { escapeTemplateSequences, toTerraformJson } from "./terraform-json";

export interface SessionBastionProps extends AgentLoggingProps {
  /** Prefix of the bastion's name, its role and its instance profile. */
  readonly namePrefix: string;
  /** The provider of `bastion.region`. */
  readonly provider: TerraformProvider;
  /** The workload's `connectivity.bastion`. */
  readonly bastion: BastionConfig;
  /** Public addresses of the NAT gateways, for the credential perimeter. @default none */
  readonly egressPublicCidrs?: readonly string[];
}

/**
 * A jump host in a private subnet, reached only through Session Manager: no public IP, a security group with no
 * inbound rule, IMDSv2 only, an encrypted root volume, and the latest Amazon Linux 2023 (arm64) from AWS's public
 * parameter. Its tags decide which access groups may start sessions on it. With `sshTo`, the listed groups admit
 * SSH from the bastion's group, for `ssh -J`. SSH logs in as `BASTION_JUMP_USER` only, set up by `bastionUserData`.
 *
 * The bastion has its own role, with only what the SSM agent needs (AmazonSSMManagedEC2InstanceDefaultPolicy and
 * the session logging policy): whatever a jump user might reach on the host, it is not the workload's instance role.
 */
export class SessionBastion extends Construct {
  /** ARN of the bastion instance, for policies scoped to it. */
  public readonly instanceArn: string;
  /** The bastion's own role: the SSM agent's core rights and session logging, nothing else. */
  public readonly roleName: string;
  public readonly roleArn: string;
  public readonly instanceProfileName: string;

  constructor(scope: Construct, id: string, props: SessionBastionProps) {
    super(scope, id);
    const { bastion, provider } = props;
    const name = bastionName(props.namePrefix);
    // IAM is global: the role lives with the stack's other IAM resources, on the default provider.
    const role = new IamRole(this, "role", {
      name: bastionRoleName(props.namePrefix),
      path: IAM_PATH,
      description: "Session Manager bastion: the SSM agent's core rights and session logging, nothing else",
      assumeRolePolicy: toTerraformJson(instanceTrustPolicy()),
    });
    const grants = addAgentGrants(this, role, props);
    // Its credentials, like the instance role's, are of no use off the host (instanceCredentialPerimeter).
    new IamRolePolicy(this, "credential-perimeter", {
      name: "credential-perimeter",
      role: role.id,
      policy: toTerraformJson(instanceCredentialPerimeter(props.egressPublicCidrs ?? [])),
    });
    const profile = new IamInstanceProfile(this, "instance-profile", {
      name: role.name,
      path: IAM_PATH,
      role: role.name,
    });
    this.roleName = role.name;
    this.roleArn = role.arn;
    this.instanceProfileName = profile.name;

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
    const instance = new Instance(this, "instance", {
      // insecure_value: an AMI id is no secret, and plans should show which one.
      ami: ami.insecureValue,
      instanceType: bastion.instanceType,
      subnetId: bastion.subnetId,
      vpcSecurityGroupIds: [group.id],
      associatePublicIpAddress: false,
      iamInstanceProfile: profile.name,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: "gp3" },
      // Terraform only re-runs user data on a new instance: replace the bastion when the script changes.
      userData: bastionUserData(),
      userDataReplaceOnChange: true,
      // Name last: the key push permission and ssh-config find the bastion by it.
      tags: { ...bastion.tags, Name: name },
      // The agent starts at boot: give it its logging rights first, so no session on the bastion goes unlogged.
      dependsOn: grants,
      provider,
    });
    this.instanceArn = instance.arn;
  }
}

/** The sshd drop-in that confines the jump user; AL2023's sshd_config includes sshd_config.d/*.conf. */
export const JUMP_SSHD_CONFIG = "/etc/ssh/sshd_config.d/60-session-manager-jump.conf";
/** The nftables rules that confine the jump user's connections, loaded at boot by nftables.service. */
export const JUMP_NFT_RULES = "/etc/nftables/session-manager-jump.nft";
/** nftables.service loads this file (the Fedora layout Amazon Linux 2023 follows); it includes the rules above. */
export const NFT_SERVICE_CONFIG = "/etc/sysconfig/nftables.conf";
/** The only port the jump user may forward to: SSH on the ProxyJump targets. */
export const JUMP_TARGET_PORT = 22;
/** The instance metadata service, over IPv4 and (Nitro instances with IPv6) IPv6: it hands out the role's credentials. */
export const IMDS_ADDRESSES = { ipv4: "169.254.169.254", ipv6: "fd00:ec2::254" } as const;
/** systemd-resolved's stub resolver: sshd looks up the host name of a ProxyJump target as the jump user. */
const LOCAL_RESOLVER = "127.0.0.53";

/**
 * The jump user's sshd Match block. `ssh -J` opens a direct-tcpip channel, not a session, so ForceCommand does not
 * stop it, while a shell, a command or a TTY is refused. Forwarding is local only (no -R, no listening socket, no
 * Unix sockets) and only to port 22: sshd matches PermitOpen hosts literally, with no address patterns, and the
 * targets are security groups whose hosts are unknown here, so `*:22` is the narrowest honest form. Which hosts
 * answer on port 22 is the security group's job (SSH out only to `sshTo`); the host firewall keeps the jump user off
 * the metadata service, which security groups do not filter.
 */
export function jumpSshdConfig(): string[] {
  return [
    `Match User ${BASTION_JUMP_USER}`,
    "  ForceCommand /sbin/nologin",
    "  PermitTTY no",
    "  AllowTcpForwarding local",
    `  PermitOpen *:${JUMP_TARGET_PORT}`,
    "  PermitListen none",
    "  AllowStreamLocalForwarding no",
    "  X11Forwarding no",
    "  AllowAgentForwarding no",
    "  PermitTunnel no",
    "  GatewayPorts no",
    "  PermitUserRC no",
  ];
}

/**
 * nftables rules for the connections the jump user's processes open, which is where sshd makes the forwarded ones
 * (after login, sshd runs as the user). Whatever sshd would allow: never the metadata service (IPv4 and IPv6), and
 * nothing but SSH out, plus DNS to the local stub resolver so a target may be given by name. Replies on connections
 * already made pass. One table of its own, deleted and recreated on each load, so loading twice changes nothing and
 * no other rule of the host is touched.
 */
export function jumpFirewallRules(): string[] {
  const table = "inet session_manager_jump";
  return [
    "# Managed by session-manager-cdktf: the bastion's jump user reaches SSH ports, and nothing else from this host.",
    `table ${table} {}`,
    `delete table ${table}`,
    `table ${table} {`,
    "  chain output {",
    "    type filter hook output priority filter; policy accept;",
    `    meta skuid "${BASTION_JUMP_USER}" jump jump_user`,
    "  }",
    "  chain jump_user {",
    `    ip daddr ${IMDS_ADDRESSES.ipv4} reject`,
    `    ip6 daddr ${IMDS_ADDRESSES.ipv6} reject`,
    "    ct state established,related accept",
    `    tcp dport ${JUMP_TARGET_PORT} accept`,
    `    ip daddr ${LOCAL_RESOLVER} meta l4proto { tcp, udp } th dport 53 accept`,
    "    reject",
    "  }",
    "}",
  ];
}

/**
 * The bastion's cloud-init script: the login `BASTION_JUMP_USER`, with no password and no sudo, whose SSH sessions
 * can only forward to port 22 (`jumpSshdConfig`), behind a host firewall (`jumpFirewallRules`) that is in place and
 * enabled for every boot before sshd allows any forwarding. The user needs no authorized_keys: EC2 Instance
 * Connect's AuthorizedKeysCommand serves the key `aws ec2-instance-connect send-ssh-public-key` pushed, for 60
 * seconds (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/connect-linux-inst-eic.html). Amazon Linux 2023
 * images are expected to ship ec2-instance-connect and nftables; the script installs either when missing.
 *
 * Idempotent, so running it again changes nothing. Written without `${` or `%{`, which Terraform would read as
 * template syntax; escaped all the same, so a later edit cannot break the plan.
 */
export function bastionUserData(): string {
  const user = BASTION_JUMP_USER;
  const include = `include "${JUMP_NFT_RULES}"`;
  const script = [
    "#!/bin/sh",
    "set -eu",
    "rpm -q ec2-instance-connect >/dev/null 2>&1 || dnf -y install ec2-instance-connect",
    "rpm -q nftables >/dev/null 2>&1 || dnf -y install nftables",
    `id -u ${user} >/dev/null 2>&1 || useradd --create-home --shell /sbin/nologin ${user}`,
    `mkdir -p ${JUMP_NFT_RULES.slice(0, JUMP_NFT_RULES.lastIndexOf("/"))}`,
    `cat > ${JUMP_NFT_RULES} <<'NFT'`,
    ...jumpFirewallRules(),
    "NFT", // not EOF: cdktf writes the user data as an HCL heredoc ending in EOF
    `chmod 600 ${JUMP_NFT_RULES}`,
    `grep -qxF '${include}' ${NFT_SERVICE_CONFIG} 2>/dev/null || echo '${include}' >> ${NFT_SERVICE_CONFIG}`,
    `nft -f ${JUMP_NFT_RULES}`,
    "systemctl enable nftables",
    `cat > ${JUMP_SSHD_CONFIG} <<'SSHD'`,
    ...jumpSshdConfig(),
    "SSHD",
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
