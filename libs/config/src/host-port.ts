/**
 * `host:port`, `[v6]:port`, `host` or `:port` as host and port; an absent port is `defaultPort`, an absent
 * host loopback.
 */
export function splitHostPort(addr: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(addr.trim());
  const host = match?.[1] || '127.0.0.1';
  return { host, port: match?.[2] ? Number(match[2]) : defaultPort };
}
