import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../ceph/micro-ceph.sh', import.meta.url));
/** Daemons and packages the cluster needs (Debian 12: Ceph 16.2). */
export const CEPH_PACKAGES = 'ceph-mon ceph-osd radosgw ceph-common';

export interface S3Access {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 180_000) {
  return new Promise<string>((resolve, reject) => {
    execFile(command, args, { env, timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A random port block per cluster, so that clusters of test files running side by side do not meet. */
function ports(): NodeJS.ProcessEnv {
  const block = Math.floor(Math.random() * 150);
  const ms = 30_000 + block * 200;
  return {
    MICRO_CEPH_MON_PORT: String(20_000 + block * 20),
    MICRO_CEPH_RGW_PORT: String(24_000 + block * 20),
    MICRO_CEPH_MS_PORTS: `${ms}-${ms + 199}`,
  };
}

/**
 * A real single-node Ceph of the test's own (one mon, one memstore OSD, radosgw on loopback, no auth) from
 * Debian's packages, started by the project's micro-ceph.sh in a short temp folder (unix admin sockets must fit
 * 107 bytes). About 1–3 s to start and 0.3 GiB of memory. `stop` kills its daemons and removes the folder.
 */
export class MicroCeph {
  private constructor(
    readonly dir: string,
    readonly s3: S3Access,
    /** ceph.conf of the cluster, for librados (storage.rados.conffile) and the ceph CLI. */
    readonly conf: string,
  ) {}

  static async start(options: { osdBytes?: number } = {}): Promise<MicroCeph> {
    const dir = mkdtempSync('/tmp/mceph-');
    rmSync(dir, { recursive: true });
    const env = { ...process.env, ...ports(), MICRO_CEPH_OSD_BYTES: String(options.osdBytes ?? 4 * 1024 ** 3) };
    try {
      await run('bash', [SCRIPT, 'start', dir], env);
    } catch (error) {
      await run('bash', [SCRIPT, 'stop', dir]).catch(() => undefined);
      const missing = /not found; apt-get/.test((error as Error).message);
      throw missing ? new Error(`Ceph is not installed: apt-get install -y ${CEPH_PACKAGES}`) : error;
    }
    const values = Object.fromEntries(
      readFileSync(`${dir}/s3.env`, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const s3 = {
      endpoint: values.S3_ENDPOINT,
      accessKey: values.S3_ACCESS_KEY,
      secretKey: values.S3_SECRET_KEY,
      region: values.S3_REGION,
    };
    return new MicroCeph(dir, s3, values.CEPH_CONF);
  }

  /** A RADOS pool of 8 placement groups. */
  async createPool(name: string): Promise<void> {
    await run('ceph', ['-c', this.conf, '--connect-timeout', '30', 'osd', 'pool', 'create', name, '8']);
  }

  /** SIGKILLs the S3 gateway (radosgw) alone: the endpoint goes down, RADOS stays. */
  async killGateway(): Promise<void> {
    const pid = Number(readFileSync(`${this.dir}/run/client.rgw.a.pid`, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop', this.dir]);
  }
}
