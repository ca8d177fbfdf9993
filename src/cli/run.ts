import type { Command } from 'commander';
import { isInputError } from '../errors.js';

/** Prints a one-line error for bad input and sets exit code 2; anything else is a bug and keeps its stack. */
export function reportError(e: unknown): void {
  if (isInputError(e)) {
    process.stderr.write(`falco-scap: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (isCommanderError(e)) {
    // commander has already printed its message.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
    return;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`falco-scap: internal error: ${err.stack ?? err.message}\n`);
  process.exitCode = 70;
}

/**
 * commander's own errors (usage, help, version), told apart by their `commander.*` code
 * rather than by class, so that this module loads without commander: `info FILE...`
 * starts without it (see main.ts).
 */
function isCommanderError(e: unknown): e is Error & { code: string; exitCode: number } {
  if (!(e instanceof Error)) return false;
  const { code, exitCode } = e as { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

/** Wraps a command action so thrown errors become exit codes instead of crashes. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      reportError(e);
    }
  };
}

/** Commander usage errors exit 2 like every other bad input; help and version exit 0. */
export function configureExits(cmd: Command): Command {
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  return cmd;
}
