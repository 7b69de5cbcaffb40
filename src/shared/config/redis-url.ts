/** `REDIS_URL` as toolgate reads it: a single Redis, or a Redis Cluster's seed nodes. */
const REDIS_SCHEMES = ['redis', 'rediss', 'redis+cluster', 'rediss+cluster'];

/**
 * `REDIS_URL` itself when it names a Redis toolgate can reach; throws naming only its scheme otherwise
 * (the rest may hold a password). A URL that is not one would have ioredis retry forever, silently.
 */
export function checkedRedisUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/./i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || !REDIS_SCHEMES.includes(scheme))
    throw new Error(
      `REDIS_URL must start with redis://, rediss://, redis+cluster:// or rediss+cluster:// (${scheme === undefined ? 'it has no scheme' : `it starts with ${scheme}://`})`,
    );
  return url;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//;

/** Whether `REDIS_URL` names a Redis Cluster (`redis+cluster://host:port,host:port`, or `rediss+cluster://`). */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/**
 * The seed nodes of a cluster URL, and the credentials and TLS its scheme and user part give, as ioredis
 * takes them: `redis+cluster://[user:password@]host:port[,host:port…]`.
 */
export function parseClusterUrl(url: string): {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
} {
  const scheme = CLUSTER_SCHEME.exec(url)?.[1];
  if (scheme === undefined) throw new Error(`not a cluster URL: ${url}`);
  const rest = url.slice(url.indexOf('://') + 3).replace(/\/.*$/, '');
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : undefined;
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts.split(',').map((hostPort) => {
    const separator = hostPort.lastIndexOf(':');
    const host = separator > 0 ? hostPort.slice(0, separator) : hostPort;
    const port = separator > 0 ? Number(hostPort.slice(separator + 1)) : 6379;
    if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535)
      throw new Error(`REDIS_URL: "${hostPort}" is not host:port`);
    return { host, port };
  });
  const [username, password] =
    auth === undefined
      ? []
      : auth.includes(':')
        ? [auth.slice(0, auth.indexOf(':')), auth.slice(auth.indexOf(':') + 1)]
        : [undefined, auth];
  return {
    nodes,
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    tls: scheme === 'rediss',
  };
}

/**
 * The key prefix as used on the Redis that `url` names. On a cluster it is hash-tagged (`{toolgate}`, as
 * BullMQ requires): every key we and BullMQ write then shares one slot, so multi-key commands and
 * scripts work. A prefix that already has a tag is kept.
 */
export function keyPrefixFor(prefix: string, url: string | undefined): string {
  return url !== undefined && isClusterUrl(url) && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}
