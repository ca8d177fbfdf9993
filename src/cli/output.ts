import { Chalk, type ChalkInstance } from 'chalk';

/** Colors only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colorsFor(stream: NodeJS.WriteStream): ChalkInstance {
  const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  const force = process.env['FORCE_COLOR'];
  const level = noColor ? 0 : force !== undefined && force !== '0' ? 1 : stream.isTTY ? (stream.hasColors?.(256) ? 2 : 1) : 0;
  return new Chalk({ level: level as 0 | 1 | 2 });
}

/**
 * Writes to stdout with backpressure. The CLI never calls process.exit() while output is
 * pending; it sets process.exitCode and lets the stream drain.
 */
export async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}
