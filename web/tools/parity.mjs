// Evaluates parity calls through the browser build under Node:
//   node parity.mjs PKG_DIR CALLS.json ANSWERS.json
// CALLS is a list of {fn, input} (fn: evaluate | evaluateRequest |
// validateSettings); ANSWERS gets one answer per call, in order (null for
// a null call). Driven by web/tests/parity.rs.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pkgDir, callsPath, answersPath] = process.argv.slice(2);
if (!answersPath) {
  console.error("usage: node parity.mjs PKG_DIR CALLS.json ANSWERS.json");
  process.exit(2);
}
const pkg = await import(pathToFileURL(resolve(pkgDir, "vdi_guard.js")).href);
pkg.initSync({ module: readFileSync(join(pkgDir, "vdi_guard_bg.wasm")) });
const calls = JSON.parse(readFileSync(callsPath, "utf8"));
const answers = calls.map((call) => {
  if (call === null) return null;
  const f = pkg[call.fn];
  if (typeof f !== "function") return { ok: false, error: { kind: "parity", message: `no export ${call.fn}` } };
  try {
    return f(call.input);
  } catch (e) {
    // An exception is a failure of the build's contract; the Rust side
    // reports the answer as a refusal.
    return { ok: false, error: { kind: "exception", message: String(e) } };
  }
});
writeFileSync(answersPath, JSON.stringify(answers));
