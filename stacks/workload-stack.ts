import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import {
  accessGroupName,
  accessPolicyName,
  isIdentityCenterGroup,
  guardrailPolicyName,
  setupGuardrailPolicyName,
  instanceRoleName,
  logBucketName,
  workloadStackName,
} from "../config/naming";
import type { Config, WorkloadConfig } from "../config/types";
import { FederatedAccessPolicy, SessionAccessGroup } from "../modules/access-group";
import { SessionInstanceRole } from "../modules/instance-role";
import { sessionDocumentArns, type AccessPolicyProps, type LogDestination } from "../modules/policies/workload";
import { SessionGuardrails } from "../modules/session-guardrails";
import { SessionBastion } from "../modules/bastion";
import { DefaultHostManagementRole, FleetHygiene } from "../modules/fleet-hygiene";
import { SessionMonitoring } from "../modules/session-monitoring";
import { SessionEndpoints } from "../modules/vpc-endpoints";
import { SessionPreferences } from "../modules/session-preferences";
import { sshPorts, TunnelDocuments } from "../modules/tunnel-documents";
import { SessionUser } from "../modules/session-user";
import { AccountStack } from "./account-stack";
import { AutoApprovalPolicy } from "../modules/just-in-time";
import { autoApprovalPolicyText, manualApprovalOutput } from "../modules/policies/just-in-time";

/**
 * One workload account: Session Manager preferences and keys in each region, the instance role, and the IAM
 * groups (and optional users) of the people who start sessions.
 */
export class WorkloadStack extends AccountStack {
  public readonly preferences: readonly SessionPreferences[];
  public readonly instanceRole: SessionInstanceRole;
  public readonly accessGroups: ReadonlyMap<string, SessionAccessGroup>;
  /** The access policies of the Identity Center access groups, which their permission sets reference. */
  public readonly federatedAccessPolicies: ReadonlyMap<string, FederatedAccessPolicy>;
  /** The jump host, when `connectivity.bastion` is set. */
  public readonly bastion?: SessionBastion;

