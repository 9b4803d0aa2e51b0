import { type TerraformProvider, type TerraformResource, TerraformStack } from "cdktf";

interface ImportBlock {
  readonly id: string;
  readonly provider: string;
  readonly to: string;
}

const imports = new WeakMap<TerraformStack, ImportBlock[]>();

/**
 * Adopts an existing AWS object into `resource` with a Terraform `import` block, as `resource.importFrom` does, but
 * without the validation importFrom adds: that one runs `terraform version` during every synth (a process spawn,
 * and a failed synth on a machine without Terraform). Every stack declares the Terraform version it needs (AccountStack).
 */
export function importExisting(resource: TerraformResource, id: string, provider: TerraformProvider): void {
  const stack = TerraformStack.of(resource);
  const blocks = imports.get(stack) ?? [];
  blocks.push({ id, provider: provider.fqn, to: `${resource.terraformResourceType}.${resource.friendlyUniqueId}` });
  imports.set(stack, blocks);
  stack.addOverride("import", [...blocks]);
}
