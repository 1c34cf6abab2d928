// The playground in real headless Chromium (Debian's chromium and
// chromium-driver), driven over WebDriver with Node's own fetch: the page
// is loaded over HTTP from a local server (127.0.0.1), and a person's
// steps are replayed: pick an example, type the user, click Evaluate,
// read the verdicts. Saves a screenshot (VDI_SCREENSHOT, default
// target/web/playground.png) and prints the page's own timings.
//   node --test web/tests/browser.test.mjs   (after `just web`)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { serve } from "../tools/serve.mjs";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMEDRIVER = process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver";
const SCREENSHOT = resolve(root, process.env.VDI_SCREENSHOT ?? "target/web/playground.png");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

let server;
let driver;
let profile;
let base;
let session;

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** One WebDriver command; the answer's `value`, or an error with its message. */
async function wd(method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${answer.value?.message ?? response.status}`);
  return answer.value;
}

const s = (path) => `/session/${session}${path}`;
const find = async (css) => (await wd("POST", s("/element"), { using: "css selector", value: css }))[ELEMENT];
const findAll = async (css) => (await wd("POST", s("/elements"), { using: "css selector", value: css })).map((e) => e[ELEMENT]);
const click = async (css) => wd("POST", s(`/element/${await find(css)}/click`), {});
const text = async (css) => wd("GET", s(`/element/${await find(css)}/text`));
const attribute = async (css, name) => wd("GET", s(`/element/${await find(css)}/attribute/${name}`));
const script = (source, args = []) => wd("POST", s("/execute/sync"), { script: source, args });

async function type(css, keys) {
  const id = await find(css);
  await wd("POST", s(`/element/${id}/clear`), {});
  await wd("POST", s(`/element/${id}/value`), { text: keys });
}

/** Waits until `check()` is truthy (polling), or fails with `what`. */
async function until(what, check, ms = 15_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

before(async () => {
  server = await serve({ port: 0 });
  const page = `http://127.0.0.1:${server.address().port}/`;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  driver = spawn(CHROMEDRIVER, [`--port=${port}`, "--allowed-ips=127.0.0.1"], { stdio: "ignore" });
  await until("chromedriver", async () => (await wd("GET", "/status")).ready);
  profile = mkdtempSync(join(tmpdir(), "vdi-guard-chromium-"));
  const created = await wd("POST", "/session", {
    capabilities: {
      alwaysMatch: {
        browserName: "chrome",
        "goog:chromeOptions": {
          binary: CHROMIUM,
          args: [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            `--user-data-dir=${profile}`, "--window-size=1440,1100",
          ],
        },
      },
    },
  });
  session = created.sessionId;
  await wd("POST", s("/url"), { url: page });
  await until("the page to load the policies", async () => (await attribute("body", "data-ready")) === "true");
});

