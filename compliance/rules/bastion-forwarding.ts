import type { Rule } from "../types";
import { bastionName } from "../../config/naming";
import { resources, show } from "../terraform";

export const bastionForwarding: Rule = {
  id: "SM-EC2-6",
  title: "The bastion's sshd restricts forwarding: PermitOpen set, AllowTcpForwarding never yes",
  severity: "error",
  rationale: "Open forwarding lets a jump user reach the metadata service (the host's credentials) or proxy to anywhere.",
  controls: ["CIS Distribution Independent Linux 5.2.x (AllowTcpForwarding)"],
  fix: "Keep SessionBastion's Match block: AllowTcpForwarding local, PermitOpen *:22, PermitListen none.",
  check: ({ tf, config }) =>
    resources(tf, "aws_instance")
      .filter((i) => i.body.tags?.Name === bastionName(config.namePrefix))
      .flatMap((i) => {
        const script = typeof i.body.user_data === "string" ? i.body.user_data : "";
        // sshd keywords are case-insensitive; the first value of a keyword in a Match block wins.
        const lines = script.split("\n").map((l: string) => l.trim().toLowerCase());
        const forwarding = lines.flatMap((l: string) => l.match(/^allowtcpforwarding\s+(\S+)/)?.[1] ?? []);
        const problems = [
          ...(lines.some((l: string) => /^permitopen\s+\S/.test(l) && !/^permitopen\s+any\b/.test(l)) ? [] : ["no PermitOpen restricts forwarding destinations"]),
          ...(forwarding.length === 0 ? [`AllowTcpForwarding is ${show(undefined)}: sshd's default, yes, allows remote forwarding`] : []),
          ...forwarding.filter((v: string) => !["local", "no"].includes(v)).map((v: string) => `AllowTcpForwarding ${v} allows remote forwarding`),
        ];
        return problems.map((p) => ({ path: i.path, message: `user data: ${p}` }));
      }),
};
