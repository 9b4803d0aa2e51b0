import type { Rule } from "../types";
import { bastionName, instanceRoleName } from "../../config/naming";
import { referenced, resources, show } from "../terraform";

export const bastionOwnRole: Rule = {
  id: "SM-EC2-7",
  title: "The bastion runs under its own instance profile, not the workload instance role's",
  severity: "error",
  rationale: "Anyone who reaches the bastion's credentials would otherwise hold every grant of the workload's instances.",
  controls: [],
  fix: "Give the bastion SessionBastion's own role and instance profile (AmazonSSMManagedEC2InstanceDefaultPolicy and session logging).",
  check: ({ tf, config }) =>
    resources(tf, "aws_instance")
      .filter((i) => i.body.tags?.Name === bastionName(config.namePrefix))
      .flatMap((i) => {
        const value = i.body.iam_instance_profile;
        const profile = referenced(tf, value);
        const name = profile?.type === "aws_iam_instance_profile" ? (referenced(tf, profile.body.name)?.body.name ?? profile.body.name) : value;
        if (typeof name !== "string") return [{ path: i.path, message: `iam_instance_profile is ${show(value)}` }];
        return name === instanceRoleName(config.namePrefix)
          ? [{ path: i.path, message: `iam_instance_profile is the workload instance role's (${name})` }]
          : [];
      }),
};
