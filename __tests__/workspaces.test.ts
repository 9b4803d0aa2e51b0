import childProcess from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { validateConfig } from "../config/load";
import { accessModel } from "../review/checks";
import { loadSynthesizedStacks } from "../review/resolve";
import { buildStacks } from "../stacks";
import { synthesize, synthSummary } from "../stacks/synthesize";
import { exampleRaw, resourcesOf } from "./helpers";

/**
 * The workspaces stack: one HCP Terraform workspace per stack, named as the cloud backend names it, running in the
 * stack's directory, with dynamic AWS credentials for the stack's account and run triggers from log-archive.
 */

const cloudRaw = (workspaces: Record<string, unknown> = { project: "platform", runRoleName: "hcp-terraform-run" }): Record<string, any> => {
  const raw = exampleRaw();
  raw.deployment = { ...raw.deployment, backend: { type: "cloud", organization: "acme-corp", workspacePrefix: "sm-", workspaces } };
  return raw;
};

function synthWorkspaces(raw: Record<string, any>): Record<string, any> {
  const app = Testing.app({ stackTraces: false });
  const { workspaces } = buildStacks(app, validateConfig(raw));
  if (workspaces === undefined) throw new Error("no workspaces stack");
  return JSON.parse(Testing.synth(workspaces));
}

const byKey = (tf: Record<string, any>, type: string): Record<string, Record<string, any>> =>
  Object.fromEntries(resourcesOf(tf, type).map(([id, body]) => [id, body]));

