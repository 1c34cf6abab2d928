//! Cosign-compatible keys and signatures, so the trusted-registry idea
//! applies to the policies themselves: a cluster can refuse a module that the
//! release key did not sign.
//!
//! The formats are cosign's, so either tool can sign and either can verify:
//! - keys are ECDSA P-256; the public key is PKIX PEM (`cosign.pub`), the
//!   private key is PKCS#8 sealed with scrypt + NaCl secretbox under the PEM
//!   label `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign: `ENCRYPTED COSIGN
//!   PRIVATE KEY`), the password read from `COSIGN_PASSWORD` like cosign does;
//! - a signature is ECDSA-SHA256 (ASN.1 DER, base64) over cosign's "simple
//!   signing" JSON payload, which names the signed manifest digest. The
//!   registry side (the `.sig` tag) is in [`crate::oci`].

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::der::pem;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use xsalsa20poly1305::aead::Aead;
use xsalsa20poly1305::{Key, KeyInit, Nonce, XSalsa20Poly1305};

/// The PEM label cosign writes today; the older one is still read.
pub const ENCRYPTED_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
const LEGACY_ENCRYPTED_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// The `critical.type` every cosign container signature carries.
const SIGNATURE_TYPE: &str = "cosign container image signature";

/// scrypt parameters: cosign seals keys with N = 2^16 (older releases 2^15),
/// r = 8, p = 1. Others are refused: an attacker-supplied N could make
/// loading a key take minutes and gigabytes.
const SCRYPT_LOG_N: u8 = 16;
const ACCEPTED_LOG_N: [u8; 2] = [15, 16];
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// A fresh key pair: (sealed private key PEM, public key PEM).
pub fn generate(password: &[u8]) -> Result<(String, String), String> {
    let key = SigningKey::random(&mut OsRng);
    let der = key
        .to_pkcs8_der()
        .map_err(|e| format!("cannot encode the private key: {e}"))?;
    let sealed = seal(der.as_bytes(), password)?;
    let private = pem::encode_string(ENCRYPTED_KEY_LABEL, LineEnding::LF, &sealed)
        .map_err(|e| format!("cannot encode the private key: {e}"))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the public key: {e}"))?;
    Ok((private, public))
}

/// Reads a private key as cosign writes it (sealed), or an unencrypted
/// PKCS#8 `PRIVATE KEY`.
pub fn signing_key(pem_text: &str, password: &[u8]) -> Result<SigningKey, String> {
    let (label, body) = pem::decode_vec(pem_text.as_bytes())
        .map_err(|e| format!("the private key is not PEM: {e}"))?;
    let der = match label {
        ENCRYPTED_KEY_LABEL | LEGACY_ENCRYPTED_KEY_LABEL => open(&body, password)?,
        "PRIVATE KEY" => body,
        other => {
            return Err(format!(
                "the private key has the PEM label {other:?}; expected {ENCRYPTED_KEY_LABEL:?} \
                 (`cosign generate-key-pair`, `just keygen`) or \"PRIVATE KEY\" (PKCS#8)"
            ));
        }
    };
    SigningKey::from_pkcs8_der(&der)
        .map_err(|e| format!("the private key is not an ECDSA P-256 PKCS#8 key: {e}"))
}

/// Reads a PKIX `PUBLIC KEY` PEM such as `cosign.pub`.
pub fn verifying_key(pem_text: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_pem(pem_text.trim()).map_err(|e| {
        format!("the public key is not an ECDSA P-256 PUBLIC KEY PEM (like cosign.pub): {e}")
    })
}

/// The sealed-key document inside the PEM (go-tuf's `encrypted` format).
#[derive(Serialize, Deserialize)]
struct Sealed {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn secretbox_key(password: &[u8], salt: &[u8], log_n: u8) -> Result<[u8; KEY_LEN], String> {
    let params = scrypt::Params::new(log_n, SCRYPT_R, SCRYPT_P, KEY_LEN)
        .map_err(|e| format!("scrypt parameters: {e}"))?;
    let mut key = [0u8; KEY_LEN];
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|e| format!("scrypt: {e}"))?;
    Ok(key)
}

fn seal(plaintext: &[u8], password: &[u8]) -> Result<Vec<u8>, String> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let key = secretbox_key(password, &salt, SCRYPT_LOG_N)?;
    let ciphertext = XSalsa20Poly1305::new(Key::from_slice(&key))
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| "cannot seal the private key".to_owned())?;
    let sealed = Sealed {
        kdf: Kdf {
            name: "scrypt".into(),
            params: ScryptParams {
                n: 1 << SCRYPT_LOG_N,
                r: SCRYPT_R,
                p: SCRYPT_P,
            },
            salt: BASE64.encode(salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".into(),
            nonce: BASE64.encode(nonce),
        },
        ciphertext: BASE64.encode(ciphertext),
    };
    serde_json::to_vec(&sealed).map_err(|e| e.to_string())
}

