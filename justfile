# vdi-guard task runner. `just check` evaluates the examples; `just test` runs everything.

set shell := ["bash", "-euo", "pipefail", "-c"]

wasm_target := "wasm32-wasip1"
web_target := "wasm32-unknown-unknown"

# The vdi-guard CLI embeds the modules `just build` writes to dist/ instead
# of compiling the policies a second time (cli/build.rs; `cargo install
# --path cli` outside just compiles them itself).
export VDI_GUARD_MODULES := justfile_directory() / "dist"

# List the recipes.
default:
    @just --list

# Install the Wasm target the policies compile to (idempotent).
setup:
    @rustup target list --installed | grep -qx {{wasm_target}} || rustup target add {{wasm_target}}

# Build every policy (or the named ones) to dist/<policy>.wasm.
build *POLICIES: setup
    #!/usr/bin/env bash
    set -euo pipefail
    policies="{{POLICIES}}"
    [ -n "$policies" ] || policies=$(ls policies)
    args=()
    for p in $policies; do args+=(-p "$p"); done
    cargo build --release --locked --target {{wasm_target}} "${args[@]}"
    mkdir -p dist
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    for p in $policies; do
        cp "$target_dir/{{wasm_target}}/release/${p//-/_}.wasm" "dist/$p.wasm"
        printf '%-30s %8d bytes\n' "dist/$p.wasm" "$(stat -c %s "dist/$p.wasm")"
    done
    # Embed metadata.yml + README as the io.kubewarden.metadata section (like `kwctl annotate`).
    cargo run --quiet --locked -p xtask -- annotate {{POLICIES}}

# Regenerate deploy/ manifests and artifacthub/ packages (a test fails when they drift).
package:
    cargo run --quiet --locked -p xtask -- package

# Build, then push every module to REGISTRY/<policy>:v<version>; with KEY (cosign private key, password in COSIGN_PASSWORD) sign each too.
push REGISTRY KEY="": build
    cargo run --quiet --locked -p xtask --features oci -- push {{REGISTRY}} {{ if KEY != "" { "--key " + KEY } else { "" } }}

# Pull a module pushed by `just push` or `kwctl push` (default output: <name>.wasm); `--key cosign.pub` verifies it first.
pull REF *ARGS:
    cargo run --quiet --locked -p xtask --features oci -- pull {{REF}} {{ARGS}}

# Check that REF carries a valid cosign signature by the public key PUB.
verify REF PUB="cosign.pub":
    cargo run --quiet --locked -p xtask --features oci -- verify {{REF}} --key {{PUB}}

# Write a cosign-compatible key pair DIR/cosign.key + DIR/cosign.pub (password from COSIGN_PASSWORD).
keygen DIR=".":
    cargo run --quiet --locked -p xtask --features oci -- keygen {{DIR}}

# Push, sign, verify and pull every dist/ module through a local registry (needs
# `apt-get install -y docker-registry`), then run the e2e suites on the pulled bytes.
test-oci: build _registry-round-trip

_registry-round-trip:
    #!/usr/bin/env bash
    set -euo pipefail
    cargo test --locked -p xtask --features oci
    cargo test --locked -p vdi-guard --features registry-tests --test registry
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    VDI_DIST="$target_dir/tmp/oci-pulled" cargo test --locked -p e2e --test suites

