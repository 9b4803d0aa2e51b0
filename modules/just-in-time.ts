import { CloudformationStack } from "@cdktf/provider-aws/lib/cloudformation-stack";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { SsmquicksetupConfigurationManager } from "@cdktf/provider-aws/lib/ssmquicksetup-configuration-manager";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { accessRequestRuleName, autoApprovalStackName, jitConfigurationManagerName } from "../config/naming";
import { autoApprovalTemplateBody } from "./policies/just-in-time";
import { escapeTemplateSequences } from "./terraform-json";

/**
 * The AWS resources of just-in-time node access: the auto-approval policy document of a workload account and
 * region, the rule that forwards access request events to the alert topic, and the Quick Setup configuration
 * manager of the delegated administrator account.
 */

export interface AutoApprovalPolicyProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  /** The policy's Cedar statements. */
  readonly cedar: string;
}

/** A workload account and region's auto-approval policy, through a CloudFormation stack (see autoApprovalTemplate). */
export class AutoApprovalPolicy extends Construct {
  constructor(scope: Construct, id: string, props: AutoApprovalPolicyProps) {
    super(scope, id);
    new CloudformationStack(this, "stack", {
      name: autoApprovalStackName(props.namePrefix),
      // ${ and %{ would be Terraform's, so they are escaped.
      templateBody: escapeTemplateSequences(autoApprovalTemplateBody(props.namePrefix, props.cedar)),
      provider: props.provider,
    });
  }
}

/** The events Systems Manager sends for just-in-time access requests (EventBridge's reference of SSM events). */
export const ACCESS_REQUEST_EVENTS = ["Requester Access Request Status Update", "Approver Access Request Status Update", "JITNA Access Request Failed"] as const;

export const accessRequestEventPattern = (): Record<string, unknown> => ({ source: ["aws.ssm"], "detail-type": [...ACCESS_REQUEST_EVENTS] });

export interface AccessRequestRuleProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  /** The alert topic (a reference, so the target is created after the topic). */
  readonly topicArn: string;
}

/**
 * Forwards every just-in-time access request event of one region (requested, approved, rejected, expired, failed)
 * to the alert topic, whole: AWS lists these events but publishes no example of their detail, so the alert
 * carries the event as it comes rather than picking fields that may not exist.
 */
export class AccessRequestRule extends Construct {
  constructor(scope: Construct, id: string, props: AccessRequestRuleProps) {
    super(scope, id);
    const rule = new CloudwatchEventRule(this, "rule", {
      name: accessRequestRuleName(props.namePrefix),
      description: "Just-in-time node access requests: every status change and failure, to the session alert topic",
      eventPattern: JSON.stringify(accessRequestEventPattern()),
      provider: props.provider,
    });
    new CloudwatchEventTarget(this, "alert", { rule: rule.name, targetId: "session-alerts", arn: props.topicArn, provider: props.provider });
  }
}

export interface JustInTimeSetupProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  readonly delegatedAdministratorAccountId: string;
  readonly homeRegion: string;
  readonly targetOrganizationalUnits: readonly string[];
  readonly targetRegions: readonly string[];
}

/** The Quick Setup type that sets up just-in-time node access. */
export const JITNA_QUICK_SETUP_TYPE = "AWSQuickSetupType-JITNA";

/**
 * Quick Setup's configuration manager for just-in-time node access across the target OUs and regions, deployed
 * from the delegated administrator account. An organizational deployment needs no local deployment roles (Quick
 * Setup API reference, ConfigurationDefinition). AWS's API reference does not list this type's parameters: the
 * four below are the ones Quick Setup's organizational types share (DelegatedAccountId, HomeRegion,
 * TargetOrganizationalUnits, TargetRegions, comma-separated lists). The unified console
 * (AWSQuickSetupType-SSM) must be set up first, over the same or more OUs and regions.
 */
export class JustInTimeSetup extends Construct {
  constructor(scope: Construct, id: string, props: JustInTimeSetupProps) {
    super(scope, id);
    new SsmquicksetupConfigurationManager(this, "manager", {
      name: jitConfigurationManagerName(props.namePrefix),
      description: "Just-in-time node access for the organization (session-manager-cdktf)",
      configurationDefinition: [
        {
          type: JITNA_QUICK_SETUP_TYPE,
          parameters: {
            DelegatedAccountId: props.delegatedAdministratorAccountId,
            HomeRegion: props.homeRegion,
            TargetOrganizationalUnits: props.targetOrganizationalUnits.join(","),
            TargetRegions: props.targetRegions.join(","),
          },
        },
      ],
      provider: props.provider,
    });
  }
}
