import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { logRcpName, ORGANIZATION_STACK, ORGANIZATIONS_REGION, organizationStackAccount, scpExemptPrincipals, setupScpName } from "../config/naming";
import type { Config, GuardrailsConfig } from "../config/types";
import { ControlPolicies } from "../modules/control-policies";
import { logRcpStatements, setupScpStatements, type OrganizationPolicyProps } from "../modules/policies/organization";
import { AccountStack } from "./account-stack";

/**
 * The organization's guardrails over the session setup: SCPs that member-account administrators cannot step around,
 * and RCPs around the log bucket and the log-archive keys. Deployed with the management account's credentials, or
 * a delegated policy administrator's.
 */
export class OrganizationStack extends AccountStack {
  public readonly serviceControlPolicies: ControlPolicies;
  public readonly resourceControlPolicies: ControlPolicies;

  constructor(scope: Construct, config: Config, guardrails: GuardrailsConfig) {
    super(scope, ORGANIZATION_STACK, { config, accountId: organizationStackAccount(guardrails), regions: [ORGANIZATIONS_REGION] });
    const props: OrganizationPolicyProps = {
      namePrefix: config.namePrefix,
      organizationId: config.organizationId,
      logAccountId: config.logArchive.accountId,
      logRegion: config.logArchive.region,
      exemptPrincipals: scpExemptPrincipals(config),
    };
    this.serviceControlPolicies = new ControlPolicies(this, "setup-scp", {
      type: "SERVICE_CONTROL_POLICY",
      statements: setupScpStatements(props),
      nameOf: (n) => setupScpName(config.namePrefix, n),
      description: "Session Manager setup: only the exempt deploy and break-glass principals may change it",
      targets: guardrails.targets,
    });
    this.resourceControlPolicies = new ControlPolicies(this, "logs-rcp", {
      type: "RESOURCE_CONTROL_POLICY",
      statements: logRcpStatements(props),
      nameOf: (n) => logRcpName(config.namePrefix, n),
      description: "Session Manager transcripts: organization principals and services acting for it only, TLS, no SSE-C",
      targets: guardrails.targets,
    });
    new TerraformOutput(this, "policy-sizes", {
      value: Object.fromEntries(
        [...this.serviceControlPolicies.policies, ...this.resourceControlPolicies.policies].map((p) => [p.name, p.size]),
      ),
      description: "Characters of each SCP and RCP, against AWS's limit of 5,120",
    });
  }
}
