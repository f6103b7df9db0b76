/**
 * `l1bench` command line. Commands are registered explicitly here; each lives in its own module.
 * A UserError prints one line on stderr (no stack trace) and exits 2; any other failure prints
 * one line naming it as an internal error and exits 1.
 */
import { Command, CommanderError } from 'commander';
import { isUserError } from '../problems/errors.ts';
import { registerSolve } from './commands/solve.ts';
import { registerList } from './commands/list.ts';
import { registerBench } from './commands/bench.ts';
import { registerCheck } from './commands/check.ts';
import { registerReport } from './commands/report.ts';
import { registerMerge } from './commands/merge.ts';
import { registerSlurm } from './commands/slurm.ts';
import { registerSolverKit } from './commands/solver-kit.ts';

export function makeProgram(): Command {
  const program = new Command();
  program
    .name('l1bench')
    .description('Benchmark solvers of L1-penalized problems (spred, ISTA/FISTA, coordinate descent, LARS) with certified optima')
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: oneLine })
    .exitOverride();
  registerSolve(program);
  registerList(program);
  registerBench(program);
  registerCheck(program);
  registerReport(program);
  registerMerge(program);
  registerSlurm(program);
  registerSolverKit(program);
  program.commands.forEach((c) =>
    c.exitOverride().showSuggestionAfterError(true).configureOutput({ outputError: oneLine }),
  );
  return program;
}

/** commander's errors (and their hints) as one line: `l1bench: error: … (Did you mean …?) (add --help for usage)`. */
function oneLine(text: string, write: (s: string) => void): void {
  write(`l1bench: ${text.trim().split(/\s*\n\s*/).join(' ')} (add --help for usage)\n`);
}

/** What a path given by the user is wrong with, per errno code (file-system errors are the user's to fix). */
const FS_CODES: Readonly<Record<string, string>> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists and is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'disk full',
  ENAMETOOLONG: 'the name is too long',
  ENOENT: 'no such file or folder',
};

/** A one-line message for a Node file-system error on a path (null for anything else). */
export function fileSystemError(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException | null;
  if (!err || typeof err !== 'object' || typeof err.code !== 'string' || !Object.hasOwn(FS_CODES, err.code) || typeof err.path !== 'string') return null;
  const op = err.syscall === 'mkdir' || err.syscall === 'open' || err.syscall === 'write' ? 'cannot write' : `cannot ${err.syscall ?? 'use'}`;
  return `${op} ${err.path}: ${FS_CODES[err.code]} (${err.code}); choose another path`;
}

/**
 * A closed stdout or stderr (`l1bench … | head`) ends the command quietly with the exit code so
 * far: EPIPE is the reader's choice, not an error (no stack trace).
 */
export function quietOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  quietOnEpipe(process.stdout);
  quietOnEpipe(process.stderr);
  const program = makeProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its one-line message (and usage hint); help/version exit 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`l1bench: ${e.message}\n`);
      return e.exitCode;
    }
    const fsMessage = fileSystemError(e);
    if (fsMessage !== null) {
      process.stderr.write(`l1bench: ${fsMessage}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    process.stderr.write(`l1bench: internal error: ${msg} (set L1BENCH_DEBUG=1 for the stack trace)\n`);
    if (process.env['L1BENCH_DEBUG']) console.error(e);
    return 1;
  }
}
