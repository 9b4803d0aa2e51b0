import type { Rule } from "../types";
import { actionCovers, asList, awsPrincipals, policyStatements, referenced, resources, restrictsPrincipal } from "../terraform";

/** What nobody outside the account may do to an alert topic. */
const GUARDED = ["sns:Publish", "sns:Subscribe"];

export const topicNotPublic: Rule = {
  id: "SM-SNS-2",
  title: "SNS topic policies deny publishing and subscribing to other accounts, and allow no wildcard principal",
  severity: "error",
  rationale: "Another account that can subscribe reads every alert; one that can publish forges them.",
  controls: ["Prowler sns_topics_not_publicly_accessible"],
  fix: "Attach the alert topic policy (AlertTopic does): allows for named AWS services only, and DenyOtherAccounts.",
  check: ({ tf, workload, config }) =>
    resources(tf, "aws_sns_topic").flatMap((t) => {
      const account = workload?.accountId ?? config.logArchive.accountId;
      const attached = resources(tf, "aws_sns_topic_policy").filter((p) => referenced(tf, p.body.arn)?.address === t.address);
      const texts = [...attached.map((p) => p.body.policy), ...(t.body.policy === undefined ? [] : [t.body.policy])];
      if (texts.length === 0) return [{ path: t.path, message: "has no topic policy: nothing denies other accounts explicitly" }];
      const statements = texts.map(policyStatements);
      if (statements.some((s) => s === undefined)) return [{ path: t.path, message: "its topic policy is not a JSON document the rules can read" }];
      const all = statements.flatMap((s) => s!);
      const open = all
        .filter((s) => s.Effect === "Allow" && (s.Principal === "*" || awsPrincipals(s.Principal).length > 0) && !restrictsPrincipal(s))
        .map((s) => ({ path: t.path, message: `statement ${s.Sid ?? "(no Sid)"} allows ${JSON.stringify(s.Principal)} with no exact account condition` }));
      const denied = GUARDED.filter((action) =>
        all.some(
          (s) =>
            s.Effect === "Deny" &&
            (s.Principal === "*" || awsPrincipals(s.Principal).includes("*")) &&
            asList(s.Action).some((a) => actionCovers(a, action)) &&
            asList(s.Condition?.StringNotEquals?.["aws:PrincipalAccount"] as string | string[] | undefined).includes(account),
        ),
      );
      const missing = GUARDED.filter((a) => !denied.includes(a));
      return [
        ...open,
        ...(missing.length > 0
          ? [{ path: t.path, message: `no statement denies ${missing.join(" and ")} to principals outside ${account} (StringNotEquals aws:PrincipalAccount)` }]
          : []),
      ];
    }),
};
