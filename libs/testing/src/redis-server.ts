import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, waitFor } from './ports.js';
import { tempDir } from './temp-dir.js';

/**
 * A real redis-server of the test's own, on a free port, with AOF (appendfsync always) in a temporary
 * folder, so a test can kill and restart it without losing what it acknowledged.
 */
export class RedisServer {
  private child?: ChildProcess;
  private readonly dir = tempDir('redis-');

  private constructor(
    readonly port: number,
    private readonly extra: string[],
  ) {}

  /** `replicaOf`: the port of a master on loopback this server replicates. */
  static async start(options: { replicaOf?: number } = {}): Promise<RedisServer> {
    const extra = options.replicaOf ? ['--replicaof', '127.0.0.1', String(options.replicaOf)] : [];
    const server = new RedisServer(await freePort(), extra);
    await server.restart();
    return server;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on the same port and data folder. */
  async restart(): Promise<void> {
    if (this.child) await this.kill();
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir.path,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
        ...this.extra,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => pong(this.port), { what: `redis-server on ${this.port}` });
  }

  /** SIGKILL: what a crash looks like. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    this.dir.remove();
  }
}

/** True when a server on `port` answers PING (refused while it starts: the caller polls). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
