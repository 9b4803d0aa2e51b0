// `npm run report`: cdktf.out/review.md for pull requests. See review/cli.ts.
import { isMainThread } from "node:worker_threads";
import { runReport } from "../review/cli";
import { serveSimulations } from "../review/threads";

if (isMainThread) {
  // Bundled (dist/report.js), this file is also what the simulation threads run; through a TypeScript loader, the
  // report simulates on one thread. Failed until it has finished: a report that never finishes must not exit 0.
  process.exitCode = 1;
  void runReport(process.env, process.argv.slice(2), __filename.endsWith(".js") ? __filename : undefined).then(({ code, out, err }) => {
    if (out) console.log(out);
    if (err) console.error(err);
    process.exitCode = code;
  });
} else {
  serveSimulations();
}
