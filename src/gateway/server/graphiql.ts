/**
 * GraphiQL from local files: a small HTML page at GET /graphql (for browsers) that links React,
 * ReactDOM, GraphiQL (its CodeMirror build, about 290 KB with brotli), its stylesheet and our own
 * start-up script as separate files under /graphiql/, each at a URL carrying its content hash, so a
 * browser keeps them for a year and a reload costs one small page. Bodies are compressed once
 * (brotli and gzip) on first use, not at start-up, and served by Accept-Encoding with an ETag. No
 * CDN: everything comes from this server, under a CSP that allows only same-origin scripts and
 * connections.
 *
 * The start-up script carries the fetcher: queries and mutations are POSTed as JSON, subscriptions
 * read as Server-Sent Events from a POST, both with the header editor's headers (a browser cannot
 * set headers on a WebSocket upgrade, so a token typed there would never reach a WebSocket).
 *
 * Not used: yoga's single-file page (≈9 MB, inline scripts, blob: workers, nothing cacheable) and
 * its Monaco build (≈1.6 MB with brotli for a first load).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

export const GRAPHIQL_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Most bytes (brotli) a browser downloads to open GraphiQL the first time: the page and every file
 * it links. Checked by test/security/graphiql-size.test.ts.
 */
export const GRAPHIQL_FIRST_LOAD_BUDGET_BYTES = 500 * 1024;

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export interface GraphiQLPageOptions {
  readonly endpoint: string;
  readonly title: string;
  readonly defaultQuery: string;
  /** The header editor's initial text (JSON), e.g. an Authorization header to fill in. */
  readonly headers?: string | undefined;
  /** Which editor tool starts open. */
  readonly defaultEditorToolsVisibility?: 'headers' | 'variables' | undefined;
}

