import { PORT_FORWARDING_DOCUMENTS, SSH_DOCUMENT } from "../../config/naming";
import type { Rule, Violation } from "../types";
import { actionCovers, asList, deniedEverywhere, identityPolicies, wildcardMatches } from "../terraform";

const AWS_TUNNELS = [SSH_DOCUMENT, ...PORT_FORWARDING_DOCUMENTS];

/** Why `resource`, in an Allow of ssm:StartSession, opens tunnels to any port; undefined when it does not. */
function opensAnyTunnel(resource: string): string | undefined {
  if (resource === "*") return "every document, AWS's tunnel documents included";
  const [, partition = "", service = "", region = ""] = resource.split(":");
  const name = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:document\/(.*)$/.exec(resource)?.[1];
  // An AWS-owned document's ARN, in the region (and partition) the pattern names, or any where it has a wildcard.
  const concrete = (doc: string): string =>
    `arn:${/[*?]/.test(partition) ? "aws" : partition}:ssm:${/[*?]/.test(region) ? "us-east-1" : region}::document/${doc}`;
  const tunnel = AWS_TUNNELS.find((doc) => wildcardMatches(resource, concrete(doc)));
  if (tunnel !== undefined) return `the AWS-owned ${tunnel}, which forwards to any port${tunnel.endsWith("RemoteHost") ? " of any host" : ""}`;
  if (name !== undefined && wildcardMatches(service, "ssm") && /[*?]/.test(name)) return "a wildcard of documents";
  return undefined;
}

export const noAwsTunnelDocuments: Rule = {
  id: "SM-IAM-9",
  title: "No policy allows StartSession with AWS-owned tunnel documents or a wildcard of documents",
  severity: "error",
  rationale: "AWS-StartSSHSession and AWS-StartPortForwardingSession* take any port (and host), and IAM cannot condition on document parameters.",
  controls: [],
  fix: "Allow this project's tunnel documents (sessionDocumentArns in modules/policies/workload.ts), whose ports and hosts are pinned.",
  check: ({ tf }) =>
    identityPolicies(tf).flatMap((p) =>
      (p.statements ?? [])
        .filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => actionCovers(a, "ssm:StartSession")))
        .filter(() => !deniedEverywhere(p.statements ?? [], "ssm:StartSession"))
        .flatMap((s): Violation[] => {
          const sid = s.Sid ?? "(no Sid)";
          if (s.NotResource !== undefined) return [{ path: p.path, message: `statement ${sid} allows ssm:StartSession with NotResource, so on every other document` }];
          return asList(s.Resource).flatMap((resource) => {
            const why = opensAnyTunnel(resource);
            return why === undefined ? [] : [{ path: p.path, message: `statement ${sid} allows ssm:StartSession on ${resource}: ${why}` }];
          });
        }),
    ),
};
