// `npm run report`: cdktf.out/review.md for pull requests. See review/cli.ts.
import { runReport } from "../review/cli";

void runReport(process.env, process.argv.slice(2)).then(({ code, out, err }) => {
  if (out) console.log(out);
  if (err) console.error(err);
  process.exitCode = code;
});
