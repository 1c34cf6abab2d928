//! Embeds every policy's release module (annotated with its metadata, as
//! `just build` writes it) and its example settings into the binary, so
//! `cargo install --path cli` gives a `vdi-guard` that needs no other file.
//!
//! The modules come from `$VDI_GUARD_MODULES/<policy>.wasm` when that is set
//! (the justfile points it at `dist/`, which `just build` has just written,
//! so the policies are not compiled twice); otherwise this script compiles
//! them itself for `wasm32-wasip1` with the workspace's release profile, in
//! a target directory of its own (the outer build holds the lock on the
//! usual one).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM_TARGET: &str = "wasm32-wasip1";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let root = manifest_dir
        .parent()
        .ok_or("the cli crate has no parent directory")?
        .to_path_buf();
    let out_dir = PathBuf::from(env("OUT_DIR")?);
    let names = xtask::policy::Policy::names(&root)?;
    println!("cargo:rerun-if-env-changed=VDI_GUARD_MODULES");
    let modules = match std::env::var_os("VDI_GUARD_MODULES").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => compile(&root, &out_dir, &names)?,
    };
    let mut source = String::from("&[\n");
    for name in &names {
        let policy = xtask::policy::Policy::load(&root, name)?;
        let module_path = modules.join(format!("{name}.wasm"));
        println!("cargo:rerun-if-changed={}", module_path.display());
        for file in ["metadata.yml", "README.md", "settings.yaml", "Cargo.toml"] {
            println!(
                "cargo:rerun-if-changed={}",
                root.join("policies").join(name).join(file).display()
            );
        }
        let module = std::fs::read(&module_path).map_err(|e| {
            format!(
                "{}: {e} (VDI_GUARD_MODULES names a directory of built modules; run `just build`, or unset it to compile them here)",
                module_path.display()
            )
        })?;
        let annotated = policy.annotate(&module)?;
        let embedded = out_dir.join(format!("{name}.wasm"));
        std::fs::write(&embedded, annotated).map_err(|e| format!("{}: {e}", embedded.display()))?;
        let settings = root.join("policies").join(name).join("settings.yaml");
        writeln!(
            source,
            "    Builtin {{ name: {name:?}, module: include_bytes!({:?}), settings: include_str!({:?}) }},",
            embedded.display().to_string(),
            settings.display().to_string(),
        )
        .map_err(|e| e.to_string())?;
    }
    source.push_str("]\n");
    let generated = out_dir.join("builtin.rs");
    std::fs::write(&generated, source).map_err(|e| format!("{}: {e}", generated.display()))
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("cargo did not set {name}"))
}

/// Builds the policies for Wasm and returns the directory of the modules.
fn compile(root: &Path, out_dir: &Path, names: &[String]) -> Result<PathBuf, String> {
    for dir in ["policies", "shared"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    ensure_target()?;
    let target_dir = out_dir.join("wasm-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .args(["--release", "--locked", "--target", WASM_TARGET])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    for name in names {
        command.args(["-p", name]);
    }
    // The outer build's flags are for the host; the Wasm build takes the
    // workspace's own profile and nothing else.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .map_err(|e| format!("running cargo for the policy modules: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the policy modules for {WASM_TARGET} failed ({status})"
        ));
    }
    let release = target_dir.join(WASM_TARGET).join("release");
    let modules = out_dir.join("modules");
    std::fs::create_dir_all(&modules).map_err(|e| format!("{}: {e}", modules.display()))?;
    for name in names {
        let built = release.join(format!("{}.wasm", name.replace('-', "_")));
        let copy = modules.join(format!("{name}.wasm"));
        std::fs::copy(&built, &copy).map_err(|e| format!("{}: {e}", built.display()))?;
    }
    Ok(modules)
}

/// The Wasm target's standard library, installed through rustup when it
/// is missing (as `just setup` does).
fn ensure_target() -> Result<(), String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("{rustc} --print sysroot: {e}"))?;
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .is_dir()
    {
        return Ok(());
    }
    println!("cargo:warning=installing the {WASM_TARGET} target with rustup");
    let added = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .status()
        .is_ok_and(|s| s.success());
    if added {
        Ok(())
    } else {
        Err(format!(
            "the {WASM_TARGET} target is not installed and `rustup target add {WASM_TARGET}` failed; install it, then build again"
        ))
    }
}
