// cdktf 0.21's TerraformOutput tells a list from a resource with util.isArray, which Node 22 and later report as
// deprecated (DEP0044) on stderr at every synth that has an output. util.isArray is Array.isArray, so that one call
// in that one file is rewritten as the file is loaded: by the app bundle (scripts/build.js) and by jest
// (__tests__/terraform-output-transform.js). Every other deprecation still shows.
"use strict";

/** cdktf's (and CDK Terrain's) lib/terraform-output.js, the only file rewritten. */
const TERRAFORM_OUTPUT_FILE = /[\\/](?:cdktf|cdktn)[\\/]lib[\\/]terraform-output\.js$/;

/** `source` with the util.isArray call replaced; unchanged when a release no longer makes it. */
function withoutUtilIsArray(source) {
  return source.replace(/\(0, util_\d+\.isArray\)\(/g, "Array.isArray(");
}

module.exports = { TERRAFORM_OUTPUT_FILE, withoutUtilIsArray };
