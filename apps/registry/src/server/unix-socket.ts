import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { ConfigError } from '@app/config';

/**
 * Makes `path` free for a unix-socket listener: a stale socket (nobody answers on it) is removed, as
 * distribution does; a live one, or a path that is not a socket, is a ConfigError (never deleted).
 */
export async function freeSocketPath(path: string): Promise<void> {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return;
  }
  if (!stats.isSocket()) throw new ConfigError(`http.addr: ${path} exists and is not a socket`);
  if (await answers(path)) throw new ConfigError(`http.addr: another process is listening on ${path}`);
  unlinkSync(path);
}

/** Applies `http.socketmode` (octal, e.g. "0660"). */
export function applySocketMode(path: string, mode: string | undefined): void {
  if (!mode) return;
  if (!/^0?[0-7]{3,4}$/.test(mode))
    throw new ConfigError(`http.socketmode: must be an octal file mode such as 0660, not ${mode}`);
  chmodSync(path, parseInt(mode, 8));
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
