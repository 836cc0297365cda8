// Running a command and collecting what it printed: in-process (a CLI main taking output sinks) or as a process.
import { type SpawnOptions, spawn } from 'node:child_process';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

export type CommandMain = (
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo,
) => Promise<number>;

/** A command's main in this process: fast, and the same code path as the binary after flag parsing. */
export async function runMain(main: CommandMain, args: string[], stdin = ''): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    {},
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      readStdin: async () => stdin,
    },
  );
  return { code, stdout, stderr };
}

/** A real process, to its exit; a missing exit code (killed by a signal) reads as -1. */
export function runProcess(command: string, args: string[], options: SpawnOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
