import { SsoadminInstanceAccessControlAttributes } from "@cdktf/provider-aws/lib/ssoadmin-instance-access-control-attributes";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import {
  accessPolicyName,
  guardrailPolicyName,
  IAM_PATH,
  IDENTITY_CENTER_STACK,
  permissionSetName,
  permissionSetSessionHours,
  RUN_AS_TAG,
  sessionManagerConsoleUrl,
  setupGuardrailPolicyName,
} from "../config/naming";
import type { Config, IdentityCenterConfig, WorkloadConfig } from "../config/types";
import { SessionPermissionSet } from "../modules/permission-set";
import { escapeTemplateSequences } from "../modules/terraform-json";
import { AccountStack } from "./account-stack";

/**
 * IAM Identity Center, in the account that administers it: a permission set per Identity Center access group, made
 * of the customer managed policies its workload stack creates (the group's access policy and the account's two
 * guardrail policies), assigned to the group in the workload account; and the attributes for access control that
 * pass each person's OS user as the SSMSessionRunAs session tag.
 */
export class IdentityCenterStack extends AccountStack {
  /** Permission sets by `<workload>/<group>`. */
  public readonly permissionSets: ReadonlyMap<string, SessionPermissionSet>;

  constructor(scope: Construct, config: Config, identityCenter: IdentityCenterConfig, workloads: readonly WorkloadConfig[]) {
    super(scope, IDENTITY_CENTER_STACK, { config, accountId: identityCenter.accountId, regions: [identityCenter.region] });
    const prefix = config.namePrefix;
    const sets = new Map<string, SessionPermissionSet>();
    for (const workload of workloads) {
      for (const group of workload.accessGroups) {
        if (group.identityCenterGroup === undefined) continue;
        sets.set(
          `${workload.name}/${group.name}`,
          new SessionPermissionSet(this, `${workload.name}-${group.name}`, {
            instanceArn: identityCenter.instanceArn,
            identityStoreId: identityCenter.identityStoreId,
            name: permissionSetName(prefix, workload.name, group),
            description: `Session Manager access for ${group.name} in ${workload.name} (${workload.accountId})`,
            sessionHours: permissionSetSessionHours(group, workload.session.maxSessionDurationMinutes),
            relayState: sessionManagerConsoleUrl(workload.regions[0]),
            // Same names and path as the workload stack creates them with: the assignment fails if one is missing.
            policies: [accessPolicyName(prefix, group.name), guardrailPolicyName(prefix), setupGuardrailPolicyName(prefix)].map((name) => ({
              name,
              path: IAM_PATH,
            })),
            group: group.identityCenterGroup,
            accountId: workload.accountId,
          }),
        );
      }
    }
    this.permissionSets = sets;
    const attributes = {
      ...(identityCenter.runAs === undefined ? {} : { [RUN_AS_TAG]: identityCenter.runAs.attribute }),
      ...identityCenter.abacTagKeys,
    };
    if (Object.keys(attributes).length > 0) {
      // One per instance: this resource owns every attribute for access control of the instance.
      new SsoadminInstanceAccessControlAttributes(this, "access-control-attributes", {
        instanceArn: identityCenter.instanceArn,
        // ${path:…} is Identity Center's syntax, not Terraform's: escaped, so Terraform sends it as written.
        attribute: Object.entries(attributes).map(([key, source]) => ({ key, value: [{ source: [escapeTemplateSequences(source)] }] })),
      });
    }
    new TerraformOutput(this, "permission-set-arns", {
      value: Object.fromEntries([...sets].map(([key, set]) => [key, set.permissionSetArn])),
      description: "Permission set per workload and Identity Center access group",
    });
  }
}