interface Asset {
  readonly path: string;
  readonly type: string;
  readonly etag: string;
  readonly raw: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

interface Assets {
  readonly byPath: ReadonlyMap<string, Asset>;
  readonly page: Asset;
}

/**
 * Renders GraphiQL with the page's options (read from a JSON script element: no inline script)
 * and a fetcher of our own. A subscription is an async iterator over the SSE stream whose
 * `return()` aborts the request at once, so stopping it in GraphiQL frees the server's slot.
 */
const INIT_JS = `(function () {
  'use strict';
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);

  function kindOf(params, documentAST) {
    var ops = ((documentAST && documentAST.definitions) || []).filter(function (d) {
      return d.kind === 'OperationDefinition';
    });
    var op = params.operationName
      ? ops.find(function (d) { return d.name && d.name.value === params.operationName; })
      : ops[0];
    if (op) return op.operation;
    return /^\\s*subscription\\b/.test(params.query || '') ? 'subscription' : 'query';
  }

  function post(params, extra, accept, signal) {
    var headers = new Headers({ 'content-type': 'application/json', accept: accept });
    Object.keys(extra || {}).forEach(function (k) { headers.set(k, String(extra[k])); });
    return fetch(options.endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'omit',
      signal: signal,
    });
  }

  function body(res) {
    return res.text().then(function (text) {
      try {
        return JSON.parse(text);
      } catch (e) {
        return { errors: [{ message: 'HTTP ' + res.status + ': ' + text.slice(0, 500) }] };
      }
    });
  }

  function stream(params, extra) {
    var abort = new AbortController();
    var queue = [];
    var waiting = null;
    var done = false;
    function push(item) {
      if (waiting) {
        var w = waiting;
        waiting = null;
        w(item);
      } else queue.push(item);
    }
    function end() {
      push({ value: undefined, done: true });
    }
    (async function () {
      var res = await post(params, extra, 'text/event-stream', abort.signal);
      if ((res.headers.get('content-type') || '').indexOf('text/event-stream') !== 0) {
        push({ value: await body(res), done: false });
        return;
      }
      var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      var buffer = '';
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) return;
        buffer += chunk.value.replace(/\\r\\n/g, '\\n');
        var at;
        while ((at = buffer.indexOf('\\n\\n')) >= 0) {
          var block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          var event = 'message';
          var data = [];
          block.split('\\n').forEach(function (line) {
            if (line.indexOf('event:') === 0) event = line.slice(6).trim();
            else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
          });
          if (event === 'complete') return;
          if (data.length > 0) push({ value: JSON.parse(data.join('\\n')), done: false });
        }
      }
    })()
      .catch(function (e) {
        if (!abort.signal.aborted) push({ value: { errors: [{ message: String((e && e.message) || e) }] }, done: false });
      })
      .finally(end);
    var iterator = {
      next: function () {
        if (done) return Promise.resolve({ value: undefined, done: true });
        var item = queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise(function (r) { waiting = r; });
        return item.then(function (i) {
          if (i.done) done = true;
          return i;
        });
      },
      return: function () {
        done = true;
        abort.abort();
        if (waiting) end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
    iterator[Symbol.asyncIterator] = function () { return iterator; };
    return iterator;
  }

  function fetcher(params, opts) {
    var headers = (opts && opts.headers) || {};
    if (kindOf(params, opts && opts.documentAST) === 'subscription') return stream(params, headers);
    return post(params, headers, 'application/graphql-response+json, application/json').then(body);
  }

  var props = {
    fetcher: fetcher,
    defaultQuery: options.defaultQuery,
    isHeadersEditorEnabled: true,
    // A token typed into the header editor does not outlive the tab.
    shouldPersistHeaders: false,
  };
  if (options.headers) props.headers = options.headers;
  if (options.defaultEditorToolsVisibility) props.defaultEditorToolsVisibility = options.defaultEditorToolsVisibility;
  ReactDOM.createRoot(document.getElementById('root')).render(React.createElement(GraphiQL, props));
})();
`;

/** GraphiQL's stylesheet without its embedded web fonts (≈270 KB that brotli cannot shrink). */
export function trimStylesheet(css: string): string {
  // System fonts stand in: the stylesheet names sans-serif and monospace after Roboto and Fira Code.
  return `${css.replace(/@font-face\s*\{[^}]*\}/g, '')}
html, body, #root { height: 100%; width: 100%; margin: 0; overflow: hidden; }
`;
}

/**
 * A minified UMD bundle without its source-map comment (the map is not served). Bytes, not text:
 * decoding and re-encoding a megabyte would hold the event loop for tens of milliseconds.
 */
function withoutSourceMap(js: Buffer): Buffer {
  const at = js.lastIndexOf('\n//# sourceMappingURL=');
  return at < 0 ? js : js.subarray(0, at + 1);
}

async function asset(name: string, ext: string, type: string, raw: Buffer): Promise<Asset> {
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  // One after the other, at brotli 5 (GraphiQL's bundle: 292 KB in 130 ms, against 284 KB in 540 ms
  // at 9): the first load compresses on the thread pool, and on a small machine parallel
  // compressions take the cores the event loop needs (/healthz slowed while GraphiQL was built).
  const br = await brotli(raw, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const gzip = await gz(raw, { level: 6 });
  return { path: `${GRAPHIQL_ASSETS_PATH}${name}.${hash}.${ext}`, type, etag: `"${hash}"`, raw, br, gzip };
}

const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const requireHere = createRequire(import.meta.url);

/** A file shipped inside an npm package (resolved through its package.json: some export no subpaths). */
function packageFile(pkg: string, file: string): Promise<Buffer> {
  return readFile(join(dirname(requireHere.resolve(`${pkg}/package.json`)), file));
}

async function build(opts: GraphiQLPageOptions): Promise<Assets> {
  const js = 'application/javascript; charset=utf-8';
  const [react, reactDom, graphiql, css] = await Promise.all([
    packageFile('react', 'umd/react.production.min.js'),
    packageFile('react-dom', 'umd/react-dom.production.min.js'),
    packageFile('graphiql', 'graphiql.min.js'),
    packageFile('graphiql', 'graphiql.min.css'),
  ]);
  // In load order: GraphiQL's bundle expects the React and ReactDOM globals.
  const scripts: Asset[] = [];
  for (const [name, bytes] of [
    ['react', withoutSourceMap(react)],
    ['react-dom', withoutSourceMap(reactDom)],
    ['graphiql', withoutSourceMap(graphiql)],
    ['init', Buffer.from(INIT_JS)],
  ] as const) {
    scripts.push(await asset(name, 'js', js, bytes));
  }
  const style = await asset(
    'graphiql',
    'css',
    'text/css; charset=utf-8',
    Buffer.from(trimStylesheet(css.toString('utf8'))),
  );
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(opts.title)}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${style.path}" />
  </head>
  <body>
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${escapeJson(opts)}</script>
${scripts.map((s) => `    <script src="${s.path}"></script>`).join('\n')}
  </body>
</html>
`;
  const page = await asset('index', 'html', 'text/html; charset=utf-8', Buffer.from(html));
  return { byPath: new Map([...scripts, style].map((f) => [f.path, f])), page };
}

/** The best encoding the client accepts among br, gzip and none (q=0 excluded). */
export function pickEncoding(header: string | null): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (n: string) => (accepted.get(n) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

function respond(
  request: Request,
  a: Asset,
  cacheControl: string,
  extra: Record<string, string> = {},
): Response {
  const headers: Record<string, string> = {
    'content-type': a.type,
    'cache-control': cacheControl,
    etag: a.etag,
    vary: 'accept-encoding',
    ...extra,
  };
  const inm = request.headers.get('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === a.etag))
    return new Response(null, { status: 304, headers });
  const enc = pickEncoding(request.headers.get('accept-encoding'));
  const body = enc === 'br' ? a.br : enc === 'gzip' ? a.gzip : a.raw;
  if (enc) headers['content-encoding'] = enc;
  headers['content-length'] = String(body.length);
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}

/** Whether a GET is a browser asking for a page (yoga's rule: it accepts text/html). */
function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

/**
 * Serves the page at GET `endpoint` to browsers and the files under /graphiql/. GraphQL GETs (with
 * a `query` parameter) and every other request go on to yoga.
 */
export function useGraphiQL(opts: GraphiQLPageOptions): Plugin {
  let built: Promise<Assets> | undefined;
  const assets = () => {
    built ??= build(opts);
    // A failed build is retried on the next request instead of being remembered.
    built.catch(() => (built = undefined));
    return built;
  };
  return {
    async onRequest(payload) {
      const { request, url } = payload;
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === opts.endpoint && wantsHtml(request) && !url.searchParams.has('query')) {
        const a = await assets();
        // The page names the hashed files, so it is revalidated (cheap: a 304) rather than kept.
        payload.endResponse(
          respond(request, a.page, 'no-cache', { 'content-security-policy': GRAPHIQL_CSP }),
        );
        return;
      }
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      const a = (await assets()).byPath.get(url.pathname);
      payload.endResponse(
        a
          ? respond(request, a, IMMUTABLE)
          : new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } }),
      );
    },
  };
}
