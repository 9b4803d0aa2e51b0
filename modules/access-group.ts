import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { IAM_PATH } from "../config/naming";
import { toTerraformJson } from "./terraform-json";
import { accessPolicy, type AccessPolicyProps } from "./policies/workload";

export interface SessionAccessGroupProps extends AccessPolicyProps {
  readonly groupName: string;
  readonly policyName: string;
  readonly description: string;
}

/**
 * An IAM group for people who start sessions, with its access policy as a customer-managed policy. The same
 * policy can be attached to roles and IAM Identity Center permission sets (as a customer managed policy reference).
 */
export class SessionAccessGroup extends Construct {
  public readonly groupName: string;
  public readonly policyArn: string;

  constructor(scope: Construct, id: string, props: SessionAccessGroupProps) {
    super(scope, id);
    const group = new IamGroup(this, "group", { name: props.groupName, path: IAM_PATH });
    const managed = new IamPolicy(this, "policy", {
      name: props.policyName,
      path: IAM_PATH,
      description: props.description,
      policy: toTerraformJson(accessPolicy(props)),
    });
    new IamGroupPolicyAttachment(this, "attachment", { group: group.name, policyArn: managed.arn });
    this.groupName = group.name;
    this.policyArn = managed.arn;
  }
}
