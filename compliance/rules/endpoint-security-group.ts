import type { Rule, Violation } from "../types";
import { asList, referenced, resources, type Resource } from "../terraform";

export const endpointSecurityGroup: Rule = {
  id: "SM-EC2-5",
  title: "Security groups of interface endpoints admit HTTPS from their VPC's CIDR only",
  severity: "error",
  rationale: "The endpoints carry session and key traffic; anything wider than 443 from the VPC is exposure with no use.",
  controls: [],
  fix: "Give the endpoints one security group with a single ingress rule: tcp 443 from connectivity.vpcEndpoints[].vpcCidr (SessionEndpoints does).",
  check: ({ tf, workload }) => {
    const cidrOf = new Map((workload?.connectivity.vpcEndpoints ?? []).map((v) => [v.vpcId, v.vpcCidr]));
    const problems: Violation[] = [];
    // Each group once, with the VPC of the endpoints that use it.
    const groups = new Map<string, { group: Resource; vpc: string }>();
    for (const e of resources(tf, "aws_vpc_endpoint").filter((x) => x.body.vpc_endpoint_type === "Interface")) {
      for (const id of asList(e.body.security_group_ids as string[])) {
        const group = referenced(tf, id);
        if (group === undefined || group.type !== "aws_security_group") {
          problems.push({ path: e.path, message: `security group ${id} is not one of this stack: its rules cannot be checked` });
        } else {
          groups.set(group.address, { group, vpc: String(e.body.vpc_id) });
        }
      }
    }
    for (const { group, vpc } of groups.values()) {
      const cidr = cidrOf.get(vpc);
      const wanted = JSON.stringify(cidr === undefined ? [] : [cidr]);
      for (const r of asList(group.body.ingress as Record<string, unknown>[] | undefined)) {
        const sources = [...asList(r.cidr_blocks as string[]), ...asList(r.ipv6_cidr_blocks as string[]), ...asList(r.security_groups as string[])];
        const onlyHttpsFromVpc = r.protocol === "tcp" && r.from_port === 443 && r.to_port === 443 && r.self !== true && JSON.stringify(sources) === wanted;
        if (!onlyHttpsFromVpc) {
          problems.push({
            path: group.path,
            message: `an ingress rule admits ${String(r.protocol)} ${String(r.from_port)}-${String(r.to_port)} from ${JSON.stringify(sources)}, not only tcp 443 from ${cidr ?? "the VPC"}`,
          });
        }
      }
    }
    return problems;
  },
};
