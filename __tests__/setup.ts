import { Testing } from "cdktf";

// cdktf's own matchers: toHaveResource, toHaveResourceWithProperties, toHaveProvider...
Testing.setupJest();

// As in the app bundle (scripts/build.js): no stack trace for every token cdktf creates, which is only shown when
// a token fails to resolve. Tests synthesize hundreds of stacks; set DEBUG=1 to keep the traces.
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (!process.env.DEBUG) require("cdktf/lib/tokens/private/stack-trace").captureStackTrace = () => [];
