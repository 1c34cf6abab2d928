//! Compiled modules kept on disk between runs.
//!
//! Compiling a module with Cranelift is most of a short CLI run's time;
//! wasmtime can serialize a compiled module and map it back in, which is
//! what policy-server's own `--cache-dir` does. The key is the SHA-256 of
//! the module bytes, so a rebuilt or different module never meets a stale
//! entry; wasmtime itself refuses an artifact from another engine
//! configuration or release, and such an entry is compiled afresh and
//! replaced.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime_provider::wasmtime;

/// A directory of compiled modules.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    pub fn new(dir: PathBuf) -> CompileCache {
        CompileCache { dir }
    }

    /// `$VDI_GUARD_CACHE`, else `$XDG_CACHE_HOME/vdi-guard`, else
    /// `~/.cache/vdi-guard`; `None` when none can be named.
    pub fn user_default() -> Option<CompileCache> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = var("VDI_GUARD_CACHE")
            .map(PathBuf::from)
            .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("vdi-guard")))
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache").join("vdi-guard")))?;
        Some(CompileCache::new(dir))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry(&self, bytes: &[u8]) -> PathBuf {
        let digest = Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join("compiled").join(format!("{hex}.cwasm"))
    }

    /// The compiled module for `bytes`: from the cache when an entry this
    /// engine accepts is there, else compiled and stored. A cache that
    /// cannot be written only costs the next run a compilation.
    pub fn module(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> Result<wasmtime::Module, String> {
        let entry = self.entry(bytes);
        if entry.is_file() {
            // SAFETY: `deserialize_file` maps native code from the file. The
            // entry is one this process or an earlier run of it wrote into
            // the user's own cache directory, named by the hash of the module
            // it was compiled from; wasmtime checks the header and engine
            // compatibility and rejects anything else, which is then
            // recompiled below.
            if let Ok(module) = unsafe { wasmtime::Module::deserialize_file(engine, &entry) } {
                return Ok(module);
            }
        }
        let module = wasmtime::Module::new(engine, bytes).map_err(|e| format!("compile: {e}"))?;
        if let Ok(serialized) = module.serialize() {
            store(&entry, &serialized);
        }
        Ok(module)
    }
}

/// Writes through a temporary file and a rename, so a concurrent run never
/// maps a half-written entry.
fn store(entry: &Path, bytes: &[u8]) {
    let Some(parent) = entry.parent() else {
        return;
    };
    if std::fs::create_dir_all(parent).is_err() {
        return;
    }
    let temporary = entry.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, entry).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest valid module: magic and version.
    const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

    #[test]
    fn a_compiled_module_is_stored_and_a_corrupt_entry_is_replaced() {
        let dir = std::env::temp_dir().join(format!("vdi-cache-test-{}", std::process::id()));
        let cache = CompileCache::new(dir.clone());
        let engine = wasmtime::Engine::default();
        cache.module(&engine, EMPTY_MODULE).unwrap();
        let entry = cache.entry(EMPTY_MODULE);
        let stored = std::fs::read(&entry).unwrap();
        assert!(!stored.is_empty());
        cache.module(&engine, EMPTY_MODULE).unwrap();
        std::fs::write(&entry, b"not a compiled module").unwrap();
        cache.module(&engine, EMPTY_MODULE).unwrap();
        assert_eq!(std::fs::read(&entry).unwrap(), stored);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn invalid_bytes_are_an_error_and_leave_no_entry() {
        let dir = std::env::temp_dir().join(format!("vdi-cache-bad-{}", std::process::id()));
        let cache = CompileCache::new(dir.clone());
        let err = cache
            .module(&wasmtime::Engine::default(), b"not wasm")
            .unwrap_err();
        assert!(err.starts_with("compile:"), "{err}");
        assert!(!cache.entry(b"not wasm").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}