describe("workspaces stack", () => {
  const raw = cloudRaw();
  const config = validateConfig(raw);
  const stacks = ["log-archive", ...config.workloads.map((w) => `workload-${w.name}`), "organization", "identity-center", "just-in-time"];
  const accounts: Record<string, string> = {
    "log-archive": config.logArchive.accountId,
    ...Object.fromEntries(config.workloads.map((w) => [`workload-${w.name}`, w.accountId])),
    organization: config.organizationGuardrails!.managementAccountId,
    "identity-center": config.identityCenter!.accountId,
    "just-in-time": config.justInTime!.delegatedAdministratorAccountId,
  };
  const tf = synthWorkspaces(raw);

  it("exists only with a cloud backend that has workspaces", () => {
    const app = Testing.app({ stackTraces: false });
    expect(buildStacks(app, validateConfig(exampleRaw())).workspaces).toBeUndefined();
    const noWorkspaces = cloudRaw();
    delete noWorkspaces.deployment.backend.workspaces;
    expect(buildStacks(Testing.app({ stackTraces: false }), validateConfig(noWorkspaces)).workspaces).toBeUndefined();
  });

  it("names each workspace as the stack's cloud backend does, and runs it in the stack's directory", () => {
    const workspaces = Object.values(byKey(tf, "tfe_workspace"));
    expect(workspaces.map((w) => [w.name, w.working_directory, w.organization]).sort()).toEqual(
      stacks.map((s) => [`sm-${s}`, `cdktf.out/stacks/${s}`, "acme-corp"]).sort(),
    );
    for (const w of workspaces) expect(w.project_id).toBe("${data.tfe_project.project.id}");
    expect(tf.data.tfe_project.project).toMatchObject({ name: "platform", organization: "acme-corp" });
    // The same names the stacks' own cloud backends use.
    const app = Testing.app({ stackTraces: false });
    const built = buildStacks(app, config);
    for (const stack of [built.logArchive, ...built.workloads]) {
      expect(JSON.parse(Testing.synth(stack)).terraform.cloud.workspaces.name).toBe(`sm-${stack.node.id}`);
    }
  });

  it("synthesizes every stack's cloud block with no Terraform on the machine, and runs no process to check one", () => {
    // cdktf's CloudBackend ran `terraform version` for each stack during the synth, and failed it without Terraform.
    const run = jest.spyOn(childProcess, "execSync").mockImplementation(() => {
      throw new Error("terraform: not found");
    });
    try {
      const built = buildStacks(Testing.app({ stackTraces: false }), config);
      for (const stack of [built.logArchive, ...built.workloads]) {
        const synthesized = JSON.parse(Testing.synth(stack, true));
        expect(synthesized.terraform.cloud).toEqual({ organization: "acme-corp", hostname: "app.terraform.io", workspaces: { name: `sm-${stack.node.id}` } });
        expect(synthesized.terraform.required_version).toBe(">= 1.10");
      }
      expect(run).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });

  it("sets the execution mode of every workspace", () => {
    expect(Object.values(byKey(tf, "tfe_workspace_settings")).map((s) => s.execution_mode)).toEqual(stacks.map(() => "remote"));
    const agent = synthWorkspaces(cloudRaw({ runRoleName: "run", executionMode: "agent", agentPoolId: "apool-Abc123" }));
    for (const s of Object.values(byKey(agent, "tfe_workspace_settings"))) expect(s).toMatchObject({ execution_mode: "agent", agent_pool_id: "apool-Abc123" });
  });

  it("gives each workspace's runs the run role of its own account", () => {
    const variables = Object.values(byKey(tf, "tfe_variable"));
    expect(variables).toHaveLength(2 * stacks.length);
    for (const stack of stacks) {
      const workspace = `\${tfe_workspace.workspace-${stack}.id}`;
      const mine = variables.filter((v) => v.workspace_id === workspace);
      expect(mine.map((v) => [v.key, v.value, v.category])).toEqual([
        ["TFC_AWS_PROVIDER_AUTH", "true", "env"],
        ["TFC_AWS_RUN_ROLE_ARN", `arn:aws:iam::${accounts[stack]}:role/hcp-terraform-run`, "env"],
      ]);
    }
  });

  it("plans every other stack after log-archive applies, and identity-center after the workloads it references", () => {
    const triggers = Object.values(byKey(tf, "tfe_run_trigger")).map((t) => [t.sourceable_id, t.workspace_id]);
    expect(triggers.sort()).toEqual(
      [
        ...stacks.filter((s) => s !== "log-archive").map((s) => ["${tfe_workspace.workspace-log-archive.id}", `\${tfe_workspace.workspace-${s}.id}`]),
        // Analytics and the just-in-time batch have Identity Center access groups.
        ["${tfe_workspace.workspace-workload-analytics.id}", "${tfe_workspace.workspace-identity-center.id}"],
        ["${tfe_workspace.workspace-workload-batch.id}", "${tfe_workspace.workspace-identity-center.id}"],
      ].sort(),
    );
  });

  it("keeps only the state with local execution: no credentials, no triggers", () => {
    const local = synthWorkspaces(cloudRaw({ runRoleName: "run", executionMode: "local" }));
    expect(resourcesOf(local, "tfe_workspace")).toHaveLength(stacks.length);
    expect(resourcesOf(local, "tfe_variable")).toHaveLength(0);
    expect(resourcesOf(local, "tfe_run_trigger")).toHaveLength(0);
  });

  it("has no AWS provider and its own workspace, and goes before log-archive", () => {
    expect(Object.keys(tf.provider)).toEqual(["tfe"]);
    expect(tf.terraform.cloud.workspaces.name).toBe("sm-workspaces");
    const app = Testing.app({ stackTraces: false });
    const built = buildStacks(app, config);
    expect(built.logArchive.dependencies).toContain(built.workspaces);
    expect(built.workspaces!.compliance.findings()).toEqual([]);
  });

  it("refuses an agent pool without agent execution, and agent execution without a pool", () => {
    expect(() => validateConfig(cloudRaw({ runRoleName: "run", executionMode: "agent" }))).toThrow(
      "deployment.backend.workspaces.agentPoolId: is required with executionMode agent",
    );
    expect(() => validateConfig(cloudRaw({ runRoleName: "run", agentPoolId: "apool-Abc123" }))).toThrow(
      "deployment.backend.workspaces.agentPoolId: must be left out with executionMode remote",
    );
    expect(() => validateConfig(cloudRaw({ project: "platform" }))).toThrow("deployment.backend.workspaces.runRoleName");
  });

  it("synthesizes with the others, and the review leaves it out of the access model", async () => {
    const out = mkdtempSync(join(tmpdir(), "smc-workspaces-"));
    try {
      const { stacks: written } = await synthesize(config, out);
      expect(written[0]).toMatchObject({ name: "workspaces", accountId: undefined, organization: "acme-corp" });
      expect(synthSummary(written)[0]).toMatch(/^workspaces +hcp terraform acme-corp +\d+ resources$/);
      const resolved = loadSynthesizedStacks(out);
      expect(resolved.map((s) => s.name)).not.toContain("workspaces");
      expect(() => accessModel(config, resolved)).not.toThrow();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    // A synth of every stack and the resolution of its output: seconds on a busy machine.
  }, 30_000);
});
