// `npm run ssh-config -- <workload>`: ~/.ssh/config blocks for one workload on stdout, notes on stderr.
// `--list` prints the workloads and the usage. See connect/ssh-config.ts and connect/cli.ts.
import { run } from "../connect/cli";

const { code, out, err } = run(process.argv.slice(2), process.env);
if (out) console.log(out);
if (err) console.error(err);
process.exitCode = code;
