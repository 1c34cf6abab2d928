//! `just push` / `just pull`: the modules as OCI artifacts with the media
//! types `kwctl push` uses, so `kwctl pull` and policy-server fetch them.
//! Loopback registries are spoken to over plain HTTP (local testing); every
//! other registry over HTTPS. Credentials come from `REGISTRY_USERNAME` /
//! `REGISTRY_PASSWORD` when set, else the pull or push is anonymous.

use std::collections::BTreeMap;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OciImageManifest, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::annotate;

pub fn parse_reference(reference: &str) -> Result<Reference, String> {
    let trimmed = reference.strip_prefix("registry://").unwrap_or(reference);
    trimmed.parse().map_err(|e| {
        format!("{reference:?} is not an OCI reference (registry/repository:tag): {e}")
    })
}

fn is_loopback(registry: &str) -> bool {
    let host = registry.rsplit_once(':').map_or(registry, |(host, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            host
        } else {
            registry
        }
    });
    matches!(host, "localhost" | "[::1]")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn client(reference: &Reference) -> Client {
    let registry = reference.resolve_registry().to_owned();
    let protocol = if is_loopback(&registry) {
        ClientProtocol::HttpsExcept(vec![registry])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        ..Default::default()
    })
}

fn auth() -> RegistryAuth {
    match (
        std::env::var("REGISTRY_USERNAME"),
        std::env::var("REGISTRY_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) => RegistryAuth::Basic(user, password),
        _ => RegistryAuth::Anonymous,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Pushes an annotated module; returns the manifest URL.
pub fn push(
    module: &[u8],
    reference: &Reference,
    annotations: BTreeMap<String, String>,
) -> Result<String, String> {
    annotate::read(module).map_err(|e| format!("refusing to push: {e}"))?;
    let layers = vec![ImageLayer::new(
        module.to_vec(),
        WASM_LAYER_MEDIA_TYPE.into(),
        None,
    )];
    let config = Config::new(b"{}".to_vec(), WASM_CONFIG_MEDIA_TYPE.into(), None);
    let manifest = OciImageManifest::build(&layers, &config, Some(annotations));
    let client = client(reference);
    runtime()?
        .block_on(client.push(reference, &layers, config, &auth(), Some(manifest)))
        .map(|response| response.manifest_url)
        .map_err(|e| format!("push to {reference} failed: {e}"))
}

/// Pulls a module pushed as a Wasm artifact; returns its bytes and manifest.
pub fn pull(reference: &Reference) -> Result<(Vec<u8>, OciImageManifest), String> {
    let client = client(reference);
    let rt = runtime()?;
    let auth = auth();
    let (manifest, _digest) = rt
        .block_on(client.pull_image_manifest(reference, &auth))
        .map_err(|e| format!("pull of {reference} failed: {e}"))?;
    if manifest.config.media_type != WASM_CONFIG_MEDIA_TYPE {
        return Err(format!(
            "{reference} is not a Wasm module: config media type {}",
            manifest.config.media_type
        ));
    }
    let image = rt
        .block_on(client.pull(reference, &auth, vec![WASM_LAYER_MEDIA_TYPE]))
        .map_err(|e| format!("pull of {reference} failed: {e}"))?;
    match image.layers.as_slice() {
        [layer] => Ok((layer.data.to_vec(), manifest)),
        layers => Err(format!(
            "{reference} has {} Wasm layers, expected one",
            layers.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("localhost:5000", true)]
    #[case("127.0.0.1:41234", true)]
    #[case("[::1]:5000", true)]
    #[case("localhost", true)]
    #[case("ghcr.io", false)]
    #[case("127.example.com", false)]
    #[case("localhost.evil.com:5000", false)]
    fn loopback_registries_use_http(#[case] registry: &str, #[case] expected: bool) {
        assert_eq!(is_loopback(registry), expected);
    }

    #[rstest]
    #[case(
        "registry://ghcr.io/vdi-guard/vdi-guard/gpu-limits:v0.1.0",
        "ghcr.io",
        "vdi-guard/vdi-guard/gpu-limits"
    )]
    #[case(
        "127.0.0.1:5000/vdi/gpu-limits:v0.1.0",
        "127.0.0.1:5000",
        "vdi/gpu-limits"
    )]
    fn references_parse(#[case] input: &str, #[case] registry: &str, #[case] repository: &str) {
        let reference = parse_reference(input).unwrap();
        assert_eq!(
            (reference.registry(), reference.repository()),
            (registry, repository)
        );
    }

    #[test]
    fn bad_reference_is_an_error() {
        assert!(
            parse_reference("UPPER CASE/x:y")
                .unwrap_err()
                .contains("not an OCI reference")
        );
    }

    #[test]
    fn unannotated_module_is_not_pushed() {
        let reference = parse_reference("127.0.0.1:1/x:v1").unwrap();
        let err = push(b"\0asm\x01\0\0\0", &reference, BTreeMap::new()).unwrap_err();
        assert!(err.contains("refusing to push"), "{err}");
    }
}
