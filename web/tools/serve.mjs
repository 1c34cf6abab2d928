// Serves the playground: web/www at /, web/pkg at /pkg/, and at /repo/ the
// example manifests web/www/examples.json lists (nothing else of the
// repository), on 127.0.0.1 only.
//   node web/tools/serve.mjs [--port 8000]
// `serve({port})` is what the browser test starts (port 0: any free port).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const web = resolve(here, "..");
const repo = resolve(web, "..");
const ROOTS = [
  ["/pkg/", join(web, "pkg")],
  ["/", join(web, "www")],
];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
  ".yaml": "text/plain; charset=utf-8",
  ".yml": "text/plain; charset=utf-8",
};

/** The example files the page may fetch (read per request: `just package` may add some). */
async function examples() {
  try {
    return new Set(JSON.parse(await readFile(join(web, "www/examples.json"), "utf8")).examples);
  } catch {
    return new Set();
  }
}

/** The file a URL path names, or null when it would leave its root. */
async function fileFor(urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  if (path.startsWith("/repo/")) {
    const rest = path.slice("/repo/".length);
    return (await examples()).has(rest) ? join(repo, rest) : null;
  }
  for (const [prefix, root] of ROOTS) {
    if (!path.startsWith(prefix)) continue;
    let rest = path.slice(prefix.length);
    if (rest === "" || rest.endsWith("/")) rest += "index.html";
    const file = normalize(join(root, rest));
    return file.startsWith(root + sep) ? file : null;
  }
  return null;
}

export function serve({ port = 8000, host = "127.0.0.1" } = {}) {
  const server = createServer(async (req, res) => {
    const file = req.method === "GET" || req.method === "HEAD" ? await fileFor(req.url ?? "/") : null;
    if (!file) {
      res.writeHead(req.method === "GET" || req.method === "HEAD" ? 404 : 405).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((resolveServer, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolveServer(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--port");
  const port = i > 0 ? Number(process.argv[i + 1]) : 8000;
  const server = await serve({ port });
  const { port: bound } = server.address();
  console.log(`vdi-guard playground: http://127.0.0.1:${bound}/ (Ctrl-C stops it)`);
}
