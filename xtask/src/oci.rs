//! `just push` / `just pull` / `just verify`: the modules as OCI artifacts
//! with the media types `kwctl push` uses, so `kwctl pull` and policy-server
//! fetch them, and their cosign signatures under the `.sig` tag cosign,
//! `kwctl verify` and policy-server's verification config read.
//! Loopback registries are spoken to over plain HTTP (local testing); every
//! other registry over HTTPS. Credentials come from `REGISTRY_USERNAME` /
//! `REGISTRY_PASSWORD` when set, else the pull or push is anonymous.

use std::collections::BTreeMap;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{
    OCI_IMAGE_MEDIA_TYPE, OciImageManifest, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use p256::ecdsa::{SigningKey, VerifyingKey};

use crate::{annotate, cosign};

/// The layer media type and annotation of a cosign signature.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";

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

/// A client for one registry plus the runtime its async calls run on.
struct Session {
    client: Client,
    auth: RegistryAuth,
    runtime: tokio::runtime::Runtime,
}

impl Session {
    fn new(reference: &Reference) -> Result<Session, String> {
        let registry = reference.resolve_registry().to_owned();
        let protocol = if is_loopback(&registry) {
            ClientProtocol::HttpsExcept(vec![registry])
        } else {
            ClientProtocol::Https
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        Ok(Session {
            client: Client::new(ClientConfig {
                protocol,
                ..Default::default()
            }),
            auth: auth(),
            runtime,
        })
    }

    /// The manifest and its digest, refusing anything but a Wasm module.
    fn wasm_manifest(&self, reference: &Reference) -> Result<(OciImageManifest, String), String> {
        let (manifest, digest) = self
            .runtime
            .block_on(self.client.pull_image_manifest(reference, &self.auth))
            .map_err(|e| format!("pull of {reference} failed: {}", chain(&e)))?;
        if manifest.config.media_type != WASM_CONFIG_MEDIA_TYPE {
            return Err(format!(
                "{reference} is not a Wasm module: config media type {}",
                manifest.config.media_type
            ));
        }
        Ok((manifest, digest))
    }

    /// The single Wasm layer of `manifest`. The blob is fetched by its
    /// digest, which the client checks against the bytes.
    fn module(
        &self,
        reference: &Reference,
        manifest: &OciImageManifest,
    ) -> Result<Vec<u8>, String> {
        let descriptor = match manifest.layers.as_slice() {
            [layer] if layer.media_type == WASM_LAYER_MEDIA_TYPE => layer,
            layers => {
                return Err(format!(
                    "{reference} has {} layers, expected one of type {WASM_LAYER_MEDIA_TYPE}",
                    layers.len()
                ));
            }
        };
        let mut module = Vec::new();
        self.runtime
            .block_on(self.client.pull_blob(reference, descriptor, &mut module))
            .map_err(|e| format!("pull of {reference} failed: {}", chain(&e)))?;
        Ok(module)
    }

    /// Checks that some signature stored for `digest` is `key`'s over a
    /// payload naming that digest.
    fn check_signed(
        &self,
        reference: &Reference,
        digest: &str,
        key: &VerifyingKey,
    ) -> Result<(), String> {
        let (target, layers) = self.signature_layers(reference, digest)?;
        if layers.is_empty() {
            return Err(format!(
                "{reference} ({digest}) is not signed: no cosign signature at {target}"
            ));
        }
        let mut refusals = Vec::new();
        for (i, layer) in layers.iter().enumerate() {
            let outcome = match signature_of(layer) {
                Some(signature) => cosign::verify(key, &layer.data, signature, digest),
                None => Err(format!("no {SIGNATURE_ANNOTATION} annotation")),
            };
            match outcome {
                Ok(()) => return Ok(()),
                Err(e) => refusals.push(format!("signature {i}: {e}")),
            }
        }
        Err(format!(
            "{reference} ({digest}) has no valid signature by this key at {target}: {}",
            refusals.join("; ")
        ))
    }

    /// The signature layers stored for `digest` (none yet is not an error).
    fn signature_layers(
        &self,
        reference: &Reference,
        digest: &str,
    ) -> Result<(Reference, Vec<ImageLayer>), String> {
        let target = signature_reference(reference, digest);
        match self.runtime.block_on(self.client.pull(
            &target,
            &self.auth,
            vec![SIMPLE_SIGNING_MEDIA_TYPE],
        )) {
            Ok(image) => Ok((target, image.layers)),
            Err(e) if is_not_found(&e) => Ok((target, Vec::new())),
            Err(e) => Err(format!(
                "reading the signatures at {target} failed: {}",
                chain(&e)
            )),
        }
    }
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

/// The error with its causes ("error sending request: ... Connection
/// refused"), because the top-level message alone rarely says what to fix.
fn chain(error: &OciDistributionError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn is_not_found(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown
            )
        }),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        _ => false,
    }
}

