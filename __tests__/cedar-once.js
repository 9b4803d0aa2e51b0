// jest: the config's just-in-time checks parse and validate the same Cedar policies for every config a test file
// validates, most of them copies of the example. Cedar's parse, JSON form and validation are pure functions of
// their input, so tests get each answer once per input and file (a copy of it each time); everything else is
// Cedar's own. jest maps the package's Node.js entry to this file; the real one is required by its path.
"use strict";
const { join } = require("node:path");
const real = require(join(__dirname, "..", "node_modules", "@cedar-policy", "cedar-wasm", "nodejs", "cedar_wasm.js"));

const once = (fn) => {
  const answers = new Map();
  return (input) => {
    const key = JSON.stringify(input);
    if (!answers.has(key)) answers.set(key, fn(input));
    return structuredClone(answers.get(key));
  };
};

module.exports = {
  ...real,
  policySetTextToParts: once(real.policySetTextToParts),
  policyToJson: once(real.policyToJson),
  validate: once(real.validate),
};
