/**
 * A mistake in what the user gave us (a flag, a file, a value). The CLI prints its message
 * as one line on stderr, with no stack trace, and exits non-zero. The message names what is
 * wrong and how to fix it.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/** True for errors that are the user's to fix (printed as one line). */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/**
 * Thrown by a solver that ran past the run's wall-clock budget and had to be stopped from the
 * outside (an external command that was killed): the harness records `timeout`, not `error`.
 */
export class SolverTimeout extends Error {
  override readonly name = 'SolverTimeout';
}
