// cdktf resolves every element of a stack value by value, to find the tokens in it: for each string, number, key
// and array item it allocates a resolution context and several closures, joins the whole path for error messages,
// and tests the value against four regular expressions, each through a new object. In a large synth that is most
// of the resolving, and a good share of the garbage collection: most values are plain text and numbers, with no
// token in them. The bundle (scripts/build.js) rewrites two of cdktf's files so that such a value is returned as it
// is, without the allocations, and a regular expression runs only on text that holds a token marker. What resolves
// is unchanged: a plain value resolves to itself, and anything else takes cdktf's own path.
"use strict";

/** cdktf's token resolver and its token encoding, the files rewritten. */
const RESOLVE_FILE = /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]resolve\.js$/;
const ENCODING_FILE = /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]encoding\.js$/;

// Token doubles (cdktf's encoding of a number or list token as a number) are about ±2^960 and beyond; the map token
// number is -123456789. A finite number of magnitude below 1e200, other than that one, is no token.
const PLAIN = `
// Added by the bundle (scripts/resolve-patch.js): values that hold no token, which resolve to themselves.
const MARKER = "TfToken[";
const NUMBER_TOKEN_TEXT = /[-|\\d|.\\+]+(e[-|\\d|.|e|E|\\+]+)/;
function plainValue(x) {
    switch (typeof x) {
        case "string":
            return !x.includes(MARKER) && x !== token_1.Token.STRING_MAP_TOKEN_VALUE && x !== token_1.Token.ANY_MAP_TOKEN_VALUE && !NUMBER_TOKEN_TEXT.test(x);
        case "number":
            return x !== token_1.Token.NUMBER_MAP_TOKEN_VALUE && Math.abs(x) < 1e200;
        case "boolean":
            return true;
        default:
            return false;
    }
}
`;

/** [what, from, to]: each `from` must occur exactly once in the file. */
const RESOLVE_EDITS = [
  ["the helpers", "// This file should not be exported to consumers", `${PLAIN}// This file should not be exported to consumers`],
  // The path is joined only for an error message.
  ["the eager path name", 'const pathName = "/" + prefix.join("/");', 'const pathName = () => "/" + prefix.join("/");'],
  ["the circular reference error", "unableToResolveCircularReference)(pathName)", "unableToResolveCircularReference)(pathName())"],
  ["the function error", "cannotResolveFunction)(pathName, obj)", "cannotResolveFunction)(pathName(), obj)"],
  ["the construct error", "constructsCannotBeResolved)(pathName)", "constructsCannotBeResolved)(pathName())"],
  ["the key error", "mapKeyMustResolveToString)(pathName, key", "mapKeyMustResolveToString)(pathName(), key"],
  // A plain value resolves to itself (after the depth check, which a deeper call would make).
  [
    "the plain value",
    "    //\n    // undefined\n    //\n    if (typeof obj === \"undefined\") {",
    "    if (plainValue(obj)) {\n        return obj;\n    }\n    //\n    // undefined\n    //\n    if (typeof obj === \"undefined\") {",
  ],
  [
    "the array items",
    ".map((x, i) => makeContext(`${i}`)[0].resolve(x))",
    ".map((x, i) => (prefix.length < 200 && plainValue(x) ? x : makeContext(`${i}`)[0].resolve(x)))",
  ],
  ["the keys", "const resolvedKey = makeContext()[0].resolve(key);", "const resolvedKey = plainValue(key) ? key : makeContext()[0].resolve(key);"],
  [
    "the values",
    "const value = makeContext(key)[0].resolve(obj[key]);",
    "const value = prefix.length < 200 && plainValue(obj[key]) ? obj[key] : makeContext(key)[0].resolve(obj[key]);",
  ],
];

// Each token's regular expression needs its marker in the text: test for the marker first.
const ENCODING_EDITS = [
  [
    "the list token test",
    'return xs.some((x) => typeof x === "string" && TokenString.forListToken(x).test());',
    'return xs.some((x) => typeof x === "string" && x.includes(exports.BEGIN_LIST_TOKEN_MARKER) && TokenString.forListToken(x).test());',
  ],
  [
    "the map token test",
    'return Object.keys(xs).some((x) => typeof x === "string" && TokenString.forMapToken(x).test());',
    'return Object.keys(xs).some((x) => typeof x === "string" && x.includes(exports.BEGIN_MAP_TOKEN_MARKER) && TokenString.forMapToken(x).test());',
  ],
  [
    "the string token test",
    'if (typeof obj === "string") {\n        return TokenString.forString(obj).test();',
    'if (typeof obj === "string") {\n        return obj.includes(exports.BEGIN_STRING_TOKEN_MARKER) && TokenString.forString(obj).test();',
  ],
];

/** `source` with `edits` made; throws, naming the edit, when a release of cdktf no longer has the text to replace. */
function edit(source, edits, file) {
  return edits.reduce((text, [what, from, to]) => {
    const at = text.indexOf(from);
    if (at === -1 || text.indexOf(from, at + from.length) !== -1) {
      throw new Error(`resolve-patch: ${file} no longer has ${what} exactly once: rebuild without this patch or update it`);
    }
    return text.slice(0, at) + to + text.slice(at + from.length);
  }, source);
}

/** cdktf's lib/tokens/private/resolve.js, resolving plain values without allocating. */
const fasterResolve = (source) => edit(source, RESOLVE_EDITS, "resolve.js");

/** cdktf's lib/tokens/private/encoding.js, testing for a token's marker before its regular expression. */
const fasterEncoding = (source) => edit(source, ENCODING_EDITS, "encoding.js");

module.exports = { RESOLVE_FILE, ENCODING_FILE, fasterResolve, fasterEncoding };
