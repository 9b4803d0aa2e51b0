// cdktf declares its jest matchers on `jest.Matchers<R>`, but @types/jest 29 declares `Matchers<R, T>`; the
// differing type parameters stop the two from merging. This restates the matchers the tests use.
import type { TerraformConstructor } from "cdktf/lib/testing/matchers";

declare global {
  namespace jest {
    interface Matchers<R, T> {
      toHaveResourceWithProperties(resource: TerraformConstructor, properties: Record<string, unknown>): R;
      toHaveProviderWithProperties(provider: TerraformConstructor, properties: Record<string, unknown>): R;
    }
  }
}