  constructor(scope: Construct, config: Config, workload: WorkloadConfig) {
    super(scope, workloadStackName(workload.name), {
      config,
      accountId: workload.accountId,
      regions: workload.regions,
      workload,
    });
    const prefix = config.namePrefix;
    const justInTime = workload.accessMode === "just-in-time";
    // Names, not remote state: each account deploys on its own, and agrees with log-archive by construction.
    const logs: LogDestination = {
      bucketName: logBucketName(prefix, config.logArchive.accountId),
      logAccountId: config.logArchive.accountId,
      logRegion: config.logArchive.region,
    };

    this.preferences = workload.regions.map(
      (region) =>
        new SessionPreferences(this, `session-${region}`, {
          namePrefix: prefix,
          accountId: workload.accountId,
          region,
          provider: this.provider(region),
          bucketName: logs.bucketName,
          settings: workload.session,
          adoptExistingDocument: workload.adoptDocumentRegions.includes(region),
          justInTime: justInTime || undefined,
        }),
    );
    // Tunnels through this project's documents only, their ports and hosts pinned to the config, in every region.
    const connectivity = workload.connectivity;
    for (const region of workload.regions) {
      new TunnelDocuments(this, `tunnels-${region}`, {
        namePrefix: prefix,
        provider: this.provider(region),
        accessGroups: workload.accessGroups,
        sshPorts: sshPorts(connectivity.ssh.port, connectivity.bastion !== undefined),
      });
    }
    const monitoring = this.preferences.map(
      (p) =>
        new SessionMonitoring(this, `monitoring-${p.region}`, {
          namePrefix: prefix,
          accountId: workload.accountId,
          region: p.region,
          provider: this.provider(p.region),
          settings: workload.observability,
          sessionLogGroup: p.logGroupName === undefined ? undefined : { name: p.logGroupName, ref: p.logGroupNameRef! },
          logRetentionDays: workload.session.cloudWatch.retentionDays,
          sessionKey: { id: p.sessionKeyId, arn: p.sessionKeyArn },
          groupNames: workload.accessGroups.filter((g) => !isIdentityCenterGroup(g)).map((g) => accessGroupName(prefix, g.name)),
          accessRequests: justInTime || undefined,
        }),
    );
    const regions = this.preferences.map((p) => ({
      region: p.region,
      sessionKeyArn: p.sessionKeyArn,
      logGroupName: p.logGroupName,
    }));

    this.instanceRole = new SessionInstanceRole(this, "instance-role", {
      roleName: instanceRoleName(prefix),
      accountId: workload.accountId,
      logs,
      regions,
      egressPublicCidrs: workload.connectivity.egressPublicCidrs,
    });

    // Fleet hygiene: IAM is global, so the Default Host Management role once; associations and settings per region.
    const fleet = workload.connectivity.fleet;
    const defaultHostRole = fleet.defaultHostManagement
      ? new DefaultHostManagementRole(this, "fleet", { namePrefix: prefix, accountId: workload.accountId, logs, regions })
      : undefined;
    const associationArns: string[] = [];
    for (const region of workload.regions) {
      const hygiene = new FleetHygiene(this, `fleet-${region}`, {
        namePrefix: prefix,
        accountId: workload.accountId,
        region,
        provider: this.provider(region),
        fleet,
        defaultHostRole,
      });
      associationArns.push(...hygiene.associationArns);
    }

    for (const vpc of workload.connectivity.vpcEndpoints) {
      new SessionEndpoints(this, `endpoints-${vpc.vpcId}`, { namePrefix: prefix, provider: this.provider(vpc.region), vpc });
    }
    const bastion = workload.connectivity.bastion;
    this.bastion =
      bastion === undefined
        ? undefined
        : new SessionBastion(this, "bastion", {
            namePrefix: prefix,
            provider: this.provider(bastion.region),
            bastion,
            accountId: workload.accountId,
            logs,
            regions,
            egressPublicCidrs: workload.connectivity.egressPublicCidrs,
          });

    const groups = new Map<string, SessionAccessGroup>();
    const federated = new Map<string, FederatedAccessPolicy>();
    // Identity Center's attribute scope: the tag keys whose values Identity Center passes as session tags.
    const attributeScope = workload.accessGroups.some(isIdentityCenterGroup) ? Object.keys(config.identityCenter?.abacTagKeys ?? {}) : [];
    const scopes: AccessPolicyProps[] = [];
    for (const g of workload.accessGroups) {
      const access: AccessPolicyProps = {
        namePrefix: prefix,
        accountId: workload.accountId,
        regions,
        instanceTags: g.instanceTags,
        // Identity Center enforces MFA at sign-in; its sessions carry no aws:MultiFactorAuthPresent, so the Deny
        // would lock every member out.
        mfaRequired: g.mfaRequired && !isIdentityCenterGroup(g),
        accessGroup: g.name,
        allowSsh: g.allowSsh,
        allowPortForwarding: g.allowPortForwarding,
        allowRemoteHostPortForwarding: g.allowRemoteHostPortForwarding,
        bastionInstanceArn: this.bastion?.instanceArn,
        sudoRemovalTagKey: workload.connectivity.fleet.removeSsmUserSudo?.tagKey,
        principalTagScope: isIdentityCenterGroup(g) ? attributeScope : undefined,
        justInTime: justInTime || undefined,
        manualApprovalPolicies: justInTime ? workload.justInTime.manualApproval.map((m) => m.name) : undefined,
      };
      scopes.push(access);
      if (isIdentityCenterGroup(g)) {
        federated.set(
          g.name,
          new FederatedAccessPolicy(this, `access-policy-${g.name}`, {
            ...access,
            policyName: accessPolicyName(prefix, g.name),
            description: `Session Manager access for the Identity Center group ${g.name} in ${workload.name}`,
          }),
        );
        continue;
      }
      groups.set(
        g.name,
        new SessionAccessGroup(this, `access-group-${g.name}`, {
          ...access,
          groupName: accessGroupName(prefix, g.name),
          policyName: accessPolicyName(prefix, g.name),
          description: `Session Manager access for ${g.name} in ${workload.name}`,
        }),
      );
    }
    this.accessGroups = groups;
    this.federatedAccessPolicies = federated;
    const sudoTagKey = workload.connectivity.fleet.removeSsmUserSudo?.tagKey;
    new SessionGuardrails(this, "guardrails", {
      policyName: guardrailPolicyName(prefix),
      setupPolicyName: setupGuardrailPolicyName(prefix),
      namePrefix: prefix,
      groupNames: Object.fromEntries([...groups].map(([name, g]) => [name, g.groupName])),
      accountId: workload.accountId,
      regions: workload.regions,
      groups: scopes.map((s) => ({ instanceTags: s.instanceTags, documentArns: sessionDocumentArns(s) })),
      protectedTagKeys: [...scopes.flatMap((s) => Object.keys(s.instanceTags)), ...(sudoTagKey === undefined ? [] : [sudoTagKey]), ...attributeScope],
      associationArns,
      scopeSessionTagKeys: attributeScope,
    });

    // What operators need next: the profile to attach to instances, the policies to reuse in permission sets.
    new TerraformOutput(this, "instance-profile-name", {
      value: this.instanceRole.instanceProfileName,
      description: "Attach to EC2 instances reached through Session Manager",
    });
    new TerraformOutput(this, "access-policy-arns", {
      value: Object.fromEntries([...[...groups].map(([name, g]) => [name, g.policyArn]), ...[...federated].map(([name, p]) => [name, p.policyArn])]),
      description: "Session access policy per access group (for roles and IAM Identity Center permission sets)",
    });

    if (workload.observability.alerts !== undefined) {
      new TerraformOutput(this, "alert-topic-arns", {
        value: Object.fromEntries(monitoring.map((m, i) => [this.preferences[i].region, m.topicArn])),
        description: "Session alert topic per region: subscribe here (aws sns subscribe) beyond the config's subscriptions",
      });
    }

    if (justInTime) this.justInTimePolicies(config, workload);

    for (const u of workload.users) {
      new SessionUser(this, `user-${u.name}`, {
        userName: u.name,
        groupNames: u.groups.map((g) => groups.get(g)!.groupName),
        runAsUser: u.runAsUser,
      });
    }
  }

  /**
   * The approval policies of a workload in just-in-time mode: the auto-approval policy in each region, and the
   * manual approval policies as an output to create in the console (their document format is not published).
   */
  private justInTimePolicies(config: Config, workload: WorkloadConfig): void {
    const cedar = autoApprovalPolicyText(config, workload);
    if (cedar !== "") {
      for (const region of workload.regions) {
        new AutoApprovalPolicy(this, `auto-approval-${region}`, { namePrefix: config.namePrefix, provider: this.provider(region), cedar });
      }
    }
    new TerraformOutput(this, "manual-approval-policies", {
      value: manualApprovalOutput(config, workload.justInTime.manualApproval),
      description: "Manual approval policies to create in each region (Systems Manager > Just-in-time node access > Approval policies)",
    });
  }
}
