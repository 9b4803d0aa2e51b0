// cdktf writes cdk.tf.json and manifest.json with json-stable-stringify, which builds an array of lines for every
// object and array and joins them: about a tenth of a large synth. The bundle (scripts/build.js) puts this writer in
// its place. It writes the same text for what cdktf passes it (`{ space: n }`, no other option): keys sorted,
// values as JSON.stringify writes them, an empty object or array with its closing bracket on its own line.
"use strict";

/** json-stable-stringify(value, { space }), for JSON data (a circular structure throws, as there). */
function stableStringify(value, options) {
  const unsupported = Object.keys(options ?? {}).filter((k) => k !== "space");
  if (typeof options === "function" || unsupported.length > 0) {
    throw new Error(`stable-stringify: only the space option is supported, not ${unsupported.join(", ") || "a comparator"}`);
  }
  const space = typeof options?.space === "number" ? " ".repeat(options.space) : (options?.space ?? "");
  const colon = space ? ": " : ":";
  const ancestors = [];
  /** `value` as JSON at the depth whose line break and indentation is `indent` ("" when not indenting). */
  const write = (node, indent) => {
    if (node && typeof node.toJSON === "function") node = node.toJSON();
    if (node === undefined) return undefined;
    if (typeof node !== "object" || node === null) return JSON.stringify(node);
    const inner = space ? indent + space : "";
    if (Array.isArray(node)) {
      let out = "[";
      for (let i = 0; i < node.length; i++) out += (i === 0 ? "" : ",") + inner + (write(node[i], inner) || "null");
      return `${out}${indent}]`;
    }
    if (ancestors.includes(node)) throw new TypeError("Converting circular structure to JSON");
    ancestors.push(node);
    let out = "{";
    let first = true;
    for (const key of Object.keys(node).sort()) {
      const item = write(node[key], inner);
      if (!item) continue;
      out += (first ? "" : ",") + inner + JSON.stringify(key) + colon + item;
      first = false;
    }
    ancestors.pop();
    return `${out}${indent}}`;
  };
  return write(value, space ? "\n" : "");
}

module.exports = stableStringify;
