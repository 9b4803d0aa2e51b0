import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { JUST_IN_TIME_STACK } from "../config/naming";
import type { Config, JustInTimeConfig } from "../config/types";
import { JustInTimeSetup } from "../modules/just-in-time";
import { denyAccessPolicyText } from "../modules/policies/just-in-time";
import { AccountStack } from "./account-stack";

/**
 * Just-in-time node access for the organization, in the Systems Manager delegated administrator account and its
 * home region: the Quick Setup configuration manager that sets it up over the target OUs and regions, and the
 * organization's deny-access policy, compiled and validated from the config's deny rules.
 *
 * The deny-access policy is an output, not a resource: AWS documents its Cedar statements but not the document
 * it is stored as, so it is entered in the console (Just-in-time node access > Approval policies > Deny access),
 * from which Systems Manager shares it with every member account.
 */
export class JustInTimeStack extends AccountStack {
  /** The deny-access policy's Cedar text; empty without deny rules. */
  public readonly denyAccessPolicy: string;

  constructor(scope: Construct, config: Config, jit: JustInTimeConfig) {
    super(scope, JUST_IN_TIME_STACK, { config, accountId: jit.delegatedAdministratorAccountId, regions: [jit.homeRegion] });
    new JustInTimeSetup(this, "quick-setup", {
      namePrefix: config.namePrefix,
      provider: this.provider(jit.homeRegion),
      delegatedAdministratorAccountId: jit.delegatedAdministratorAccountId,
      homeRegion: jit.homeRegion,
      targetOrganizationalUnits: jit.targetOrganizationalUnits,
      targetRegions: jit.targetRegions,
    });
    this.denyAccessPolicy = denyAccessPolicyText(config);
    // One line per element: cdktf's HCL output cannot carry a multi-line string in an output.
    new TerraformOutput(this, "deny-access-policy", {
      value: this.denyAccessPolicy === "" ? [] : this.denyAccessPolicy.trimEnd().split("\n"),
      description:
        "The organization's deny-access policy (Cedar), one line per element (terraform output -json deny-access-policy | jq -r '.[]'): enter it in Systems Manager > Just-in-time node access > Approval policies",
    });
  }
}
