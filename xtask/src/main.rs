//! `cargo run -p xtask -- <task>`; see the justfile for the recipes.

use std::path::Path;
use std::process::ExitCode;

use xtask::{policy::Policy, workspace_root};

const USAGE: &str = "\
usage: xtask annotate [POLICY...]     embed metadata.yml + README into dist/<policy>.wasm
       xtask package                  regenerate deploy/ manifests and artifacthub/ packages
with --features oci:
       xtask push REGISTRY [--key cosign.key]
                                      push dist/<policy>.wasm to REGISTRY/<policy>:v<version>,
                                      and sign each with the cosign key when given
       xtask pull REF [FILE] [--key cosign.pub]
                                      pull a module (default FILE: <name>.wasm), verifying its
                                      signature first when a public key is given
       xtask verify REF [--key cosign.pub]
                                      check REF carries a valid cosign signature by the key
       xtask keygen [DIR]             write a cosign key pair DIR/cosign.key + DIR/cosign.pub
                                      (password: COSIGN_PASSWORD)";

fn annotate_dist(root: &Path, names: &[&str]) -> Result<(), String> {
    let policies = if names.is_empty() {
        Policy::load_all(root)?
    } else {
        names
            .iter()
            .map(|name| Policy::load(root, name))
            .collect::<Result<_, _>>()?
    };
    for policy in policies {
        let path = root.join("dist").join(format!("{}.wasm", policy.name));
        let module = std::fs::read(&path)
            .map_err(|e| format!("{}: {e}; run `just build`", path.display()))?;
        let annotated = policy
            .annotate(&module)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, &annotated).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("annotated {} ({} bytes)", path.display(), annotated.len());
    }
    Ok(())
}

/// Today's date in UTC as `YYYY-MM-DD` (the civil-from-days algorithm of
/// Howard Hinnant's date library, for the proleptic Gregorian calendar).
fn today() -> Result<String, String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Ok(format!("{year:04}-{month:02}-{day:02}"))
}

