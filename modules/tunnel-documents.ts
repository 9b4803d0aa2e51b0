import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { portForwardingDocumentName, remoteHostDocumentName, sshDocumentName } from "../config/naming";
import type { AccessGroupConfig, RemoteHostConfig } from "../config/types";
import { toTerraformJson } from "./terraform-json";

/**
 * This project's tunnel documents: Session documents of sessionType Port, like AWS-StartSSHSession and
 * AWS-StartPortForwardingSession*, but with `portNumber` (and `host`) limited by `allowedValues` to what the config
 * lists. IAM cannot condition StartSession on document parameters, so the document is where a port is pinned, and
 * access policies allow these documents instead of AWS's. `localPortNumber` stays free: it is the client's side.
 */

/** One parameter of a Session document, as the SSM document schema takes it (values are strings). */
export interface DocumentParameter {
  readonly type: "String";
  readonly description: string;
  readonly allowedValues?: readonly string[];
  readonly allowedPattern?: string;
  readonly default?: string;
}

export interface PortDocumentContent {
  readonly schemaVersion: "1.0";
  readonly description: string;
  readonly sessionType: "Port";
  readonly parameters: Readonly<Record<string, DocumentParameter>>;
  readonly properties: Readonly<Record<string, string>>;
}

/** 0 (the client picks a free port) to 65535, as AWS's own port-forwarding documents accept for localPortNumber. */
export const LOCAL_PORT_PATTERN = "^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";

/** Sorted, unique, as strings: the same config always gives the same document text. */
const values = (items: readonly (number | string)[]): string[] =>
  [...new Set(items.map(String))].sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a.localeCompare(b)));

function pinned(description: string, allowed: readonly (number | string)[]): DocumentParameter {
  const allowedValues = values(allowed);
  if (allowedValues.length === 0) throw new Error(`${description}: no allowed values`);
  // A default the user need not type when there is only one choice; with several, they must name one.
  return { type: "String", description, allowedValues, ...(allowedValues.length === 1 ? { default: allowedValues[0] } : {}) };
}

const localPort: DocumentParameter = {
  type: "String",
  description: "Port on your computer to listen on; 0 picks a free one.",
  allowedPattern: LOCAL_PORT_PATTERN,
  default: "0",
};

/** The SSH document: a plain stream to sshd, as AWS-StartSSHSession, on the listed ports only. */
export function sshDocumentContent(sshPorts: readonly number[]): PortDocumentContent {
  return {
    schemaVersion: "1.0",
    description: "SSH over Session Manager to the listed sshd ports only; managed by session-manager-cdktf.",
    sessionType: "Port",
    parameters: { portNumber: pinned("Port of sshd on the instance.", sshPorts) },
    properties: { portNumber: "{{ portNumber }}" },
  };
}

/** One group's port forwarding to the instance itself, as AWS-StartPortForwardingSession, on its ports only. */
export function portForwardingDocumentContent(group: string, ports: readonly number[]): PortDocumentContent {
  return {
    schemaVersion: "1.0",
    description: `Port forwarding for access group ${group}, to its listed instance ports only; managed by session-manager-cdktf.`,
    sessionType: "Port",
    parameters: {
      portNumber: pinned("Port on the instance.", ports),
      localPortNumber: localPort,
    },
    properties: { portNumber: "{{ portNumber }}", type: "LocalPortForwarding", localPortNumber: "{{ localPortNumber }}" },
  };
}

/**
 * One group's forwarding through an instance to another host, as AWS-StartPortForwardingSessionToRemoteHost, to the
 * listed hosts and ports only. SSM checks each parameter on its own, so every listed host is allowed with every
 * listed port; config/checks.ts rejects a list where that would open a pair nobody listed.
 */
export function remoteHostDocumentContent(group: string, remoteHosts: readonly RemoteHostConfig[]): PortDocumentContent {
  return {
    schemaVersion: "1.0",
    description: `Port forwarding for access group ${group}, through an instance to its listed hosts only; managed by session-manager-cdktf.`,
    sessionType: "Port",
    parameters: {
      host: pinned("Host to reach from the instance.", remoteHosts.map((r) => r.host)),
      portNumber: pinned("Port on that host.", remoteHosts.map((r) => r.port)),
      localPortNumber: localPort,
    },
    properties: { host: "{{ host }}", portNumber: "{{ portNumber }}", type: "LocalPortForwarding", localPortNumber: "{{ localPortNumber }}" },
  };
}

/** The sshd ports the SSH document allows: the workload's, and 22 for the bastion's jump user when there is one. */
export const sshPorts = (port: number, bastion: boolean): number[] => values([port, ...(bastion ? [22] : [])]).map(Number);

export interface TunnelDocumentsProps {
  readonly namePrefix: string;
  readonly provider: TerraformProvider;
  readonly accessGroups: readonly AccessGroupConfig[];
  /** Ports sshd listens on (sshPorts()). */
  readonly sshPorts: readonly number[];
}

/**
 * The tunnel documents of one workload region: the SSH document when any group may use SSH, and per access group
 * its own port-forwarding documents, so that one group cannot use another's ports.
 */
export class TunnelDocuments extends Construct {
  /** Names of the documents created here. */
  public readonly documentNames: readonly string[];

  constructor(scope: Construct, id: string, props: TunnelDocumentsProps) {
    super(scope, id);
    const { namePrefix: prefix, provider } = props;
    const names: string[] = [];
    const document = (constructId: string, name: string, content: PortDocumentContent): void => {
      new SsmDocument(this, constructId, { name, documentType: "Session", documentFormat: "JSON", content: toTerraformJson(content), provider });
      names.push(name);
    };
    if (props.accessGroups.some((g) => g.allowSsh)) document("ssh", sshDocumentName(prefix), sshDocumentContent(props.sshPorts));
    for (const g of props.accessGroups) {
      if (g.allowPortForwarding) {
        document(`port-forwarding-${g.name}`, portForwardingDocumentName(prefix, g.name), portForwardingDocumentContent(g.name, g.portForwardingPorts ?? []));
      }
      if (g.allowRemoteHostPortForwarding) {
        document(`remote-host-${g.name}`, remoteHostDocumentName(prefix, g.name), remoteHostDocumentContent(g.name, g.remoteHosts ?? []));
      }
    }
    this.documentNames = names;
  }
}
