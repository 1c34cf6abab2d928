#!/usr/bin/env python3
"""Writes a cosign-format key pair and a signature made by an independent
implementation (Python's hashlib scrypt, PyNaCl secretbox, pyca/cryptography
ECDSA), so xtask's cosign tests check interoperability, not just that our
code agrees with itself. Needs `pip install pynacl cryptography`.

Output (next to this script): cosign.key (password "fixture", scrypt
N=65536 like current cosign), cosign.pub, payload.json, payload.sig.
"""
import base64
import hashlib
import json
import os
from pathlib import Path

import nacl.secret
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

HERE = Path(__file__).parent
PASSWORD = b"fixture"
DIGEST = "sha256:f141cd62a2517e60818d01883f4a2293976ae91383dc5d103a6e798212bd9446"

key = ec.generate_private_key(ec.SECP256R1())
der = key.private_bytes(
    serialization.Encoding.DER,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
)
salt, nonce = os.urandom(32), os.urandom(24)
box_key = hashlib.scrypt(PASSWORD, salt=salt, n=65536, r=8, p=1, dklen=32, maxmem=128 << 20)
sealed = nacl.secret.SecretBox(box_key).encrypt(der, nonce).ciphertext
document = json.dumps(
    {
        "kdf": {"name": "scrypt", "params": {"N": 65536, "r": 8, "p": 1},
                "salt": base64.b64encode(salt).decode()},
        "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
        "ciphertext": base64.b64encode(sealed).decode(),
    },
    separators=(",", ":"),
).encode()
body = base64.b64encode(document).decode()
lines = [body[i : i + 64] for i in range(0, len(body), 64)]
(HERE / "cosign.key").write_text(
    "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
    + "\n".join(lines)
    + "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
)
(HERE / "cosign.pub").write_bytes(
    key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
)
payload = json.dumps(
    {
        "critical": {
            "identity": {"docker-reference": "ghcr.io/vdi-guard/vdi-guard/gpu-limits"},
            "image": {"docker-manifest-digest": DIGEST},
            "type": "cosign container image signature",
        },
        "optional": None,
    },
    separators=(",", ":"),
).encode()
(HERE / "payload.json").write_bytes(payload)
signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
(HERE / "payload.sig").write_text(base64.b64encode(signature).decode() + "\n")
