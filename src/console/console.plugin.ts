// Serves the built web console (console/dist) at `/`: hashed assets, and index.html for every other page path (SPA).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Paths that belong to the server, never to the console: an unknown one stays the server's JSON 404. */
const SERVER_PREFIXES = ['/api', '/mcp', '/healthz', '/readyz', '/metrics', '/docs', '/demo'];

/** console/dist next to src/ or dist/ (this file is src/console/… or dist/console/…). */
export const DEFAULT_CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outrigger</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<main><h1>Outrigger is running</h1>
<p>The web console has not been built on this machine. Build it with <code>npm run build</code>
(or <code>npm --prefix console ci &amp;&amp; npm --prefix console run build</code>) and reload this page.</p>
<p>The REST API works meanwhile: <a href="/api/docs">API documentation</a>.</p></main>
</body></html>
`;

function isServerPath(urlPath: string): boolean {
  return SERVER_PREFIXES.some((p) => urlPath === p || urlPath.startsWith(`${p}/`));
}

export interface ConsoleOptions {
  /** Folder of the built console (index.html and assets/). */
  dir?: string;
  log?: { warn(msg: string): void };
}

/** Registers `GET /` and `GET /*` for the console; without a build, a short page saying how to build it. */
export function consolePlugin(opts: ConsoleOptions = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    const dir = opts.dir ?? DEFAULT_CONSOLE_DIR;
    const built = fs.existsSync(path.join(dir, 'index.html'));
    if (!built) (opts.log ?? app.log).warn(`web console not built (${dir}/index.html missing): / shows how to build it; run npm run build`);
    // serve: false — only reply.sendFile; routing stays ours so that server paths keep their own 404s. cacheControl:
    // false — the headers below decide (immutable hashed assets, revalidated shell).
    if (built) await app.register(fastifyStatic, { root: dir, serve: false, decorateReply: true, cacheControl: false });

    const page = async (request: FastifyRequest, reply: FastifyReply) => {
      const urlPath = decodeURIComponent(request.url.split('?')[0]!);
      if (isServerPath(urlPath)) return reply.callNotFound();
      if (!built) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
      // Hashed build output never changes under its name; anything else (index.html) must be revalidated.
      if (urlPath.startsWith('/assets/')) {
        const file = path.join(dir, urlPath);
        // @fastify/send refuses traversal itself; a missing asset is a 404, not the app shell.
        if (!file.startsWith(path.join(dir, 'assets') + path.sep) || !fs.existsSync(file)) return reply.callNotFound();
        return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(urlPath.slice(1));
      }
      const file = path.join(dir, urlPath);
      if (urlPath !== '/' && file.startsWith(dir + path.sep) && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
        return reply.header('cache-control', 'no-cache').sendFile(urlPath.slice(1));
      }
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
    };
    // pageFallback: the problem handler leaves these out of its 405 bookkeeping (src/api/problem-handler.ts).
    const routeOptions = { config: { public: true, pageFallback: true }, schema: { hide: true } };
    app.get('/', routeOptions, page);
    app.get('/*', routeOptions, page);
  };
}
