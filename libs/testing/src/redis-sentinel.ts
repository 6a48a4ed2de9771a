import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';
import { tempDir } from './temp-dir.js';

/**
 * A real redis-sentinel of the test's own on a free port, watching the master at `masterPort` as
 * `mastername`, quorum 1, quick to declare it down (500 ms) and to fail over, so that a test can kill the
 * master and watch a replica take over.
 */
export class RedisSentinel {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: { remove(): void },
  ) {}

  static async start(masterPort: number, mastername = 'registry'): Promise<RedisSentinel> {
    const port = await freePort();
    const dir = tempDir('sentinel-');
    const file = join(dir.path, 'sentinel.conf');
    const lines = [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir.path}`,
      `sentinel monitor ${mastername} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${mastername} 500`,
      `sentinel failover-timeout ${mastername} 2000`,
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const child = spawn('redis-sentinel', [file], { stdio: 'ignore' });
    const sentinel = new RedisSentinel(port, child, dir);
    await waitFor(() => sentinel.masterPort(mastername).then((found) => found === masterPort), {
      what: `redis-sentinel on ${port}`,
    });
    return sentinel;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The master's port as this sentinel knows it (undefined while it cannot answer). */
  async masterPort(mastername = 'registry'): Promise<number | undefined> {
    return new Promise((resolve) => {
      const socket = createConnection(this.port, '127.0.0.1', () =>
        socket.write(`SENTINEL get-master-addr-by-name ${mastername}\r\n`),
      );
      socket.setTimeout(1_000, () => socket.destroy());
      socket.once('data', (data) => {
        const port = /\r\n(\d+)\r\n$/.exec(data.toString())?.[1];
        resolve(port ? Number(port) : undefined);
        socket.destroy();
      });
      socket.once('error', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    this.dir.remove();
  }
}
