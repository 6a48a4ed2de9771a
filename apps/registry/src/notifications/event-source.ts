import { hostname } from 'node:os';
import type { SourceRecord } from '@app/events';

/**
 * `source.addr` as distribution sets it: the machine's hostname with the port of `http.addr`, or `http.addr`
 * itself when it has no port (a unix socket path).
 */
export function sourceAddr(httpAddr: string, host: string = hostname()): string {
  const match = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(httpAddr);
  return match ? `${host.includes(':') ? `[${host}]` : host}:${match[1]}` : httpAddr;
}

export function sourceRecord(httpAddr: string, instanceID: string): SourceRecord {
  return { addr: sourceAddr(httpAddr), instanceID };
}
