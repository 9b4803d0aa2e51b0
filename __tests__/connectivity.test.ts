import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { validateConfig } from "../config/load";
import { instanceCredentialPerimeter } from "../modules/policies/perimeter";
import { instanceLoggingPolicy } from "../modules/policies/workload";
import { IMDS_ADDRESSES, jumpFirewallRules, jumpSshdConfig } from "../modules/bastion";
import { exampleConfig, exampleRaw, onlyResource, resourcesOf, synthAll, terraformLiteral, type Synth } from "./helpers";

/** VPC endpoints and the bastion: what synth writes, and the config errors that stop it. */

const stacks = synthAll(exampleConfig());
const payments: Synth = stacks["workload-payments"];
const WEST_VPC = "vpc-0a1b2c3d4e5f60718";
const CENTRAL_VPC = "vpc-0b1c2d3e4f5a60718";

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const withConnectivity = (edit: (c: Record<string, any>) => void): Record<string, any> => {
  const raw = exampleRaw();
  edit(raw.workloads[0].connectivity);
  return raw;
};

describe("VPC endpoints", () => {
  test.each([
    [WEST_VPC, "eu-west-1", "aws", ["subnet-0a1b2c3d4e5f60719", "subnet-0a1b2c3d4e5f6071a"]],
    [CENTRAL_VPC, "eu-central-1", "aws.eu-central-1", ["subnet-0b1c2d3e4f5a60719"]],
  ])("%s (%s): an interface endpoint with private DNS for each Session Manager service", (vpc, region, provider, subnets) => {
    const endpoints = resourcesOf(payments, "aws_vpc_endpoint", `endpoints-${vpc}/`).map(([, e]) => e);
    const group = resourcesOf(payments, "aws_security_group", `endpoints-${vpc}/`)[0][0];
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      ["ec2messages", "kms", "logs", "ssm", "ssmmessages"].map((s) => `com.amazonaws.${region}.${s}`),
    );
    for (const e of interfaces) {
      expect(e).toMatchObject({
        vpc_id: vpc,
        private_dns_enabled: true,
        subnet_ids: subnets,
        security_group_ids: [`\${aws_security_group.${group}.id}`],
        provider,
      });
    }
  });

  test("the endpoints' security group admits HTTPS from the VPC's CIDR and nothing else, and starts nothing", () => {
    const group = onlyResource(payments, "aws_security_group", `endpoints-${WEST_VPC}/`);
    expect(group).toMatchObject({ name: "acme-session-manager-endpoints", vpc_id: WEST_VPC, egress: [] });
    expect(group.ingress).toEqual([
      {
        description: "HTTPS from the VPC",
        protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_blocks: ["10.20.0.0/16"],
        ipv6_cidr_blocks: [],
        prefix_list_ids: [],
        security_groups: [],
        self: false,
      },
    ]);
  });

  test("an S3 gateway endpoint on each VPC's route tables, for that region's buckets", () => {
    const gateways = resourcesOf(payments, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Gateway").map(([, e]) => e);
    expect(gateways).toEqual([
      expect.objectContaining({ vpc_id: WEST_VPC, service_name: "com.amazonaws.eu-west-1.s3", route_table_ids: ["rtb-0a1b2c3d4e5f6071b"] }),
      expect.objectContaining({ vpc_id: CENTRAL_VPC, service_name: "com.amazonaws.eu-central-1.s3", route_table_ids: ["rtb-0b1c2d3e4f5a6071b"] }),
    ]);
  });

  test("none where s3Gateway is false", () => {
    const raw = withConnectivity((c) => (c.vpcEndpoints[1] = { ...c.vpcEndpoints[1], s3Gateway: false }));
    const stack = synthAll(validateConfig(raw))["workload-payments"];
    expect(resourcesOf(stack, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Gateway")).toHaveLength(1);
  });

  test("nothing without connectivity (analytics)", () => {
    for (const type of ["aws_vpc_endpoint", "aws_security_group", "aws_instance"]) expect(resourcesOf(stacks["workload-analytics"], type)).toEqual([]);
  });
});

describe("bastion", () => {
  const instance = onlyResource(payments, "aws_instance", "bastion/");
  const group = resourcesOf(payments, "aws_security_group", "bastion/")[0];

  test("the latest Amazon Linux 2023 for arm64, from AWS's public parameter, shown in plans", () => {
    const [[amiId, ami]] = Object.entries<Record<string, any>>(payments.data.aws_ssm_parameter);
    expect(ami.name).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(instance.ami).toBe(`\${data.aws_ssm_parameter.${amiId}.insecure_value}`);
    expect(instance.instance_type).toBe("t4g.nano");
  });

  test("private: no public IP, IMDSv2 only, an encrypted root volume, in the configured subnet", () => {
    expect(instance).toMatchObject({
      subnet_id: "subnet-0a1b2c3d4e5f60719",
      associate_public_ip_address: false,
      metadata_options: { http_tokens: "required", http_endpoint: "enabled", http_put_response_hop_limit: 1 },
      root_block_device: { encrypted: true, volume_type: "gp3" },
      vpc_security_group_ids: [`\${aws_security_group.${group[0]}.id}`],
    });
  });

  test("its own role and instance profile, not the workload's, and tags that put it in reach of matching access groups", () => {
    const [[profileId, profile]] = resourcesOf(payments, "aws_iam_instance_profile", "bastion/");
    expect(instance.iam_instance_profile).toBe(`\${aws_iam_instance_profile.${profileId}.name}`);
    const [[roleId, role]] = resourcesOf(payments, "aws_iam_role", "bastion/");
    expect(profile).toMatchObject({ name: `\${aws_iam_role.${roleId}.name}`, path: "/session-manager/", role: `\${aws_iam_role.${roleId}.name}` });
    expect(role).toMatchObject({ name: "acme-session-bastion", path: "/session-manager/" });
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Sid: "Ec2AssumesRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(instance.tags).toEqual({ Name: "acme-session-bastion", Team: "payments", Environment: "staging" });
  });

  test("the role holds the SSM agent's default policy and session logging, nothing else; the instance waits for both", () => {
    const attachments = resourcesOf(payments, "aws_iam_role_policy_attachment", "bastion/");
    expect(attachments.map(([, a]) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"]);
    const inline = resourcesOf(payments, "aws_iam_role_policy", "bastion/");
    // Session logging, and the perimeter that makes its credentials useless off the host.
    expect(inline.map(([, p]) => p.name)).toEqual(["credential-perimeter", "session-logging"]);
    // The same document as the instance role's logging grants, built by the same function.
    const keyOf = (region: string): string => resourcesOf(payments, "aws_kms_key", `session-${region}/`)[0][0];
    const regions = ["eu-west-1", "eu-central-1"].map((region) => ({
      region,
      sessionKeyArn: `\${aws_kms_key.${keyOf(region)}.arn}`,
      logGroupName: "/acme/session-manager/sessions",
    }));
    const logs = { bucketName: "acme-session-logs-111111111111", logAccountId: "111111111111", logRegion: "eu-west-1" };
    const [perimeter, logging] = inline;
    expect(JSON.parse(terraformLiteral(logging[1].policy))).toEqual(instanceLoggingPolicy("222222222222", logs, regions));
    expect(JSON.parse(terraformLiteral(perimeter[1].policy))).toEqual(instanceCredentialPerimeter(["203.0.113.10/32", "203.0.113.11/32"]));
    expect(instance.depends_on).toEqual([
      `aws_iam_role_policy_attachment.${attachments[0][0]}`,
      `aws_iam_role_policy.${logging[0]}`,
    ]);
  });

  test("a security group with no inbound rule; HTTPS out, and SSH out only to the ProxyJump targets", () => {
    expect(group[1].ingress).toEqual([]);
    expect(group[1].egress.map((r: any) => [r.protocol, r.from_port, r.to_port, r.cidr_blocks, r.security_groups])).toEqual([
      ["tcp", 443, 443, ["0.0.0.0/0"], []],
      ["tcp", 22, 22, [], ["sg-0a1b2c3d4e5f6071c"]],
    ]);
  });

  test("user data: the jump login, with no password and no sudo, may only forward to port 22; a changed script replaces the bastion", () => {
    expect(instance.user_data_replace_on_change).toBe(true);
    const lines: string[] = instance.user_data.split("\n");
    expect(lines.slice(0, 2)).toEqual(["#!/bin/sh", "set -eu"]);
    // Idempotent: each step checks first or overwrites; no passwd, no sudoers, no wheel group.
    expect(lines).toContain("id -u jump >/dev/null 2>&1 || useradd --create-home --shell /sbin/nologin jump");
    expect(instance.user_data).not.toMatch(/passwd|sudo|wheel|usermod/);
    const dropIn = "/etc/ssh/sshd_config.d/60-session-manager-jump.conf";
    const from = lines.indexOf(`cat > ${dropIn} <<'SSHD'`);
    expect(lines.slice(from + 1, lines.indexOf("SSHD", from))).toEqual([
      "Match User jump",
      "  ForceCommand /sbin/nologin",
      "  PermitTTY no",
      "  AllowTcpForwarding local",
      "  PermitOpen *:22",
      "  PermitListen none",
      "  AllowStreamLocalForwarding no",
      "  X11Forwarding no",
      "  AllowAgentForwarding no",
      "  PermitTunnel no",
      "  GatewayPorts no",
      "  PermitUserRC no",
    ]);
    // The firewall is loaded, and enabled for every boot, before sshd allows the jump user any forwarding.
    const load = lines.indexOf("nft -f /etc/nftables/session-manager-jump.nft");
    expect(load).toBeGreaterThan(0);
    expect(lines.indexOf("systemctl enable nftables")).toBeGreaterThan(load);
    expect(lines.indexOf("systemctl enable nftables")).toBeLessThan(from);
    // The new drop-in takes effect only if sshd accepts it.
    expect(lines.slice(-3)).toEqual(["sshd -t", "systemctl reload sshd", ""]);
    // Terraform would read ${ or %{ as template syntax: the script must hold none unescaped.
    expect(instance.user_data).not.toMatch(/(^|[^$])\$\{|(^|[^%])%\{/);
  });

  test("user data: a host firewall, installed if missing, included once in nftables.service's config, idempotent", () => {
    const lines: string[] = instance.user_data.split("\n");
    expect(lines).toContain("rpm -q nftables >/dev/null 2>&1 || dnf -y install nftables");
    const include = `include "/etc/nftables/session-manager-jump.nft"`;
    expect(lines).toContain(`grep -qxF '${include}' /etc/sysconfig/nftables.conf 2>/dev/null || echo '${include}' >> /etc/sysconfig/nftables.conf`);
    const from = lines.indexOf("cat > /etc/nftables/session-manager-jump.nft <<'NFT'");
    const rules = lines.slice(from + 1, lines.indexOf("NFT", from));
    expect(rules).toEqual(jumpFirewallRules());
    // Loading twice replaces the table: declared, deleted, then declared with its rules.
    expect(rules.slice(1, 4)).toEqual(["table inet session_manager_jump {}", "delete table inet session_manager_jump", "table inet session_manager_jump {"]);
    // Only the jump user's connections go through the rules; the metadata service is refused before anything else.
    expect(rules).toContain('    meta skuid "jump" jump jump_user');
    const chain = rules.slice(rules.indexOf("  chain jump_user {") + 1, -2);
    expect(chain).toEqual([
      "    ip daddr 169.254.169.254 reject",
      "    ip6 daddr fd00:ec2::254 reject",
      "    ct state established,related accept",
      "    tcp dport 22 accept",
      "    ip daddr 127.0.0.53 meta l4proto { tcp, udp } th dport 53 accept",
      "    reject",
    ]);
    expect(IMDS_ADDRESSES).toEqual({ ipv4: "169.254.169.254", ipv6: "fd00:ec2::254" });
  });

  // The real tools where they are installed (CI installs them): sshd and nft read what the script writes.
  const sshd = ["/usr/sbin/sshd", "/usr/local/sbin/sshd"].find((p) => spawnSync(p, ["-V"]).error === undefined);
  if (sshd === undefined) {
    test.skip("sshd accepts the drop-in and applies it to the jump user only (skipped: sshd is not installed; apt-get install openssh-server)", () => undefined);
  } else {
    test("sshd accepts the drop-in and applies it to the jump user only", () => {
      const dir = mkdtempSync(join(tmpdir(), "sshd-"));
      try {
        expect(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host")]).status).toBe(0);
        const config = join(dir, "sshd_config");
        writeFileSync(config, [`HostKey ${join(dir, "host")}`, ...jumpSshdConfig(), ""].join("\n"));
        // sshd -t also wants its privilege separation directory, /run/sshd, which the ssh service creates.
        const check = spawnSync(sshd, ["-t", "-f", config], { encoding: "utf8" });
        expect([check.status, check.stderr]).toEqual([0, ""]);
        const effective = (user: string): Record<string, string> => {
          const out = spawnSync(sshd, ["-T", "-f", config, "-C", `user=${user},host=x,addr=10.0.0.1`], { encoding: "utf8" });
          expect([out.status, out.stderr]).toEqual([0, ""]);
          return Object.fromEntries(out.stdout.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]));
        };
        expect(effective("jump")).toMatchObject({
          allowtcpforwarding: "local",
          permitopen: "*:22",
          permitlisten: "none",
          allowstreamlocalforwarding: "no",
          permittty: "no",
          forcecommand: "/sbin/nologin",
          x11forwarding: "no",
          allowagentforwarding: "no",
          permittunnel: "no",
          gatewayports: "no",
          permituserrc: "no",
        });
        // Nobody else is touched by the Match block.
        expect(effective("ec2-user")).toMatchObject({ forcecommand: "none", permitopen: "any" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  // nft -c needs the netlink socket (root, or CAP_NET_ADMIN), and resolves the user name: the check uses nobody.
  const nftWorks = spawnSync("nft", ["-c", "-f", "-"], { input: "table inet probe {}\n" }).status === 0;
  (nftWorks ? test : test.skip)("nft accepts the firewall rules (skipped where nft -c cannot run: not installed, or not root)", () => {
    const rules = jumpFirewallRules().join("\n").replace('skuid "jump"', 'skuid "nobody"');
    const out = spawnSync("nft", ["-c", "-f", "-"], { input: `${rules}\n`, encoding: "utf8" });
    expect([out.status, out.stderr]).toEqual([0, ""]);
  });

  test("each sshTo group admits SSH from the bastion's group, and from nothing else", () => {
    expect(resourcesOf(payments, "aws_vpc_security_group_ingress_rule").map(([, r]) => r)).toEqual([
      expect.objectContaining({
        security_group_id: "sg-0a1b2c3d4e5f6071c",
        referenced_security_group_id: `\${aws_security_group.${group[0]}.id}`,
        ip_protocol: "tcp",
        from_port: 22,
        to_port: 22,
      }),
    ]);
  });
});

describe("connectivity config errors, each with its path", () => {
  test("bad VPC, subnet and route table ids, and a CIDR with host bits", () => {
    const raw = withConnectivity((c) => {
      c.vpcEndpoints[0].vpcId = "vpc-123";
      c.vpcEndpoints[0].subnetIds[1] = "subnet-XYZ";
      c.vpcEndpoints[0].routeTableIds = ["rt-0a1b2c3d4e5f6071b"];
      c.vpcEndpoints[0].vpcCidr = "10.20.0.1/16";
      c.bastion.subnetId = "sg-0a1b2c3d4e5f6071c";
    });
    expect(problemsOf(raw)).toEqual([
      "workloads[0].connectivity.vpcEndpoints[0].vpcId: must be a vpc id such as vpc-0123456789abcdef0",
      "workloads[0].connectivity.vpcEndpoints[0].vpcCidr: must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set",
      "workloads[0].connectivity.vpcEndpoints[0].subnetIds[1]: must be a subnet id such as subnet-0123456789abcdef0",
      "workloads[0].connectivity.vpcEndpoints[0].routeTableIds[0]: must be a rtb id such as rtb-0123456789abcdef0",
      "workloads[0].connectivity.bastion.subnetId: must be a subnet id such as subnet-0123456789abcdef0",
    ]);
  });

  test("a gateway endpoint without route tables", () => {
    const raw = withConnectivity((c) => (c.vpcEndpoints[0].routeTableIds = []));
    expect(problemsOf(raw)).toEqual([
      "workloads[0].connectivity.vpcEndpoints[0].routeTableIds: must list the private subnets' route tables for the S3 gateway endpoint, or set s3Gateway: false",
    ]);
  });

  test("a gateway endpoint in another region than the log bucket: the pitfall, and what to do", () => {
    const raw = withConnectivity((c) => delete c.vpcEndpoints[1].transcriptRoute);
    expect(problemsOf(raw)).toEqual([
      "workloads[0].connectivity.vpcEndpoints[1].transcriptRoute: is required here: an S3 gateway endpoint in eu-central-1 reaches only buckets in eu-central-1, and the log bucket is in eu-west-1, so transcripts need another way there. Give the subnets a NAT gateway route (transcriptRoute: nat) or an S3 interface endpoint in eu-west-1 reached through peering or a transit gateway (transcriptRoute: interface-endpoint); the gateway endpoint still serves eu-central-1's buckets, such as agent updates",
    ]);
    expect(problemsOf(withConnectivity((c) => (c.vpcEndpoints[1] = { ...c.vpcEndpoints[1], s3Gateway: false, transcriptRoute: undefined })))).toEqual([]);
  });

  test("the bastion must be a Graviton type: the AMI is arm64", () => {
    expect(problemsOf(withConnectivity((c) => (c.bastion.instanceType = "t3.micro")))).toEqual([
      "workloads[0].connectivity.bastion.instanceType: must be a Graviton (arm64) instance type such as t4g.nano: the AMI is Amazon Linux 2023 for arm64",
    ]);
    expect(problemsOf(withConnectivity((c) => (c.bastion.instanceType = "c7gn.large")))).toEqual([]);
  });

  test("endpoints or a bastion outside the workload's regions, and the same VPC twice", () => {
    const raw = withConnectivity((c) => {
      c.vpcEndpoints[1].region = "us-west-2";
      c.vpcEndpoints[1].vpcId = WEST_VPC;
      c.bastion.region = "us-west-2";
    });
    expect(problemsOf(raw)).toEqual([
      "workloads[0].connectivity.vpcEndpoints[1].region: is not one of this workload's regions (eu-west-1, eu-central-1)",
      `workloads[0].connectivity.vpcEndpoints[1].vpcId: is the same VPC as workloads[0].connectivity.vpcEndpoints[0].vpcId; each must be unique`,
      "workloads[0].connectivity.bastion.region: is not one of this workload's regions (eu-west-1, eu-central-1)",
    ]);
  });

  test("a bastion no access group can reach", () => {
    const raw = withConnectivity((c) => (c.bastion.tags = { Team: "platform" }));
    expect(problemsOf(raw)).toEqual([
      "workloads[0].connectivity.bastion.tags: match no access group's instanceTags: nobody could start a session on the bastion",
    ]);
  });

  test("the example's connectivity is valid", () => {
    expect(problemsOf(exampleRaw())).toEqual([]);
  });
});
