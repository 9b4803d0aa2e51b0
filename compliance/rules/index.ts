import type { Rule } from "../types";
import { guardrailsAttached } from "./guardrails-attached";
import { instanceCredentialPerimeter } from "./instance-credential-perimeter";
import { logBucketOwner } from "./log-bucket-owner";
import { bucketWriters } from "./bucket-writers";
import { documentEncryption } from "./document-encryption";
import { documentLogging } from "./document-logging";
import { sessionTimeouts } from "./session-timeouts";
import { runAs } from "./run-as";
import { logDestination } from "./log-destination";
import { sessionKeyRegion } from "./session-key-region";
import { documentNotPublic } from "./document-not-public";
import { tunnelParametersPinned } from "./tunnel-parameters-pinned";
import { keyRotation } from "./key-rotation";
import { keyDeletion } from "./key-deletion";
import { keyPolicyPresent } from "./key-policy-present";
import { keyPolicyPrincipals } from "./key-policy-principals";
import { bucketEncryption } from "./bucket-encryption";
import { bucketVersioning } from "./bucket-versioning";
import { bucketPublicAccess } from "./bucket-public-access";
import { bucketOwnership } from "./bucket-ownership";
import { bucketLifecycle } from "./bucket-lifecycle";
import { bucketTlsOnly } from "./bucket-tls-only";
import { bucketPolicyPrincipals } from "./bucket-policy-principals";
import { bucketCrossAccount } from "./bucket-cross-account";
import { bucketNotDestroyable } from "./bucket-not-destroyable";
import { objectLock } from "./object-lock";
import { bucketAccessLogging } from "./bucket-access-logging";
import { noWildcardActions } from "./no-wildcard-actions";
import { noDecryptEverywhere } from "./no-decrypt-everywhere";
import { noUserPolicies } from "./no-user-policies";
import { noBroadManagedPolicies } from "./no-broad-managed-policies";
import { roleTrust } from "./role-trust";
import { startSessionScoped } from "./start-session-scoped";
import { mfaRequired } from "./mfa-required";
import { preferencesDeny } from "./preferences-deny";
import { noAwsTunnelDocuments } from "./no-aws-tunnel-documents";
import { logGroupEncryption } from "./log-group-encryption";
import { logGroupRetention } from "./log-group-retention";
import { providerAccounts } from "./provider-accounts";
import { topicEncryption } from "./topic-encryption";
import { topicNotPublic } from "./topic-not-public";
import { alertKeyTopicBinding } from "./alert-key-topic-binding";
import { tamperEvents } from "./tamper-events";
import { lambdaLogGroup } from "./lambda-log-group";
import { lambdaNotPublic } from "./lambda-not-public";
import { lambdaRoleActions } from "./lambda-role-actions";
import { lambdaRuntime } from "./lambda-runtime";
import { imdsV2 } from "./imds-v2";
import { ebsEncryption } from "./ebs-encryption";
import { noPublicIp } from "./no-public-ip";
import { noOpenIngress } from "./no-open-ingress";
import { endpointSecurityGroup } from "./endpoint-security-group";
import { bastionForwarding } from "./bastion-forwarding";
import { bastionOwnRole } from "./bastion-own-role";
import { orgPolicySize } from "./org-policy-size";
import { orgDenyException } from "./org-deny-exception";
import { orgAttachments } from "./org-attachments";
import { orgNoBroadDeny } from "./org-no-broad-deny";
import { orgDeployRoleExempt } from "./org-deploy-role-exempt";
import { noStandingSessions } from "./no-standing-sessions";
import { permissionSetGuardrails } from "./permission-set-guardrails";

/** The rule pack, in the order findings and the rule table (docs/compliance-rules.md) list them. One rule per file. */
export const RULES: readonly Rule[] = [
  documentEncryption,
  documentLogging,
  sessionTimeouts,
  runAs,
  logDestination,
  sessionKeyRegion,
  documentNotPublic,
  tunnelParametersPinned,
  keyRotation,
  keyDeletion,
  keyPolicyPresent,
  keyPolicyPrincipals,
  bucketEncryption,
  bucketVersioning,
  bucketPublicAccess,
  bucketOwnership,
  bucketLifecycle,
  bucketTlsOnly,
  bucketPolicyPrincipals,
  bucketCrossAccount,
  bucketNotDestroyable,
  objectLock,
  bucketAccessLogging,
  bucketWriters,
  noWildcardActions,
  noDecryptEverywhere,
  noUserPolicies,
  noBroadManagedPolicies,
  roleTrust,
  startSessionScoped,
  noStandingSessions,
  mfaRequired,
  preferencesDeny,
  noAwsTunnelDocuments,
  guardrailsAttached,
  permissionSetGuardrails,
  instanceCredentialPerimeter,
  logBucketOwner,
  logGroupEncryption,
  logGroupRetention,
  providerAccounts,
  topicEncryption,
  topicNotPublic,
  alertKeyTopicBinding,
  tamperEvents,
  lambdaLogGroup,
  lambdaNotPublic,
  lambdaRoleActions,
  lambdaRuntime,
  imdsV2,
  ebsEncryption,
  noPublicIp,
  noOpenIngress,
  endpointSecurityGroup,
  bastionForwarding,
  bastionOwnRole,
  orgPolicySize,
  orgDenyException,
  orgAttachments,
  orgNoBroadDeny,
  orgDeployRoleExempt,
];
