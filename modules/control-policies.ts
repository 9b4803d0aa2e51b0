import { OrganizationsPolicy } from "@cdktf/provider-aws/lib/organizations-policy";
import { OrganizationsPolicyAttachment } from "@cdktf/provider-aws/lib/organizations-policy-attachment";
import { Construct } from "constructs";
import type { Statement } from "./policies/iam";
import { type ControlPolicyType, packControlPolicies } from "./policies/organization";
import { escapeTemplateSequences } from "./terraform-json";

export interface ControlPoliciesProps {
  /** SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY. */
  readonly type: ControlPolicyType;
  /** Every statement; they are split across as few documents as AWS's size limit allows. */
  readonly statements: readonly Statement[];
  /** The name of the n-th document (from 1). */
  readonly nameOf: (n: number) => string;
  /** One line for each policy's description. */
  readonly description: string;
  /** Roots and OUs each document is attached to. */
  readonly targets: readonly string[];
}

/**
 * Organizations policies of one type, attached to every target. Documents are written without white space, since
 * AWS counts every character against its limit; the limits are checked here, at synth, not at apply.
 */
export class ControlPolicies extends Construct {
  /** The documents, as AWS receives them: name, document, size in characters. */
  public readonly policies: ReturnType<typeof packControlPolicies>;

  constructor(scope: Construct, id: string, props: ControlPoliciesProps) {
    super(scope, id);
    const kind = props.type === "SERVICE_CONTROL_POLICY" ? "SCP" : "RCP";
    this.policies = packControlPolicies(kind, props.statements, props.nameOf);
    this.policies.forEach((p, i) => {
      const resource = new OrganizationsPolicy(this, `policy-${i + 1}`, {
        name: p.name,
        type: props.type,
        description: props.description,
        content: escapeTemplateSequences(JSON.stringify(p.document)),
      });
      // Attachments named by target, so adding a target recreates none of the others.
      for (const target of props.targets) {
        new OrganizationsPolicyAttachment(this, `policy-${i + 1}-${target}`, { policyId: resource.id, targetId: target });
      }
    });
  }
}
