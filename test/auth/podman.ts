import { join } from 'node:path';
import { run, type CommandResult } from '../support/index.js';

/**
 * podman with its own storage (vfs, under `dir`) and its own auth file, so tests neither see nor touch the
 * machine's images or logins. Images get in through skopeo from an OCI layout.
 */
export class Podman {
  readonly authfile: string;
  private readonly root: string;
  private readonly runroot: string;

  constructor(dir: string) {
    this.root = join(dir, 'podman-root');
    this.runroot = join(dir, 'podman-run');
    this.authfile = join(dir, 'auth.json');
  }

  /** `skopeo copy oci:<layout>:<tag>` into this podman's storage as `localhost/<name>`. */
  load(layoutRef: string, name: string): Promise<CommandResult> {
    return run('skopeo', [
      'copy',
      '--quiet',
      layoutRef,
      `containers-storage:[vfs@${this.root}+${this.runroot}]localhost/${name}`,
    ]);
  }

  login(registry: string, user: string, password: string): Promise<CommandResult> {
    return this.podman(
      ['login', '--tls-verify=false', '--authfile', this.authfile, '-u', user, '--password-stdin', registry],
      password,
    );
  }

  push(name: string, destination: string): Promise<CommandResult> {
    return this.podman(['push', '--tls-verify=false', '--authfile', this.authfile, `localhost/${name}`, destination]);
  }

  pull(reference: string): Promise<CommandResult> {
    return this.podman(['pull', '--tls-verify=false', '--authfile', this.authfile, reference]);
  }

  /** Image id of a local image (`podman image inspect`). */
  async imageId(reference: string): Promise<string> {
    return (await this.podman(['image', 'inspect', '--format', '{{.Id}}', reference])).stdout.trim();
  }

  remove(reference: string): Promise<CommandResult> {
    return this.podman(['rmi', '--force', reference]);
  }

  private podman(args: string[], stdin?: string): Promise<CommandResult> {
    const global = ['--root', this.root, '--runroot', this.runroot, '--storage-driver', 'vfs'];
    if (stdin === undefined) return run('podman', [...global, ...args]);
    return run('sh', ['-c', 'printf %s "$PODMAN_STDIN" | podman "$@"', 'podman', ...global, ...args], {
      env: { ...process.env, PODMAN_STDIN: stdin },
    });
  }
}
