import type { Rule, Violation } from "../types";
import { asList, policyStatements, referenced, resources } from "../terraform";

/** A Deny of everything for EC2-delivered credentials used through another VPC (instanceCredentialPerimeter). */
const deniesOtherVpc = (policy: unknown): boolean =>
  (policyStatements(policy) ?? []).some(
    (s) =>
      s.Effect === "Deny" &&
      asList(s.Action).includes("*") &&
      (s.Condition?.StringNotEquals as Record<string, unknown> | undefined)?.["aws:ec2InstanceSourceVPC"] === "${aws:SourceVpc}",
  );

export const instanceCredentialPerimeter: Rule = {
  id: "SM-IAM-11",
  title: "Roles for EC2 instances deny their credentials off the instance",
  severity: "error",
  rationale: "Anyone with a shell can read the role's credentials from the metadata service; elsewhere they must be useless.",
  controls: ["Prowler ec2_instance_imdsv2_enabled (related)"],
  fix: "Keep the credential-perimeter inline policy (instanceCredentialPerimeter in modules/policies/perimeter.ts); list the NAT gateways' addresses in connectivity.egressPublicCidrs.",
  // Without connectivity.egressPublicCidrs, use from the internet stays open; the access review shows it as such.
  check: ({ tf }) =>
    resources(tf, "aws_iam_role")
      .filter((role) => (policyStatements(role.body.assume_role_policy) ?? []).some((s) => JSON.stringify(s.Principal).includes("ec2.amazonaws.com")))
      .flatMap((role): Violation[] => {
        const inline = resources(tf, "aws_iam_role_policy").filter((p) => referenced(tf, p.body.role)?.address === role.address);
        if (!inline.some((p) => deniesOtherVpc(p.body.policy))) {
          return [{ path: role.path, message: "no inline Deny of * for its credentials used through another VPC (aws:ec2InstanceSourceVPC)" }];
        }
        return [];
      }),
};
