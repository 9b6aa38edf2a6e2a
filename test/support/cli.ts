import { runCli } from '../../local/cli/program.ts';
import { suffix } from './servers.ts';

/** Runs the dbroles CLI in this process, the master password in a variable of its own; returns its exit code and output. */
export async function cli(args: string[], password: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const variable = `DBROLES_TEST_MASTER_${suffix()}`;
  process.env[variable] = password;
  try {
    const code = await runCli([...args, '--password-env', variable], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stderrIsTTY: false });
    return { code, stdout, stderr };
  } finally {
    delete process.env[variable];
  }
}
