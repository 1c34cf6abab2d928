//! The module size budget (DESIGN.md "Targets"), shared by the size test
//! and `vdi-bench`.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

/// Largest raw module allowed, in bytes (600 KB).
pub const RAW_BUDGET: usize = 600_000;
/// Largest gzip-compressed module allowed, in bytes (220 KB).
pub const GZIP_BUDGET: usize = 220_000;

/// A module's size as shipped and as transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleSize {
    pub raw: usize,
    pub gzip: usize,
}

impl ModuleSize {
    /// Measures `bytes`, compressed at gzip's default level (what
    /// `gzip` and most registries use; `-9` saves a few percent more).
    pub fn of(bytes: &[u8]) -> ModuleSize {
        ModuleSize {
            raw: bytes.len(),
            gzip: gzip_len(bytes),
        }
    }

    pub fn within_budget(&self) -> bool {
        self.raw <= RAW_BUDGET && self.gzip <= GZIP_BUDGET
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    match encoder.write_all(bytes).and_then(|()| encoder.finish()) {
        Ok(compressed) => compressed.len(),
        Err(_) => usize::MAX,
    }
}
