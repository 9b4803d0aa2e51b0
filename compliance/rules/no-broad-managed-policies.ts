import type { Rule } from "../types";
import { asList, resources } from "../terraform";

const FORBIDDEN = ["AdministratorAccess", "AmazonEC2RoleforSSM"];
const ATTACHMENTS = ["aws_iam_role_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"];

export const noBroadManagedPolicies: Rule = {
  id: "SM-IAM-4",
  title: "Neither AdministratorAccess nor AmazonEC2RoleforSSM is attached",
  severity: "error",
  rationale: "AmazonEC2RoleforSSM lets instances read and write any S3 object; AdministratorAccess needs no comment.",
  controls: ["CKV_AWS_274", "Prowler iam_aws_attached_policy_no_administrative_privileges"],
  fix: "Use AmazonSSMManagedInstanceCore plus the logging policy for instances, and access groups for people.",
  check: ({ tf }) =>
    [...ATTACHMENTS.flatMap((type) => resources(tf, type).map((r) => ({ r, arns: asList(r.body.policy_arn) }))), ...resources(tf, "aws_iam_role").map((r) => ({ r, arns: asList(r.body.managed_policy_arns) }))]
      .flatMap(({ r, arns }) => arns.filter((a) => FORBIDDEN.some((f) => String(a).endsWith(`:policy/${f}`) || String(a).endsWith(`/service-role/${f}`))).map((a) => ({ path: r.path, message: `attaches ${String(a)}` }))),
};