fn package(root: &Path) -> Result<(), String> {
    xtask::artifacthub::date_new_versions(root, &Policy::load_all(root)?, &today()?)?;
    for (relative, content) in xtask::package_files(root)? {
        let path = root.join(&relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", relative.display());
    }
    Ok(())
}

/// Registry tasks: `push`, `pull`, `verify`, `keygen`.
#[cfg(feature = "oci")]
mod registry {
    use std::path::Path;

    use xtask::policy::Policy;
    use xtask::{cosign, metadata, oci};

    /// cosign's variable: the password of the sealed private key.
    fn password() -> Result<String, String> {
        std::env::var("COSIGN_PASSWORD").map_err(|_| {
            "set COSIGN_PASSWORD to the private key's password (empty for none), as for cosign"
                .to_owned()
        })
    }

    fn read(path: &str) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
    }

    pub fn push(root: &Path, registry: &str, key: Option<&str>) -> Result<(), String> {
        let signing_key = match key {
            Some(path) => Some(
                cosign::signing_key(&read(path)?, password()?.as_bytes())
                    .map_err(|e| format!("{path}: {e}"))?,
            ),
            None => None,
        };
        for policy in Policy::load_all(root)? {
            let path = root.join("dist").join(format!("{}.wasm", policy.name));
            let module = std::fs::read(&path)
                .map_err(|e| format!("{}: {e}; run `just build`", path.display()))?;
            let reference = oci::parse_reference(&format!(
                "{}/{}:v{}",
                registry.trim_end_matches('/'),
                policy.name,
                policy.version
            ))?;
            let annotations = [
                ("org.opencontainers.image.title", policy.name.clone()),
                ("org.opencontainers.image.version", policy.version.clone()),
                (
                    "org.opencontainers.image.source",
                    xtask::HOME_URL.to_owned(),
                ),
                (
                    "org.opencontainers.image.description",
                    policy.metadata.annotation(metadata::DESCRIPTION).to_owned(),
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            let digest = oci::push(&module, &reference, annotations)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("pushed {} -> {reference}@{digest}", path.display());
            if let Some(signing_key) = &signing_key {
                let signed = oci::sign(&reference, &digest, signing_key)?;
                println!(
                    "signed {reference}@{digest} -> {} (signatures there now: {})",
                    signed.target, signed.signatures
                );
            }
        }
        Ok(())
    }

    pub fn pull(reference: &str, out: Option<&str>, key: Option<&str>) -> Result<(), String> {
        let parsed = oci::parse_reference(reference)?;
        let (module, _manifest, digest) = match key {
            Some(path) => {
                let key =
                    cosign::verifying_key(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
                oci::pull_verified(&parsed, &key)?
            }
            None => oci::pull(&parsed)?,
        };
        let name = parsed.repository().rsplit('/').next().unwrap_or("module");
        let out = out.map_or_else(|| format!("{name}.wasm"), str::to_owned);
        std::fs::write(&out, &module).map_err(|e| format!("{out}: {e}"))?;
        let verified = if key.is_some() {
            ", signature verified"
        } else {
            ""
        };
        println!(
            "pulled {parsed}@{digest} -> {out} ({} bytes{verified})",
            module.len()
        );
        Ok(())
    }

    pub fn verify(reference: &str, key: &str) -> Result<(), String> {
        let parsed = oci::parse_reference(reference)?;
        let public = cosign::verifying_key(&read(key)?).map_err(|e| format!("{key}: {e}"))?;
        let digest = oci::verify(&parsed, &public)?;
        println!("verified {parsed}@{digest} with {key}");
        Ok(())
    }

    pub fn keygen(dir: &str) -> Result<(), String> {
        let private = Path::new(dir).join("cosign.key");
        let public = Path::new(dir).join("cosign.pub");
        for path in [&private, &public] {
            if path.exists() {
                return Err(format!("{} exists; not overwriting a key", path.display()));
            }
        }
        let (private_pem, public_pem) = cosign::generate(password()?.as_bytes())?;
        std::fs::write(&private, private_pem).map_err(|e| format!("{}: {e}", private.display()))?;
        std::fs::write(&public, public_pem).map_err(|e| format!("{}: {e}", public.display()))?;
        println!("wrote {} and {}", private.display(), public.display());
        Ok(())
    }
}

/// Without the `oci` feature every registry task explains how to get it.
#[cfg(not(feature = "oci"))]
mod registry {
    use std::path::Path;

    const HINT: &str = "built without the OCI client; use the just recipe (`just push`, `just pull`, \
                        `just verify`, `just keygen`) or `cargo run -p xtask --features oci -- ...`";

    pub fn push(_: &Path, _: &str, _: Option<&str>) -> Result<(), String> {
        Err(HINT.into())
    }

    pub fn pull(_: &str, _: Option<&str>, _: Option<&str>) -> Result<(), String> {
        Err(HINT.into())
    }

    pub fn verify(_: &str, _: &str) -> Result<(), String> {
        Err(HINT.into())
    }

    pub fn keygen(_: &str) -> Result<(), String> {
        Err(HINT.into())
    }
}

/// Splits `--key VALUE` off the positional arguments.
fn key_option<'a>(args: &[&'a str]) -> Result<(Vec<&'a str>, Option<&'a str>), String> {
    let mut positional = Vec::new();
    let mut key = None;
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        if arg == "--key" {
            key = Some(*rest.next().ok_or("--key needs a file")?);
        } else {
            positional.push(arg);
        }
    }
    Ok((positional, key))
}

fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let (positional, key) = key_option(args)?;
    match (positional.as_slice(), key) {
        (["annotate", names @ ..], None) => annotate_dist(root, names),
        (["package"], None) => package(root),
        (["push", registry], key) => registry::push(root, registry, key),
        (["pull", reference], key) => registry::pull(reference, None, key),
        (["pull", reference, out], key) => registry::pull(reference, Some(out), key),
        (["verify", reference], key) => registry::verify(reference, key.unwrap_or("cosign.pub")),
        (["keygen"], None) => registry::keygen("."),
        (["keygen", dir], None) => registry::keygen(dir),
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let root = workspace_root();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&root, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
