// Shared by the frontend-*.test.ts files: loopback test servers, free ports, plain HTTP
// requests, and the rendered nginx tree relocated into a temp dir for a real host nginx.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RenderedFile } from '../../build/render/overlay.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface SeenRequest { path: string; headers: IncomingHttpHeaders }

/** A loopback HTTP server that counts requests per path and remembers their headers. */
export class TestUpstream {
  readonly seen: SeenRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;
  constructor(
    readonly name: string,
    public port = 0,
    private readonly handler: (path: string, res: import('node:http').ServerResponse) => boolean = () => false,
    private readonly delayMs = 0,
  ) {}

  count(path: string): number {
    return this.seen.filter((s) => s.path === path).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.seen.push({ path, headers: req.headers });
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const finish = () => {
        this.inFlight--;
        if (this.handler(path, res)) return;
        res.setHeader('Content-Type', 'text/plain');
        if (path.startsWith('/short/')) res.setHeader('Cache-Control', 'max-age=1');
        if (path.startsWith('/broken')) res.statusCode = 500;
        res.setHeader('X-Seen-Request-ID', String(req.headers['x-request-id'] ?? ''));
        res.end(`${this.name} ${path} #${this.count(path)}\n`);
      };
      if (this.delayMs) setTimeout(finish, this.delayMs);
      else finish();
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Write the rendered nginx files (and only those) under `tmp`, with the device's absolute
 * paths moved into it and `listen` bound to loopback. Returns the main nginx.conf path: a
 * minimal one that includes conf.d/*.conf at http level, like Debian's.
 */
export function writeNginxTree(files: Map<string, RenderedFile>, tmp: string): string {
  const rewrite = (text: string) =>
    text
      .replaceAll('/etc/nginx/', `${tmp}/etc/nginx/`)
      .replaceAll('/var/cache/nginx', `${tmp}/cache`)
      .replaceAll('/var/log/nginx', `${tmp}/log`)
      .replace(/^(\s*)listen (\d+) /gm, '$1listen 127.0.0.1:$2 ');
  for (const [path, f] of files) {
    if (!path.startsWith('/etc/nginx/')) continue;
    const dest = join(tmp, path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, rewrite(f.content));
  }
  for (const d of ['cache', 'log', 'tmp']) mkdirSync(join(tmp, d), { recursive: true, mode: 0o755 });
  const main = join(tmp, 'nginx.conf');
  writeFileSync(main, [
    `pid ${tmp}/nginx.pid;`,
    `error_log ${tmp}/log/error.log warn;`,
    'worker_processes 1;',
    'events { worker_connections 128; }',
    'http {',
    '    default_type application/octet-stream;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${tmp}/tmp/${t};`),
    `    include ${tmp}/etc/nginx/conf.d/*.conf;`,
    '}',
    '',
  ].join('\n'));
  return main;
}