fn open(document: &[u8], password: &[u8]) -> Result<Vec<u8>, String> {
    let sealed: Sealed = serde_json::from_slice(document)
        .map_err(|e| format!("the sealed private key is not cosign's format: {e}"))?;
    if sealed.kdf.name != "scrypt" || sealed.cipher.name != "nacl/secretbox" {
        return Err(format!(
            "the private key is sealed with {} + {}; only scrypt + nacl/secretbox (cosign) is supported",
            sealed.kdf.name, sealed.cipher.name
        ));
    }
    let ScryptParams { n, r, p } = sealed.kdf.params;
    let log_n = ACCEPTED_LOG_N
        .into_iter()
        .find(|&log_n| n == 1 << log_n)
        .filter(|_| (r, p) == (SCRYPT_R, SCRYPT_P))
        .ok_or_else(|| {
            format!(
                "the private key uses scrypt N={n} r={r} p={p}; only cosign's N=65536 or 32768, r=8, p=1 are accepted"
            )
        })?;
    let decode = |what: &str, text: &str| {
        BASE64
            .decode(text)
            .map_err(|e| format!("the sealed private key's {what} is not base64: {e}"))
    };
    let salt = decode("salt", &sealed.kdf.salt)?;
    let nonce = decode("nonce", &sealed.cipher.nonce)?;
    let ciphertext = decode("ciphertext", &sealed.ciphertext)?;
    if nonce.len() != NONCE_LEN {
        return Err(format!(
            "the sealed private key's nonce has {} bytes, expected {NONCE_LEN}",
            nonce.len()
        ));
    }
    let key = secretbox_key(password, &salt, log_n)?;
    XSalsa20Poly1305::new(Key::from_slice(&key))
        .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
        .map_err(|_| {
            "wrong password for the private key (COSIGN_PASSWORD), or the key file is damaged"
                .to_owned()
        })
}

