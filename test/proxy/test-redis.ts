import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';

/** The shared test Redis under a key prefix of the test's own, as a config section, and its cleanup. */
export function proxyTestRedis(): { config: { addr: string; prefix: string }; cleanup(): Promise<void> } {
  const config = testRedisConfig();
  return {
    config: { addr: config.redis.addr!, prefix: config.redis.prefix },
    async cleanup() {
      const client = testRedisClient(config);
      await deleteKeys(client, config.redis.prefix);
      client.disconnect();
    },
  };
}
