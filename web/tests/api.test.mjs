// The built package (web/pkg) under Node: malformed input of every shape
// JavaScript can pass is an `{ok: false, error}` answer, never an
// exception, and the module keeps answering afterwards.
//   node --test web/tests/api.test.mjs   (after `just web`)
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const pkgDir = resolve(root, process.env.VDI_WEB_PKG ?? "web/pkg");
let pkg;

before(async () => {
  pkg = await import(pathToFileURL(resolve(pkgDir, "vdi_guard.js")).href);
  pkg.initSync({ module: readFileSync(resolve(pkgDir, "vdi_guard_bg.wasm")) });
});

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "vdi" },
  spec: { containers: [{ name: "c", image: "quay.io/x/y:1" }] },
};

function refused(answer, fragment) {
  assert.equal(answer.ok, false, JSON.stringify(answer));
  assert.equal(typeof answer.error.message, "string");
  if (fragment) assert.match(answer.error.message, fragment);
}

test("inputs that are not an evaluation are refused, not thrown", () => {
  const cyclic = { manifest: "a: 1" };
  cyclic.self = cyclic;
  const cases = [
    [undefined, /must be an object/],
    [null, /must be a JSON object/],
    [42, /must be a JSON object/],
    [true, /must be a JSON object/],
    ["", /must be a JSON object/],
    ["{", /the input/],
    [[1, 2], /must be a JSON object/],
    [() => 1, /must be an object/],
    [Symbol("x"), /must be an object/],
    [cyclic, /cannot be turned into JSON/],
    [{ manifest: 1n }, /cannot be turned into JSON/],
    [{}, /missing field `manifest`/],
    [{ manifest: "a: 1", typo: 1 }, /unknown field `typo`/],
    [{ manifest: "kind: [" }, /manifest: document 1/],
    [{ manifest: "a: 1", policies: "trusted-registries" }, /invalid type/],
    [{ manifest: "a: 1", policies: ["no-such-policy"] }, /no policy named/],
    [{ manifest: "[".repeat(100000) }, /manifest/],
    [{ manifest: "a".repeat(17 * 1024 * 1024) }, /at most/],
  ];
  for (const [input, fragment] of cases) {
    let answer;
    assert.doesNotThrow(() => {
      answer = pkg.evaluate(input);
    }, `evaluate(${String(input).slice(0, 40)})`);
    refused(answer, fragment);
  }
  for (const f of [pkg.evaluateRequest, pkg.validateSettings]) {
    for (const input of [undefined, null, 7, "{", [], { request: 1 }, { policy: 1 }]) {
      let answer;
      assert.doesNotThrow(() => {
        answer = f(input);
      });
      assert.equal(answer.ok, false, JSON.stringify(answer));
    }
  }
});

test("the module answers after every refusal", () => {
  const answer = pkg.evaluate({ manifest: pod, policies: ["trusted-registries"], user: "oidc:alice" });
  assert.equal(answer.ok, true);
  const [result] = answer.objects[0].results;
  assert.equal(result.policy, "trusted-registries");
  assert.equal(result.verdict, "reject");
  assert.match(result.message, /quay\.io/);
  assert.equal(answer.objects[0].request.userInfo.username, "oidc:alice");
});

test("odd but well-formed documents are per-object errors or verdicts", () => {
  const answer = pkg.evaluate({ manifest: "--- 1\n--- [a, b]\n--- {kind: Pod}\n", ignoreRules: true });
  assert.equal(answer.ok, true, JSON.stringify(answer));
  assert.equal(answer.objects.length, 3);
  for (const object of answer.objects) assert.match(object.error, /no apiVersion/);
  const typed = pkg.evaluate({ manifest: { ...pod, spec: { containers: "not a list" } }, ignoreRules: true });
  assert.equal(typed.ok, true);
  for (const r of typed.objects[0].results) assert.ok(["accept", "reject"].includes(r.verdict), JSON.stringify(r));
});

test("policies() lists every policy with parsed metadata and example settings", () => {
  const answer = pkg.policies();
  assert.equal(answer.ok, true);
  assert.ok(answer.policies.length >= 5);
  for (const p of answer.policies) {
    assert.equal(typeof p.settingsYaml, "string");
    assert.equal(typeof p.settings, "object");
    assert.ok(Array.isArray(p.rules) && p.rules.length > 0, p.name);
    const check = pkg.validateSettings({ policy: p.name, settings: p.settingsYaml });
    assert.deepEqual([check.ok, check.valid], [true, true], `${p.name}: ${check.message}`);
  }
});
