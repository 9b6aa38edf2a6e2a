/** Where a CLI command writes; tests pass buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stderrIsTTY: boolean;
  /** Whether stdout is a terminal (colour is used only there, and never with NO_COLOR). */
  readonly stdoutIsTTY?: boolean;
}

/** ANSI colour for a terminal, nothing otherwise. */
export function painter(io: CliIo): (code: 'red' | 'yellow' | 'green' | 'dim' | 'bold', text: string) => string {
  const on = io.stdoutIsTTY === true && !process.env.NO_COLOR;
  const codes = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;
  return (code, text) => (on ? `\u001b[${codes[code]}m${text}\u001b[0m` : text);
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
};
