import { ConfigError } from "../config/errors";
import { validateConfig } from "../config/load";
import { exampleConfig, exampleRaw, onlyResource, resourcesOf, synthAll, type Synth } from "./helpers";

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

  test("the instance role's profile, and tags that put it in reach of the access groups whose tags match", () => {
    const [[profileId]] = resourcesOf(payments, "aws_iam_instance_profile");
    expect(instance.iam_instance_profile).toBe(`\${aws_iam_instance_profile.${profileId}.name}`);
    expect(instance.tags).toEqual({ Name: "acme-session-bastion", Team: "payments", Environment: "staging" });
  });

  test("a security group with no inbound rule; HTTPS out, and SSH out only to the ProxyJump targets", () => {
    expect(group[1].ingress).toEqual([]);
    expect(group[1].egress.map((r: any) => [r.protocol, r.from_port, r.to_port, r.cidr_blocks, r.security_groups])).toEqual([
      ["tcp", 443, 443, ["0.0.0.0/0"], []],
      ["tcp", 22, 22, [], ["sg-0a1b2c3d4e5f6071c"]],
    ]);
  });

  test("user data: the jump login, with no password and no sudo, may only forward; a changed script replaces the bastion", () => {
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
      "  AllowTcpForwarding yes",
      "  X11Forwarding no",
      "  AllowAgentForwarding no",
      "  PermitTunnel no",
      "  GatewayPorts no",
    ]);
    // The new drop-in takes effect only if sshd accepts it.
    expect(lines.slice(-3)).toEqual(["sshd -t", "systemctl reload sshd", ""]);
    // Terraform would read ${ or %{ as template syntax: the script must hold none unescaped.
    expect(instance.user_data).not.toMatch(/(^|[^$])\$\{|(^|[^%])%\{/);
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