after(async () => {
  if (session) await wd("DELETE", s("")).catch(() => {});
  driver?.kill();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Picks an example from the list the way a person does: open, click. */
async function loadExample(path) {
  await script("delete document.getElementById('manifest').dataset.example");
  await click("#example");
  await click(`#example option[value="${path}"]`);
  await until(`${path} in the editor`, async () => (await attribute("#manifest", "data-example")) === path);
}

test("the page lists every policy with its example settings", async () => {
  const rows = await findAll("[data-policy-row]");
  assert.ok(rows.length >= 5, `${rows.length} policies listed`);
  const settings = await script("return document.querySelector('textarea[data-settings=\"trusted-registries\"]').value");
  assert.match(settings, /registry\.vdi\.example\.com/);
  assert.match(await text("#status"), /ready: \d+ policies/);
});

test("an untrusted Deployment is rejected, with the offending image named and highlighted", async () => {
  await loadExample("examples/untrusted-registry-deployment.yaml");
  await type("#user", "oidc:alice");
  await click("#evaluate");
  const card = 'article[data-object="Deployment vdi/desktop-with-untrusted-images"]';
  await until("the verdict", async () => (await findAll(card)).length === 1);
  assert.equal(await attribute(card, "data-verdict"), "reject");
  assert.match(await text(`${card} header`), /REJECTED/);
  const row = `${card} [data-policy-result="trusted-registries"]`;
  assert.equal(await attribute(row, "data-verdict"), "reject");
  const message = await text(`${row} .message`);
  assert.match(message, /ghcr\.io\/someone\/telemetry-agent/);
  const highlighted = await script(
    "return [...document.querySelectorAll('article .source .line.hit')].map(l => l.textContent)",
  );
  assert.ok(highlighted.some((l) => l.includes("ghcr.io/someone/telemetry-agent")), JSON.stringify(highlighted));
  assert.match(await text("#summary"), /1 rejected/);
});

test("alice's own session is accepted, a session in bob's name is not", async () => {
  await loadExample("examples/session-alice.yaml");
  await type("#user", "oidc:alice");
  await click("#evaluate");
  const card = 'article[data-object="VDISession vdi/alice-ubuntu"]';
  await until("the verdict", async () => (await findAll(card)).length === 1);
  assert.equal(await attribute(card, "data-verdict"), "accept");
  assert.match(await text(`${card} header`), /ACCEPTED/);
  assert.equal(await attribute(`${card} [data-policy-result="session-ownership"]`, "data-verdict"), "accept");
  assert.match(await text("#summary"), /1 accepted/);

  await loadExample("examples/session-spoofing-bob.yaml");
  await click("#evaluate");
  const spoof = 'article[data-object="VDISession vdi/bob-ubuntu"]';
  await until("the verdict", async () => (await findAll(spoof)).length === 1);
  assert.equal(await attribute(spoof, "data-verdict"), "reject");
  assert.match(await text(`${spoof} [data-policy-result="session-ownership"] .message`), /bob/);
});

test("an AdmissionReview from examples/requests is judged as it was sent", async () => {
  await loadExample("examples/requests/session-ownership/delete-another-users-session.reject.json");
  await click("#evaluate");
  const card = "article[data-object^=VDISession]";
  await until("the verdict", async () => (await findAll(card)).length === 1);
  assert.equal(await attribute(card, "data-verdict"), "reject");
  const request = await script("return document.querySelector('article pre.request').textContent");
  assert.match(request, /"operation": "DELETE"/);
});

test("a typed manifest with a syntax error gets a message, not a broken page", async () => {
  await type("#manifest", "apiVersion: v1\nkind: Pod\n  bad: indent\n");
  await click("#evaluate");
  await until("the error", async () => (await attribute("#error", "hidden")) === null);
  assert.match(await text("#error"), /manifest: document 1/);
  // The module still answers afterwards.
  await loadExample("examples/untrusted-registry-deployment.yaml");
  await click("#evaluate");
  await until("the verdict", async () => (await findAll("article[data-verdict=reject]")).length === 1);
  assert.equal(await attribute("#error", "hidden"), "true");
});

test("screenshot and timings", async () => {
  // The rejected Deployment beside the accepted compliant pod, for the README.
  await loadExample("examples/rsc-session-pod-compliant.yaml");
  const compliant = await script("return document.getElementById('manifest').value");
  await loadExample("examples/untrusted-registry-deployment.yaml");
  const untrusted = await script("return document.getElementById('manifest').value");
  await script("document.getElementById('manifest').value = arguments[0]", [`${untrusted.trimEnd()}\n---\n${compliant}`]);
  await click("#evaluate");
  await until("two verdicts", async () => (await findAll("article.object")).length === 2);
  const verdicts = await script("return [...document.querySelectorAll('article.object')].map(a => a.dataset.verdict)");
  assert.deepEqual(verdicts, ["reject", "accept"]);
  await script("window.scrollTo(0, 0)");
  const png = Buffer.from(await wd("GET", s("/screenshot")), "base64");
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  writeFileSync(SCREENSHOT, png);
  const timings = await script("return window.vdiGuard.timings");
  assert.ok(timings.instantiateMs > 0 && timings.firstEvaluationMs >= 0, JSON.stringify(timings));
  // Per evaluation in the page: a small Pod (the one examples/requests has
  // for trusted-registries, ~4.7 KB) through the page's own module instance.
  const perEval = await wd("POST", s("/execute/async"), {
    script: `const done = arguments[arguments.length - 1];
      (async () => {
        const m = await import("./pkg/vdi_guard.js");
        const review = await (await fetch("repo/examples/requests/trusted-registries/create-session-pod.accept.json")).json();
        const input = { request: review, policies: ["trusted-registries"] };
        const verdict = m.evaluateRequest(input).objects[0].results[0].verdict;
        for (let i = 0; i < 300; i++) m.evaluateRequest(input);
        const t = [];
        for (let i = 0; i < 1000; i++) { const a = performance.now(); m.evaluateRequest(input); t.push(performance.now() - a); }
        t.sort((a, b) => a - b);
        done({ verdict, p50: t[500], p99: t[990] });
      })().catch((e) => done({ error: String(e) }));`,
    args: [],
  });
  assert.equal(perEval.verdict, "accept", JSON.stringify(perEval));
  console.log(
    `chromium: instantiate ${timings.instantiateMs.toFixed(1)} ms (fetch + compile), first evaluation ${timings.firstEvaluationMs.toFixed(2)} ms ` +
      `(the page's first manifest, every policy), small Pod per evaluation p50 ${perEval.p50.toFixed(3)} ms, p99 ${perEval.p99.toFixed(3)} ms; ` +
      `screenshot ${SCREENSHOT}`,
  );
});
