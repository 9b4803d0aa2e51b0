import type { Rule, Violation } from "../types";
import { portSessionDocuments, show } from "../terraform";

/** `{{ name }}`: the property takes the value of parameter `name`. */
const placeholder = (value: unknown): string | undefined =>
  typeof value === "string" ? /^\{\{\s*([A-Za-z0-9_]+)\s*\}\}$/.exec(value)?.[1] : undefined;

/** An anchored list of literal values, such as `^(5432|8080)$`: a pattern that pins, unlike a range of ports. */
const listsLiterals = (pattern: unknown): boolean =>
  typeof pattern === "string" && /^\^\(?(?:[A-Za-z0-9-]|\\\.)+(?:\|(?:[A-Za-z0-9-]|\\\.)+)*\)?\$$/.test(pattern);

/** The properties that choose where a tunnel goes. localPortNumber is the client's side and stays free. */
const DESTINATION = ["portNumber", "host"] as const;

export const tunnelParametersPinned: Rule = {
  id: "SM-DOC-8",
  title: "Tunnel documents (sessionType Port) pin portNumber and host to listed values",
  severity: "error",
  rationale: "IAM cannot condition on document parameters: a tunnel document with a free port or host forwards to anything the instance reaches.",
  controls: [],
  fix: "Give the parameter allowedValues (or an allowedPattern that lists the values), or a fixed value in properties; TunnelDocuments does.",
  check: ({ tf }) =>
    portSessionDocuments(tf).flatMap((d) =>
      DESTINATION.flatMap((property): Violation[] => {
        const value = d.properties[property];
        if (value === undefined) {
          return property === "portNumber" ? [{ path: d.path, message: `${String(d.body.name)} has no properties.portNumber` }] : [];
        }
        const parameter = placeholder(value);
        if (parameter === undefined) return typeof value === "string" && !value.includes("{{") ? [] : [{ path: d.path, message: `properties.${property} is ${show(value)}` }];
        const spec = d.parameters[parameter];
        const allowed = spec?.allowedValues;
        if (Array.isArray(allowed) && allowed.length > 0) return [];
        if (listsLiterals(spec?.allowedPattern)) return [];
        return [
          {
            path: d.path,
            message: `properties.${property} takes parameter ${parameter}, which allows ${spec?.allowedPattern === undefined ? "any value" : `the pattern ${show(spec.allowedPattern)}`}`,
          },
        ];
      }),
    ),
};
