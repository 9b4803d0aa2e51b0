import type { Rule, Violation } from "../types";
import { asList, resources } from "../terraform";

const OPEN = ["0.0.0.0/0", "::/0"];

export const noOpenIngress: Rule = {
  id: "SM-EC2-4",
  title: "No security group admits traffic from anywhere (0.0.0.0/0 or ::/0)",
  severity: "error",
  rationale: "Session Manager replaces open SSH and RDP ports; a rule open to the internet undoes that.",
  controls: ["CKV_AWS_24", "CKV_AWS_25", "Security Hub EC2.18", "Security Hub EC2.19"],
  fix: "Admit only the sources that need it, such as the VPC's CIDR or another security group.",
  check: ({ tf }) => [
    ...resources(tf, "aws_security_group").flatMap((g): Violation[] =>
      asList(g.body.ingress as Record<string, unknown>[] | undefined)
        .filter((r) => [...asList(r.cidr_blocks as string[]), ...asList(r.ipv6_cidr_blocks as string[])].some((c) => OPEN.includes(c)))
        .map((r) => ({ path: g.path, message: `an ingress rule (ports ${String(r.from_port)}-${String(r.to_port)}) admits ${OPEN.join(" or ")}` })),
    ),
    ...resources(tf, "aws_vpc_security_group_ingress_rule")
      .filter((r) => OPEN.includes(String(r.body.cidr_ipv4)) || OPEN.includes(String(r.body.cidr_ipv6)))
      .map((r) => ({ path: r.path, message: `admits ${String(r.body.cidr_ipv4 ?? r.body.cidr_ipv6)}` })),
    ...resources(tf, "aws_security_group_rule")
      .filter((r) => r.body.type === "ingress" && [...asList(r.body.cidr_blocks as string[]), ...asList(r.body.ipv6_cidr_blocks as string[])].some((c) => OPEN.includes(c)))
      .map((r) => ({ path: r.path, message: `admits ${OPEN.join(" or ")}` })),
  ],
};
