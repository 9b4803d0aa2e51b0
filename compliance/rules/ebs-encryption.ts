import type { Rule, Violation } from "../types";
import { asList, resources } from "../terraform";

export const ebsEncryption: Rule = {
  id: "SM-EC2-2",
  title: "Instance volumes are encrypted",
  severity: "error",
  rationale: "A bastion's disk holds shell history and keys in transit; an unencrypted snapshot of it leaks them.",
  controls: ["CKV_AWS_8", "Security Hub EC2.3", "Prowler ec2_ebs_volume_encryption"],
  fix: "Set root_block_device { encrypted = true } and encrypted on every ebs_block_device (SessionBastion does).",
  check: ({ tf }) =>
    resources(tf, "aws_instance").flatMap((i): Violation[] => {
      const volumes = [
        ["root_block_device", asList(i.body.root_block_device)[0] ?? {}],
        ...asList(i.body.ebs_block_device).map((v: Record<string, unknown>) => [`ebs_block_device ${String(v.device_name ?? "")}`.trim(), v]),
      ] as [string, Record<string, unknown>][];
      return volumes
        .filter(([, v]) => v.encrypted !== true)
        .map(([name]) => ({ path: i.path, message: `${name} is not encrypted` }));
    }),
};
