import { Testing } from "cdktf";

// cdktf's own matchers: toHaveResource, toHaveResourceWithProperties, toHaveProvider...
Testing.setupJest();
