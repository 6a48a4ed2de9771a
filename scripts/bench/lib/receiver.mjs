import { Worker } from 'node:worker_threads';

/** A fast webhook receiver on its own thread; every call returns a promise of the thread's answer. */
export class Receiver {
  constructor() {
    this.worker = new Worker(new URL('./receiver-thread.mjs', import.meta.url));
    this.pending = new Map();
    this.next = 1;
    this.worker.on('message', (message) => {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  call(cmd, args = {}, timeout = 0) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      if (timeout)
        setTimeout(
          () => this.pending.has(id) && (this.pending.delete(id), reject(new Error(`receiver ${cmd} timed out`))),
          timeout,
        ).unref();
      this.worker.postMessage({ id, cmd, ...args });
    });
  }

  async listen(port) {
    this.port = (await this.call('listen', { port })).port;
    return this.port;
  }

  get url() {
    return `http://127.0.0.1:${this.port}/events`;
  }

  close = () => this.call('close');
  reset = () => this.call('reset');
  stats = () => this.call('stats');
  /** Resolves with the hrtime (bigint) at which the push event of manifest tag `tag` arrived. */
  waitTag = async (tag, timeout = 10_000) => (await this.call('waitTag', { tag }, timeout)).at;
  /** Resolves when `n` events of `action` have arrived, with the hrtime of the last one. */
  waitCount = (action, n, timeout = 120_000) => this.call('waitCount', { action, n }, timeout);

  async terminate() {
    await this.worker.terminate();
  }
}
