/** IAM policy JSON as AWS reads it. Policy builders return these; constructs serialize them with `toTerraformJson`. */
export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export type Principal = "*" | { AWS?: string | string[]; Service?: string | string[]; Federated?: string };

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