/// cosign's simple-signing payload: what a signature is about.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Payload {
    pub critical: Critical,
    pub optional: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Critical {
    pub identity: Identity,
    pub image: Image,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Identity {
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Image {
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

/// The payload for the manifest `digest` of `repository` (registry/path).
pub fn payload(repository: &str, digest: &str) -> Vec<u8> {
    let payload = Payload {
        critical: Critical {
            identity: Identity {
                docker_reference: repository.to_owned(),
            },
            image: Image {
                docker_manifest_digest: digest.to_owned(),
            },
            kind: SIGNATURE_TYPE.to_owned(),
        },
        optional: None,
    };
    serde_json::to_vec(&payload).expect("a struct of strings always serializes")
}

/// The base64 ECDSA-SHA256 DER signature over `payload`, as cosign stores it.
pub fn sign(key: &SigningKey, payload: &[u8]) -> String {
    let signature: Signature = key.sign(payload);
    BASE64.encode(signature.to_der().as_bytes())
}

/// Checks that `signature` is `key`'s over `payload` and that the payload is
/// a cosign signature of the manifest `digest`.
pub fn verify(
    key: &VerifyingKey,
    payload: &[u8],
    signature: &str,
    digest: &str,
) -> Result<(), String> {
    let der = BASE64
        .decode(signature.trim())
        .map_err(|e| format!("the signature is not base64: {e}"))?;
    let signature =
        Signature::from_der(&der).map_err(|e| format!("the signature is not ECDSA DER: {e}"))?;
    key.verify(payload, &signature)
        .map_err(|_| "the signature does not match the public key".to_owned())?;
    let signed: Payload = serde_json::from_slice(payload)
        .map_err(|e| format!("the signed payload is not cosign's simple-signing JSON: {e}"))?;
    if signed.critical.kind != SIGNATURE_TYPE {
        return Err(format!(
            "the signed payload has type {:?}, not {SIGNATURE_TYPE:?}",
            signed.critical.kind
        ));
    }
    if signed.critical.image.docker_manifest_digest != digest {
        return Err(format!(
            "the signature is for {}, not for {digest}",
            signed.critical.image.docker_manifest_digest
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

    #[test]
    fn generated_keys_sign_and_verify() {
        let (private, public) = generate(b"hunter2").unwrap();
        assert!(private.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let key = signing_key(&private, b"hunter2").unwrap();
        let payload = payload("127.0.0.1:5000/vdi/gpu-limits", DIGEST);
        let signature = sign(&key, &payload);
        verify(
            &verifying_key(&public).unwrap(),
            &payload,
            &signature,
            DIGEST,
        )
        .unwrap();
    }

    #[test]
    fn payload_is_cosigns_shape() {
        let json: serde_json::Value =
            serde_json::from_slice(&payload("ghcr.io/vdi-guard/vdi-guard/gpu-limits", DIGEST))
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "critical": {
                    "identity": {"docker-reference": "ghcr.io/vdi-guard/vdi-guard/gpu-limits"},
                    "image": {"docker-manifest-digest": DIGEST},
                    "type": "cosign container image signature"
                },
                "optional": null
            })
        );
    }

    #[test]
    fn wrong_password_is_an_error() {
        let (private, _) = generate(b"right").unwrap();
        let err = signing_key(&private, b"wrong").unwrap_err();
        assert!(err.contains("wrong password"), "{err}");
    }

    #[test]
    fn unencrypted_pkcs8_key_is_read() {
        let key = SigningKey::random(&mut OsRng);
        let pem_text = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(signing_key(&pem_text, b"").unwrap(), key);
    }

    #[test]
    fn other_pem_labels_are_refused() {
        let pem_text = pem::encode_string("RSA PRIVATE KEY", LineEnding::LF, b"\x30\x00").unwrap();
        let err = signing_key(&pem_text, b"").unwrap_err();
        assert!(err.contains("\"RSA PRIVATE KEY\""), "{err}");
    }

    /// A fresh sealed key (password "pw") with its document edited.
    fn tampered(edit: impl FnOnce(&mut Sealed)) -> String {
        let (private, _) = generate(b"pw").unwrap();
        let (label, body) = pem::decode_vec(private.as_bytes()).unwrap();
        let mut sealed: Sealed = serde_json::from_slice(&body).unwrap();
        edit(&mut sealed);
        pem::encode_string(label, LineEnding::LF, &serde_json::to_vec(&sealed).unwrap()).unwrap()
    }

    #[test]
    fn expensive_scrypt_parameters_are_refused() {
        let key = tampered(|sealed| sealed.kdf.params.n = 1 << 30);
        let err = signing_key(&key, b"pw").unwrap_err();
        assert!(err.contains("N=1073741824"), "{err}");
    }

    #[test]
    fn short_nonce_is_an_error_not_a_panic() {
        let key = tampered(|sealed| sealed.cipher.nonce = BASE64.encode([0u8; 8]));
        let err = signing_key(&key, b"pw").unwrap_err();
        assert!(err.contains("nonce has 8 bytes"), "{err}");
    }

    fn signed(digest: &str) -> (VerifyingKey, Vec<u8>, String) {
        let key = SigningKey::random(&mut OsRng);
        let payload = payload("127.0.0.1:5000/vdi/trusted-registries", digest);
        let signature = sign(&key, &payload);
        (*key.verifying_key(), payload, signature)
    }

    #[test]
    fn signature_for_another_digest_is_refused() {
        let other = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        let (key, payload, signature) = signed(other);
        let err = verify(&key, &payload, &signature, DIGEST).unwrap_err();
        assert!(
            err.contains(&format!("is for {other}, not for {DIGEST}")),
            "{err}"
        );
    }

    #[test]
    fn signature_by_another_key_is_refused() {
        let (_, payload, signature) = signed(DIGEST);
        let stranger = *SigningKey::random(&mut OsRng).verifying_key();
        let err = verify(&stranger, &payload, &signature, DIGEST).unwrap_err();
        assert!(err.contains("does not match the public key"), "{err}");
    }

    #[test]
    fn edited_payload_is_refused() {
        let (key, payload, signature) = signed(DIGEST);
        let edited = String::from_utf8(payload)
            .unwrap()
            .replace("trusted-registries", "trusted-registrie5");
        let err = verify(&key, edited.as_bytes(), &signature, DIGEST).unwrap_err();
        assert!(err.contains("does not match"), "{err}");
    }

    #[test]
    fn garbage_signature_is_an_error() {
        let (key, payload, _) = signed(DIGEST);
        assert!(
            verify(&key, &payload, "not base64!", DIGEST)
                .unwrap_err()
                .contains("not base64")
        );
        assert!(
            verify(&key, &payload, &BASE64.encode(b"short"), DIGEST)
                .unwrap_err()
                .contains("not ECDSA DER")
        );
    }

    /// Made by `tests/data/cosign/generate.py` with Python's scrypt, PyNaCl
    /// and pyca/cryptography: an implementation independent of ours.
    fn interop(file: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/cosign")
            .join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    const INTEROP_DIGEST: &str =
        "sha256:f141cd62a2517e60818d01883f4a2293976ae91383dc5d103a6e798212bd9446";

    #[test]
    fn independently_sealed_key_opens_to_its_public_key() {
        let key = signing_key(&interop("cosign.key"), b"fixture").unwrap();
        assert_eq!(
            *key.verifying_key(),
            verifying_key(&interop("cosign.pub")).unwrap()
        );
    }

    #[test]
    fn independently_made_signature_verifies() {
        let public = verifying_key(&interop("cosign.pub")).unwrap();
        let payload = interop("payload.json");
        let signature = interop("payload.sig");
        verify(&public, payload.as_bytes(), &signature, INTEROP_DIGEST).unwrap();
        assert!(verify(&public, payload.as_bytes(), &signature, DIGEST).is_err());
    }

    #[test]
    fn our_payload_is_byte_identical_to_the_independent_one() {
        assert_eq!(
            payload("ghcr.io/vdi-guard/vdi-guard/gpu-limits", INTEROP_DIGEST),
            interop("payload.json").into_bytes()
        );
    }

    #[test]
    fn public_key_must_be_pkix_pem() {
        assert!(
            verifying_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
                .unwrap_err()
                .contains("not an ECDSA P-256 PUBLIC KEY")
        );
    }
}
