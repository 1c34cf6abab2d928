//! Size regressions cannot land silently: every built policy module must fit
//! the budget of DESIGN.md (600 KB raw, 220 KB gzip). Run after `just build`.

use e2e::size::{GZIP_BUDGET, ModuleSize, RAW_BUDGET};

#[test]
fn every_policy_module_fits_the_size_budget() {
    let policies = e2e::policy_names().unwrap_or_else(|e| panic!("{e}"));
    assert!(!policies.is_empty(), "no policies found under policies/");
    let mut over = Vec::new();
    for policy in &policies {
        let path = e2e::dist_module(policy);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run `just build` first)", path.display()));
        let size = ModuleSize::of(&bytes);
        if !size.within_budget() {
            over.push(format!(
                "{policy}: {} bytes raw (budget {RAW_BUDGET}), {} bytes gzip (budget {GZIP_BUDGET})",
                size.raw, size.gzip
            ));
        }
    }
    assert!(over.is_empty(), "modules over budget:\n{}", over.join("\n"));
}

#[test]
fn the_budget_check_rejects_an_oversized_module() {
    // Incompressible bytes just over the raw budget.
    let mut state: u32 = 0x9e37_79b9;
    let bytes: Vec<u8> = (0..=RAW_BUDGET)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    let size = ModuleSize::of(&bytes);
    assert!(size.raw > RAW_BUDGET);
    assert!(size.gzip > GZIP_BUDGET);
    assert!(!size.within_budget());
    assert!(ModuleSize::of(&bytes[..1000]).within_budget());
}
