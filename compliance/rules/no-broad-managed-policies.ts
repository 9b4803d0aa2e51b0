import type { Rule } from "../types";
import { asList, resources } from "../terraform";

const FORBIDDEN = ["AdministratorAccess", "AmazonEC2RoleforSSM", "AmazonSSMManagedInstanceCore"];
const ATTACHMENTS = ["aws_iam_role_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"];

export const noBroadManagedPolicies: Rule = {
  id: "SM-IAM-4",
  title: "No AdministratorAccess, AmazonEC2RoleforSSM or AmazonSSMManagedInstanceCore is attached",
  severity: "error",
  rationale: "AmazonEC2RoleforSSM lets instances read and write any S3 object, AmazonSSMManagedInstanceCore read every parameter of the account; AdministratorAccess needs no comment.",
  controls: ["CKV_AWS_274", "Prowler iam_aws_attached_policy_no_administrative_privileges"],
  fix: "Use AmazonSSMManagedEC2InstanceDefaultPolicy plus the logging policy for instances, and access groups for people.",
  check: ({ tf }) => {
    // A policy looked up with data "aws_iam_policy" counts by the name or ARN it looks up.
    const lookedUp = (arn: string): string => {
      const ref = arn.match(/^\$\{data\.aws_iam_policy\.([A-Za-z0-9_-]+)\.arn\}$/);
      const data = ref ? tf.data?.aws_iam_policy?.[ref[1]] : undefined;
      return data === undefined ? arn : String(data.arn ?? `policy/${String(data.name)}`);
    };
    const forbidden = (arn: string): boolean => FORBIDDEN.some((f) => arn.endsWith(`policy/${f}`) || arn.endsWith(`/service-role/${f}`));
    return [
      ...ATTACHMENTS.flatMap((type) => resources(tf, type).map((r) => ({ r, arns: asList(r.body.policy_arn) }))),
      ...resources(tf, "aws_iam_role").map((r) => ({ r, arns: asList(r.body.managed_policy_arns) })),
    ].flatMap(({ r, arns }) => arns.filter((a) => forbidden(lookedUp(String(a)))).map((a) => ({ path: r.path, message: `attaches ${lookedUp(String(a))}` })));
  },
};
