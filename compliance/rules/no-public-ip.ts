import type { Rule } from "../types";
import { resources, show } from "../terraform";

export const noPublicIp: Rule = {
  id: "SM-EC2-3",
  title: "Instances get no public IP address",
  severity: "error",
  rationale: "Session Manager needs no inbound path; a public address only adds one (the subnet's default decides when unset).",
  controls: ["CKV_AWS_88", "Security Hub EC2.9", "Prowler ec2_instance_public_ip"],
  fix: "Set associate_public_ip_address = false (SessionBastion does).",
  check: ({ tf }) =>
    resources(tf, "aws_instance")
      .filter((i) => i.body.associate_public_ip_address !== false)
      .map((i) => ({ path: i.path, message: `associate_public_ip_address is ${show(i.body.associate_public_ip_address)}` })),
};
