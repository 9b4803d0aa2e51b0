import { IDENTITY_CENTER_STACK, JUST_IN_TIME_STACK, ORGANIZATION_STACK, organizationStackAccount } from "../../config/naming";
import type { Config, WorkloadConfig } from "../../config/types";
import type { Rule } from "../types";
import { asList } from "../terraform";

export const providerAccounts: Rule = {
  id: "SM-PRV-1",
  title: "Every AWS provider pins allowed_account_ids to the stack's account",
  severity: "error",
  rationale: "Credentials for the wrong account must stop Terraform before it changes anything.",
  controls: [],
  fix: "Set allowed_account_ids to the stack's account (AccountStack does).",
  check: ({ tf, stack, config, workload }) => {
    const account = stackAccount(config, stack, workload);
    return asList(tf.provider?.aws as Record<string, unknown>[] | undefined)
      .filter((p) => {
        const ids = asList(p.allowed_account_ids as string[] | undefined);
        return ids.length === 0 || ids.some((id) => id !== account);
      })
      .map((p) => ({
        path: `${stack}/provider.aws${p.alias === undefined ? "" : `.${String(p.alias)}`}`,
        message: `provider in ${String(p.region)} allows ${JSON.stringify(p.allowed_account_ids ?? [])}, not only ${account}`,
      }));
  },
};

/**
 * The one account a stack deploys into: its workload's, the policy administrator's, Identity Center's administrator's,
 * the Systems Manager delegated administrator's, or the log archive's.
 */
function stackAccount(config: Config, stack: string, workload?: WorkloadConfig): string {
  if (workload !== undefined) return workload.accountId;
  const guardrails = config.organizationGuardrails;
  if (stack === ORGANIZATION_STACK && guardrails !== undefined) return organizationStackAccount(guardrails);
  if (stack === IDENTITY_CENTER_STACK && config.identityCenter !== undefined) return config.identityCenter.accountId;
  if (stack === JUST_IN_TIME_STACK && config.justInTime !== undefined) return config.justInTime.delegatedAdministratorAccountId;
  return config.logArchive.accountId;
}
