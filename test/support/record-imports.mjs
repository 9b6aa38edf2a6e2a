// Module hooks that write every resolved module URL to the file named by RECORD_IMPORTS_TO: a test
// uses them to see what a process loaded (for example, that `cdk synth` loads no database driver).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS_TO, `${resolved.url}\n`);
  return resolved;
}
