import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its stderr when it exits non-zero. */
export function run(
  command: string,
  args: readonly string[],
  { timeout = 300_000, env }: { timeout?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout, maxBuffer: 64 << 20, env: env ?? process.env }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stderr}${stdout}`));
      } else {
        resolve({ stdout: stdout.toString(), stderr: stderr.toString() });
      }
    });
  });
}

/** skopeo against a plain-HTTP loopback registry (TLS verification off, which also allows http). */
export const skopeo = {
  /** `skopeo copy` with TLS verification off on both sides; `extra` e.g. ['--all'] or ['--format', 'v2s2']. */
  copy(source: string, destination: string, extra: readonly string[] = []): Promise<CommandResult> {
    return run('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      ...extra,
      source,
      destination,
    ]);
  },
  /** `skopeo inspect --raw`: the manifest bytes exactly as the registry serves them. */
  async inspectRaw(reference: string): Promise<string> {
    return (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', reference])).stdout;
  },
  async inspect(reference: string): Promise<Record<string, unknown>> {
    return JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', reference])).stdout) as Record<
      string,
      unknown
    >;
  },
  delete(reference: string): Promise<CommandResult> {
    return run('skopeo', ['delete', '--tls-verify=false', reference]);
  },
};