# Build, then check manifests (default: examples/) with the vdi-guard CLI and print the verdicts.
# Rejections are what the examples show, so only bad input (exit 2) fails the recipe.
check *ARGS: build
    #!/usr/bin/env bash
    set -uo pipefail
    args=({{ARGS}})
    [ "${#args[@]}" -gt 0 ] || args=(examples/ policies/*/examples/ --user oidc:alice --group oidc:vdi-users --group system:authenticated)
    cargo run --quiet --locked -p vdi-guard -- check "${args[@]}"
    status=$?
    [ "$status" -le 1 ]

# Build, then run unit, property and e2e tests (the e2e suites run the built .wasm),
# then the registry round trip and the suites again on the modules pulled back,
# then the browser build: verdict parity with the modules, and the playground in Chromium.
test: build && _registry-round-trip test-web
    cargo test --locked --workspace

# Formatting and clippy (native and wasm), warnings are errors.
lint: build
    #!/usr/bin/env bash
    set -euo pipefail
    cargo fmt --all --check
    cargo clippy --locked --workspace --all-targets -- -D warnings
    cargo clippy --locked -p xtask --features oci --all-targets -- -D warnings
    cargo clippy --locked -p vdi-guard --features registry-tests --all-targets -- -D warnings
    args=()
    for p in $(ls policies); do args+=(-p "$p"); done
    cargo clippy --locked --target {{wasm_target}} "${args[@]}" -- -D warnings

# The bench runs in the dev profile: it reuses the wasmtime that `just test`
# built (a release build would compile wasmtime again). From a fresh clone the
# host build (wasmtime, mostly one crate at a time) is most of the time, so
# the Wasm builds run beside it on the other core.
# Build, then measure size, compile and per-request latency of every policy (or `just bench --policy NAME ...`) against the no-op and parse floors (see BENCHMARKS.md).
bench *ARGS: setup
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --quiet --locked --config 'profile.dev.opt-level=2' -p e2e --bin vdi-bench &
    host=$!
    trap 'kill "$host" 2>/dev/null || true' EXIT
    just build
    cargo build --release --locked --target {{wasm_target}} -p noop-policy -p parse-floor
    wait "$host"
    trap - EXIT
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    cargo run --quiet --locked --config 'profile.dev.opt-level=2' -p e2e --bin vdi-bench -- \
        --noop "$target_dir/{{wasm_target}}/release/noop_policy.wasm" \
        --parse "$target_dir/{{wasm_target}}/release/parse_floor.wasm" --out "$target_dir/bench" {{ARGS}}

# The release build is what `cargo install --path cli` gives users; Cranelift
# at the dev profile's opt-level 1 compiles modules much more slowly, and
# that is most of a cold run. The first run builds wasmtime in release (minutes).
# Time `vdi-guard check` on COUNT generated manifests (cli/bench/generate.py): one cold run
# (empty compile cache: the modules are compiled) and three warm runs, wall time on all cores.
bench-cli COUNT="1000": build
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --quiet --locked --release -p vdi-guard
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    out="$target_dir/bench-cli"
    python3 cli/bench/generate.py "$out/manifests" {{COUNT}}
    export VDI_GUARD_CACHE="$out/cache"
    rm -rf "$VDI_GUARD_CACHE"
    TIMEFORMAT='%R s wall, %U s user, %S s sys'
    echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    for run in cold warm warm warm; do
        printf '%-5s ' "$run"
        { time "$target_dir/release/vdi-guard" check "$out/manifests" --output json > "$out/report.json" || [ $? -eq 1 ]; } 2>&1
    done
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["results"]), "results:", r["summary"])' "$out/report.json"

# wasm-bindgen-cli is pinned to exactly the wasm-bindgen crate version of web/Cargo.toml.
# Install what the browser build needs (idempotent): the wasm32-unknown-unknown target and wasm-bindgen-cli.
setup-web:
    #!/usr/bin/env bash
    set -euo pipefail
    rustup target list --installed | grep -qx {{web_target}} || rustup target add {{web_target}}
    want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' web/Cargo.toml)
    [ -n "$want" ] || { echo "web/Cargo.toml pins no wasm-bindgen version" >&2; exit 1; }
    have=$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2 || true)
    if [ "$have" != "$want" ]; then
        echo "installing wasm-bindgen-cli $want (found ${have:-none}); this builds for a few minutes"
        # --locked first; a registry that lacks one of its locked dependencies
        # gets the same CLI version resolved afresh.
        cargo install --quiet --locked --version "$want" wasm-bindgen-cli \
            || cargo install --quiet --version "$want" wasm-bindgen-cli
    fi

# Build the browser module (every policy, through wasm-bindgen) into web/pkg: the npm package the playground and the dashboard load.
web: setup-web
    #!/usr/bin/env bash
    set -euo pipefail
    # strip=false keeps the target_features section wasm-bindgen reads; it
    # drops the names and producers itself.
    cargo build --release --locked --target {{web_target}} -p web --config 'profile.release.strip=false'
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    out="$target_dir/{{web_target}}/release"
    # wapc-guest's __guest_call is exported from any cdylib linking it and
    # imports the waPC host, which a browser lacks: drop it so wasm-bindgen's
    # dead-code pass removes it and its imports.
    python3 web/tools/strip_exports.py "$out/web.wasm" "$out/web-browser.wasm" __guest_call
    wasm-bindgen --target web --out-dir web/pkg --out-name vdi_guard \
        --remove-name-section --remove-producers-section "$out/web-browser.wasm"
    for f in web/pkg/vdi_guard_bg.wasm web/pkg/vdi_guard.js; do
        printf '%-28s %8d bytes, %7d gzip\n' "$f" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
    done

# Build the browser module, then serve the playground on http://127.0.0.1:PORT (localhost only; Ctrl-C stops it).
playground PORT="8000": web
    node web/tools/serve.mjs --port {{PORT}}

# Parity: every suite case through web/pkg (Node) gets the verdict the module gets in the harness.
# Build the browser and policy modules, then run the verdict parity and the playground in headless Chromium.
test-web: web build
    # --workspace: the features `cargo test --workspace` built the harness with.
    VDI_WEB_PKG=web/pkg cargo test --locked --workspace --test parity
    node --test web/tests/api.test.mjs web/tests/browser.test.mjs

# Build the browser module, then measure its bundle size, instantiation + first evaluation and per-evaluation time (Node).
bench-web: web
    node web/tools/bench.mjs web/pkg

# No sanitizer: the fuzzed code has no unsafe, and a panic, OOM or timeout is what is caught.
# New inputs land in fuzz/corpus/<target>/: run `just fuzz-cmin` before committing it.
# -timeout is wall-clock, and under nice a starved unit can pass 10 s while
# the same input takes 0.5 s alone (libFuzzer then hangs in its handler), so
# the limit is 60 s and a timeout artifact is re-run alone before it counts.
# Fuzz TARGET (default: all; `just fuzz 300`: all for 300 s) for SECONDS each under nice, continuing from fuzz/corpus/; crashes land in fuzz/artifacts/.
fuzz TARGET="" SECONDS="60":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    cd fuzz
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
    targets="{{TARGET}}" seconds="{{SECONDS}}"
    if [[ "$targets" =~ ^[0-9]+$ ]]; then seconds=$targets; targets=""; fi
    nice -n 19 cargo +nightly fuzz build -O -s none
    [ -n "$targets" ] || targets=$(cargo +nightly fuzz list)
    mkdir -p logs
    failed=()
    for target in $targets; do
        log="logs/$target.log"
        mkdir -p "corpus/$target"
        if nice -n 19 cargo +nightly fuzz run -O -s none "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=65536 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
            echo "$target: ok, $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1), corpus $(ls "corpus/$target" | wc -l) files"
        else
            echo "$target: FAILED, see fuzz/$log"; failed+=("$target")
        fi
    done
    test "${#failed[@]}" -eq 0

# Hit counts and comparison operands are not kept, so the committed corpus stays small.
# Minimize fuzz/corpus/<TARGET>/ (default: all) to inputs that keep every edge the corpus reaches.
fuzz-cmin TARGET="":
    #!/usr/bin/env bash
    set -euo pipefail
    cd fuzz
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
    targets="{{TARGET}}"
    [ -n "$targets" ] || targets=$(ls corpus)
    for target in $targets; do
        before="$(ls "corpus/$target" | wc -l) files, $(du -sb "corpus/$target" | cut -f1) bytes"
        nice -n 19 cargo +nightly fuzz cmin -O -s none "$target" "corpus/$target" -- -use_counters=0 -use_cmp=0 -use_value_profile=0 -max_len=65536 -timeout=10 -rss_limit_mb=4096 >/dev/null 2>&1
        echo "$target: $before -> $(ls "corpus/$target" | wc -l) files, $(du -sb "corpus/$target" | cut -f1) bytes"
    done
