//! `vdi-guard`: the vdi-guard policies offline, for pre-commit hooks and
//! CI. The release modules are built in; they run in the same runtime the
//! e2e tests use, which keeps policy-server's semantics.
//!
//! Exit codes: 0 everything admitted, 1 something rejected (or a suite case
//! failed), 2 bad input or usage.

mod check;
mod input;
mod modules;
mod report;
mod request;
mod schema;
mod suites;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "vdi-guard",
    version,
    about = "Check Kubernetes manifests against the vdi-guard admission policies, offline",
    after_help = "Exit codes: 0 all admitted, 1 something rejected, 2 bad input or usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate manifests (files, directories, `-` for stdin) against every policy whose rules match them.
    Check(CheckArgs),
    /// Run suites (the e2e suite format) against the modules.
    Test(TestArgs),
    /// Write the AdmissionReview a manifest becomes, for `kwctl run --request-path`.
    Request(RequestArgs),
    /// List the policies, their versions and the kinds they handle.
    Policies(ModuleArgs),
}

/// Where the modules come from.
#[derive(Args, Clone)]
struct ModuleArgs {
    /// A directory of `.wasm` modules, one module file, or `registry://host/repo:tag`
    /// (repeatable); replaces the built-in modules. Modules must carry their
    /// Kubewarden metadata (`kwctl annotate`, `just build`).
    #[arg(long = "modules", value_name = "DIR|FILE|REF")]
    sources: Vec<String>,
    /// Verify `registry://` modules against this cosign public key before use.
    #[arg(long, value_name = "cosign.pub")]
    key: Option<PathBuf>,
    /// Only these policies (repeatable; default: all).
    #[arg(long = "policy", value_name = "NAME")]
    policies: Vec<String>,
}

/// Who sends the request and how.
#[derive(Args, Clone)]
struct RequestOptions {
    /// The requesting user, as the API server authenticated them.
    #[arg(long, default_value = "kubernetes-admin")]
    user: String,
    /// The user's groups (repeatable; default: system:authenticated).
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// CREATE, UPDATE or DELETE (CONNECT with `request --sub-resource`).
    #[arg(long, default_value = "CREATE", value_parser = ["CREATE", "UPDATE", "DELETE", "CONNECT"])]
    operation: String,
    /// The stored objects for UPDATE (matched by apiVersion, kind, namespace and name).
    #[arg(long, value_name = "FILE")]
    old: Option<PathBuf>,
    /// Cluster objects the policies may look up (repeatable), as a replay of the API server.
    #[arg(long, value_name = "FILE")]
    context: Vec<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    /// Files, directories (YAML and JSON, recursively) or `-` for stdin.
    #[arg(value_name = "PATH|-", default_value = "-")]
    paths: Vec<String>,
    /// Settings: a directory of `<policy>.yaml` files, a file of Kubewarden
    /// policy manifests or of `<policy>: settings` entries, or `POLICY=FILE`
    /// (repeatable; default: each policy's example settings).
    #[arg(long, value_name = "DIR|FILE|POLICY=FILE")]
    settings: Vec<String>,
    #[command(flatten)]
    modules: ModuleArgs,
    #[command(flatten)]
    request: RequestOptions,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    output: Format,
}

#[derive(Args)]
struct TestArgs {
    /// Suite files or directories of them.
    #[arg(value_name = "DIR", required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    modules: ModuleArgs,
    #[arg(long, value_enum, default_value_t = SuiteFormat::Table)]
    output: SuiteFormat,
}

#[derive(Args)]
struct RequestArgs {
    /// The manifest (one document; `-` for stdin).
    #[arg(value_name = "FILE|-")]
    path: String,
    #[command(flatten)]
    request: RequestOptions,
    /// The subresource (`exec`, `attach`, `portforward`, `ephemeralcontainers`, `status`, ...).
    #[arg(long, value_name = "NAME")]
    sub_resource: Option<String>,
    /// Also run the request through the policies that route it and write the
    /// lookups they make, answered from `--context`, as a kwctl replay file.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Settings for the policies run for `--replay` (as for `check`).
    #[arg(long, value_name = "DIR|FILE|POLICY=FILE")]
    settings: Vec<String>,
    #[command(flatten)]
    modules: ModuleArgs,
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Table,
    Json,
    Junit,
    Sarif,
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
enum SuiteFormat {
    Table,
    Junit,
}

/// How a run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Admitted = 0,
    Rejected = 1,
    BadInput = 2,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Test(args) => suites::run(args),
        Command::Request(args) => request::run(args),
        Command::Policies(args) => modules::list(&args),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            eprintln!("vdi-guard: {e}");
            ExitCode::from(Status::BadInput as u8)
        }
    }
}