/// Where cosign keeps the signatures of a manifest: the same repository,
/// tag `sha256-<hex>.sig`.
pub fn signature_reference(reference: &Reference, digest: &str) -> Reference {
    Reference::with_tag(
        reference.registry().to_owned(),
        reference.repository().to_owned(),
        format!("{}.sig", digest.replacen(':', "-", 1)),
    )
}

/// `registry/repository`, the identity a cosign signature names.
fn repository_name(reference: &Reference) -> String {
    format!("{}/{}", reference.registry(), reference.repository())
}

/// Pushes an annotated module; returns the manifest digest.
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
    let session = Session::new(reference)?;
    session
        .runtime
        .block_on(
            session
                .client
                .push(reference, &layers, config, &session.auth, Some(manifest)),
        )
        .map_err(|e| format!("push to {reference} failed: {}", chain(&e)))?;
    session
        .runtime
        .block_on(
            session
                .client
                .fetch_manifest_digest(reference, &session.auth),
        )
        .map_err(|e| {
            format!(
                "reading back the digest of {reference} failed: {}",
                chain(&e)
            )
        })
}

/// Where a signature went and how many the signature image now holds.
pub struct Signed {
    pub target: Reference,
    pub signatures: usize,
}

/// Signs the manifest `digest` of `reference`'s repository the way `cosign
/// sign --key` does. Signatures already there from other keys (other
/// signers, CI keyless signatures) are kept; this key's earlier signature of
/// the same payload is replaced, so re-signing does not pile up layers.
pub fn sign(reference: &Reference, digest: &str, key: &SigningKey) -> Result<Signed, String> {
    let session = Session::new(reference)?;
    let (target, mut layers) = session.signature_layers(reference, digest)?;
    let payload = cosign::payload(&repository_name(reference), digest);
    let ours = |layer: &ImageLayer| {
        layer.data.as_ref() == payload.as_slice()
            && signature_of(layer)
                .is_some_and(|s| cosign::verify(key.verifying_key(), &payload, s, digest).is_ok())
    };
    layers.retain(|layer| !ours(layer));
    let signature = cosign::sign(key, &payload);
    layers.push(ImageLayer::new(
        payload,
        SIMPLE_SIGNING_MEDIA_TYPE.into(),
        Some(BTreeMap::from([(
            SIGNATURE_ANNOTATION.to_owned(),
            signature,
        )])),
    ));
    let config = Config::oci_v1(b"{}".to_vec(), None);
    let mut manifest = OciImageManifest::build(&layers, &config, None);
    manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_owned());
    session
        .runtime
        .block_on(
            session
                .client
                .push(&target, &layers, config, &session.auth, Some(manifest)),
        )
        .map_err(|e| format!("push of the signature to {target} failed: {}", chain(&e)))?;
    Ok(Signed {
        target,
        signatures: layers.len(),
    })
}

fn signature_of(layer: &ImageLayer) -> Option<&String> {
    layer
        .annotations
        .as_ref()
        .and_then(|a| a.get(SIGNATURE_ANNOTATION))
}

/// Checks that `key` signed the module `reference` names now; returns its
/// manifest digest. Use [`pull_verified`] to fetch a module: it downloads
/// the layer of the very manifest it verified, so a tag moved in between
/// cannot swap the module.
pub fn verify(reference: &Reference, key: &VerifyingKey) -> Result<String, String> {
    let session = Session::new(reference)?;
    let (_, digest) = session.wasm_manifest(reference)?;
    session.check_signed(reference, &digest, key)?;
    Ok(digest)
}

/// Pulls a module pushed as a Wasm artifact; returns its bytes, manifest
/// and manifest digest. A reference by digest must match that digest.
pub fn pull(reference: &Reference) -> Result<(Vec<u8>, OciImageManifest, String), String> {
    let session = Session::new(reference)?;
    let (manifest, digest) = session.wasm_manifest(reference)?;
    let module = session.module(reference, &manifest)?;
    Ok((module, manifest, digest))
}

/// [`pull`], refusing a module `key` did not sign.
pub fn pull_verified(
    reference: &Reference,
    key: &VerifyingKey,
) -> Result<(Vec<u8>, OciImageManifest, String), String> {
    let session = Session::new(reference)?;
    let (manifest, digest) = session.wasm_manifest(reference)?;
    session.check_signed(reference, &digest, key)?;
    let module = session.module(reference, &manifest)?;
    Ok((module, manifest, digest))
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
