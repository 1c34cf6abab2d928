//! PEM private-key material, and the base64 of `binaryData`.
//!
//! A PEM block starts with `-----BEGIN <label>-----` (RFC 7468). Every
//! private key format in use has `PRIVATE KEY` in its label: `PRIVATE KEY`
//! (PKCS #8), `ENCRYPTED PRIVATE KEY`, `RSA`/`EC`/`DSA PRIVATE KEY`,
//! `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`. Parsers differ in how
//! strict they are, so the match is lenient: `BEGIN` after at least one
//! `-`, any case, any spacing, and `PRIVATE KEY` in the label — which also
//! finds a key pasted into a JSON or YAML config with `\n` escapes. Certificates and public keys are not secrets and do not match.

/// Whether `bytes` holds the start of a PEM private key.
pub fn holds_private_key(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some(at) = find_ignore_case(rest, b"BEGIN") {
        let before = at.checked_sub(1).and_then(|i| rest.get(i));
        let after = rest.get(at + 5..).unwrap_or_default();
        if before == Some(&b'-') && label_is_private_key(after) {
            return true;
        }
        rest = after;
    }
    false
}

/// The label after BEGIN (up to the closing `-`, the end of the line or
/// 100 bytes; a label has no `-`) names a private key.
fn label_is_private_key(after: &[u8]) -> bool {
    let line: Vec<u8> = after
        .iter()
        .take(100)
        .take_while(|b| !matches!(**b, b'-' | b'\n' | b'\r'))
        .filter(|b| !b.is_ascii_whitespace())
        .map(u8::to_ascii_uppercase)
        .collect();
    find_ignore_case(&line, b"PRIVATEKEY").is_some()
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Decodes standard base64 (RFC 4648, padding optional, as Go's
/// `encoding/json` writes `[]byte`); `None` when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 3);
    for chunk in body.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= value(*c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(bytes.get(1..4)?),
            3 => out.extend_from_slice(bytes.get(1..3)?),
            2 => out.extend_from_slice(bytes.get(1..2)?),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----\n")]
    #[case("-----BEGIN RSA PRIVATE KEY-----\nMIIE")]
    #[case("-----BEGIN EC PRIVATE KEY-----\n")]
    #[case("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")]
    #[case("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA")]
    #[case("-----BEGIN PGP PRIVATE KEY BLOCK-----\n")]
    #[case("-----begin private key-----")]
    #[case("--BEGIN  RSA   PRIVATE  KEY--")]
    #[case("{\"tls\": {\"key\": \"-----BEGIN PRIVATE KEY-----\\nMIIE...\"}}")]
    #[case(
        "cert: |\n  -----BEGIN CERTIFICATE-----\n  MIIB\nkey: |\n  -----BEGIN EC PRIVATE KEY-----\n"
    )]
    fn private_keys(#[case] text: &str) {
        assert!(holds_private_key(text.as_bytes()), "{text}");
    }

    #[rstest]
    #[case("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")]
    #[case("-----BEGIN PUBLIC KEY-----\n")]
    #[case("-----BEGIN RSA PUBLIC KEY-----\n")]
    #[case("BEGIN PRIVATE KEY")]
    #[case("-----BEGIN CERTIFICATE-----\nthe private key lives in a Secret")]
    #[case("")]
    #[case("private key rotation is monthly")]
    #[case("-----BEGIN CERTIFICATE----- (its private key is in a Secret)")]
    fn not_private_keys(#[case] text: &str) {
        assert!(!holds_private_key(text.as_bytes()), "{text}");
    }

    #[rstest]
    #[case("", Some(""))]
    #[case("aGk=", Some("hi"))]
    #[case("aGk", Some("hi"))]
    #[case("aGVsbG8=", Some("hello"))]
    #[case("aGVsbG8gd29ybGQ=", Some("hello world"))]
    #[case("aGVsbG8gd29ybA==", Some("hello worl"))]
    #[case("a", None)]
    #[case("aGk===", None)]
    #[case("a Gk=", None)]
    #[case("aG-k", None)]
    fn base64(#[case] text: &str, #[case] decoded: Option<&str>) {
        assert_eq!(base64_decode(text), decoded.map(|d| d.as_bytes().to_vec()));
    }

    fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let mut acc = 0u32;
            for (i, b) in chunk.iter().enumerate() {
                acc |= u32::from(*b) << (16 - 8 * i);
            }
            for i in 0..=chunk.len() {
                let index = (acc >> (18 - 6 * i)) & 63;
                out.push(char::from(ALPHABET[index as usize]));
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    }

    proptest! {
        #[test]
        fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = encode(&bytes);
            prop_assert_eq!(base64_decode(&text), Some(bytes.clone()));
            prop_assert_eq!(base64_decode(text.trim_end_matches('=')), Some(bytes));
        }

        #[test]
        fn never_panics(text in "\\PC{0,80}") {
            let _ = base64_decode(&text);
            let _ = holds_private_key(text.as_bytes());
        }

        #[test]
        fn a_key_is_found_wherever_it_sits(before in "[a-z \n]{0,40}", after in "[A-Za-z0-9+/\n]{0,40}") {
            let text = format!("{before}-----BEGIN PRIVATE KEY-----\n{after}");
            prop_assert!(holds_private_key(text.as_bytes()));
        }
    }
}
