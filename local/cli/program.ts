import { Command, CommanderError } from 'commander';
import { DbrolesError, UsageError } from '../../lambdas/core/errors.ts';
import { processIo, type CliIo } from './io.ts';
import { connectionsCommands } from './connections.ts';
import { jobsCommand } from './jobs.ts';
import { provisionCommand } from './provision.ts';
import { serveCommand } from './serve.ts';
import { verifyCommand } from './verify.ts';

/** Runs the `dbroles` CLI and returns its exit code: 0 success, 1 failure, 2 usage error. */
export async function runCli(argv: ReadonlyArray<string>, io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const program = new Command('dbroles')
    .description('Provision hoop_ro, hoop_rw and hoop_ddl database users (PostgreSQL, MySQL/MariaDB, SQL Server), directly or as jobs.')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(provisionCommand(io, setExitCode))
    .addCommand(verifyCommand(io, setExitCode))
    .addCommand(serveCommand(io))
    .addCommand(jobsCommand(io, setExitCode));
  for (const command of connectionsCommands(io, setExitCode)) program.addCommand(command);
  // Subcommands do not inherit these: every one throws instead of exiting, and writes through io.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.stderr(`dbroles: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof DbrolesError ? error.message : `unexpected error: ${(error as Error).message}`;
    io.stderr(`dbroles: ${message}\n`);
    return 1;
  }
}
