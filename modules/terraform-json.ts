/**
 * Serializes a JSON document (an IAM policy, an SSM document) for a Terraform string argument.
 *
 * - Pretty-printed: cdktf renders multi-line strings as heredocs under `cdktf synth --hcl`. Single-line strings
 *   that hold a reference are emitted without escaping their quotes, which is not valid HCL (cdktf 0.21).
 * - Terraform reads `${` and `%{` in every string as template syntax, so literal ones (IAM policy variables such
 *   as `${aws:username}`, or a shell profile's `${HOME}`) are escaped to `$${` and `%%{`; Terraform turns them
 *   back before AWS sees the text. cdktf tokens (`${TfToken[...]}`) are left alone, so references stay live.
 */
export function toTerraformJson(value: unknown): string {
  return escapeTemplateSequences(JSON.stringify(value, null, 2));
}

export const escapeTemplateSequences = (text: string): string =>
  text.replace(/\$\{(?!TfToken\[)/g, () => "$${").replace(/%\{/g, () => "%%{");

/** The inverse of `escapeTemplateSequences`: the text Terraform sends to AWS (references stay `${...}`). */
export const unescapeTemplateSequences = (text: string): string => text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
