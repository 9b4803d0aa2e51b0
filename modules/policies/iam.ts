/** IAM policy JSON as AWS reads it. Policy builders return these; constructs serialize them with `toTerraformJson`. */
export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export type Principal = "*" | { AWS?: string | string[]; Service?: string | string[] };

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Principal;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

export const policy = (...statements: Statement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

/**
 * Serializes a policy for a Terraform string argument.
 *
 * IAM policy variables such as `${aws:username}` look like Terraform interpolations, so they are escaped to
 * `$${aws:username}`; Terraform turns that back into `${aws:username}` when it sends the policy to AWS.
 * cdktf tokens (`${TfToken[...]}`) are not IAM variables (no `prefix:`), so references to other resources stay live.
 */
export function toTerraformJson(doc: PolicyDocument): string {
  return escapeIamVariables(JSON.stringify(doc));
}

export const escapeIamVariables = (text: string): string => text.replace(/\$\{(?=[A-Za-z0-9-]+:)/g, () => "$${");
