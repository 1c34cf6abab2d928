#!/usr/bin/env python3
"""Writes the suite fixtures that are derived from others or too tedious to
write by hand: objects carrying kubectl's last-applied-configuration copy
(as `kubectl apply` writes it: the applied manifest as compact JSON with
sorted keys and a trailing newline), PEM keys, and the oversized annotation.

Run from anywhere: python3 policies/session-credentials/suites/generate.py
The output is checked in. Stdlib only: the manifests are built here and
written as block YAML by `dump`. Every credential value holds "CANARY", so
the native tests can check that no message repeats one.
"""
import base64
import copy
import json
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# A throwaway, syntactically plausible key body: random base64, not a key.
KEY_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7CANARYpemK3v",
    "q9Zr1mX5bT0uQ2dWc8sLh4nGfE6yJkA3oP7iRtUvNwMxBzCa0e1f2g3h4i5j6k7l",
    "8m9n0o1p2q3r4s5t6u7v8w9x0y1z2A3B4C5D6E7F8G9H0I1J2K3L4M5N6O7P8Q9R",
]
PEM_KEY = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(KEY_BODY) + "\n-----END PRIVATE KEY-----\n"
PEM_CERT = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBszCCAVmgAwIBAgIUQm7vT2m8R1xY3nq0cGdJtP5vYqQwCgYIKoZIzj0EAwIw\n"
    "HzEdMBsGA1UEAwwUVkRJIEludGVybmFsIFJvb3QgQ0EwHhcNMjUwMTAxMDAwMDAw\n"
    "-----END CERTIFICATE-----\n"
)


def applied(manifest):
    """The annotation value kubectl apply writes for `manifest`."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")) + "\n"


def dump(value, indent=0):
    """YAML for the JSON-like `value`: block style, strings JSON-quoted
    (valid YAML), multi-line strings as literal blocks."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        out = []
        for key, item in value.items():
            head = f"{pad}{json.dumps(key) if needs_quotes(key) else key}:"
            out.append(head + block(item, indent))
        return "\n".join(out)
    if isinstance(value, list):
        if not value:
            return "[]"
        out = []
        for item in value:
            text = dump(item, indent + 2) if isinstance(item, (dict, list)) and item else scalar(item)
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}- " + text.lstrip())
            else:
                out.append(f"{pad}- {text}")
        return "\n".join(out)
    return scalar(value)


def block(item, indent):
    if isinstance(item, (dict, list)) and item:
        return "\n" + dump(item, indent + 2)
    if isinstance(item, str) and "\n" in item and not item.startswith(" ") and len(item) < 4096:
        lines = item.rstrip("\n").split("\n")
        chomp = "" if item.endswith("\n") and not item.endswith("\n\n") else "-"
        return f" |{chomp}\n" + "\n".join(" " * (indent + 2) + line for line in lines)
    return " " + scalar(item)


def needs_quotes(key):
    return not all(c.isalnum() or c in "-_./" for c in key) or key[:1].isdigit()


def scalar(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if is_plain(value):
        return value
    return json.dumps(value)


RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def is_plain(text):
    """A string YAML reads back as the same string without quotes."""
    return (
        text[:1].isalpha()
        and all(c.isalnum() or c in "-_./@" for c in text)
        and text.lower() not in RESERVED
    )


def write(name, comment, manifest):
    path = os.path.join(HERE, name)
    text = "".join(f"# {line}\n" if line else "#\n" for line in comment.strip().split("\n"))
    with open(path, "w") as f:
        f.write(text + dump(manifest) + "\n")
    print(f"{name}: {os.path.getsize(path)} bytes")


def with_last_applied(live, original):
    obj = copy.deepcopy(live)
    obj["metadata"].setdefault("annotations", {})[LAST_APPLIED] = (
        original if isinstance(original, str) else applied(original)
    )
    return obj


# --- Deployments --------------------------------------------------------

def kasm_workspace(vnc):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "kasm-workspace", "namespace": "kasm"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "kasm-workspace"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "kasm-workspace"}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "containers": [{
                        "name": "kasm-workspace",
                        "image": "kasmweb/desktop:1.14.0",
                        "env": [{"name": "LOG_LEVEL", "value": "info"}, vnc],
                    }],
                },
            },
        },
    }


VNC_SECRET = {"name": "VNC_PW", "valueFrom": {"secretKeyRef": {"name": "kasm-secrets", "key": "vnc-password"}}}
VNC_LITERAL = {"name": "VNC_PW", "value": "VNC-CANARY-la-8Pq3Ws"}

fixed = kasm_workspace(VNC_SECRET)
write("deployment-kasm-workspace-edited.yaml",
      """The Kasm workspace Deployment after someone fixed VNC_PW with kubectl edit:
the object takes it from a Secret, but kubectl's last-applied copy still
holds the literal password that was first applied. Rejected.""",
      with_last_applied(fixed, kasm_workspace(VNC_LITERAL)))
write("deployment-kasm-workspace-applied.yaml",
      """The Kasm workspace Deployment as kubectl apply leaves it: the last-applied
copy is the manifest itself, VNC_PW from a Secret. Accepted.""",
      with_last_applied(fixed, fixed))
literal = kasm_workspace(VNC_LITERAL)
write("deployment-kasm-workspace-literal-scaled.yaml",
      """The Deployment with the literal VNC_PW, scaled to three replicas: the update
does not write the credential, it was stored before. Accepted as an UPDATE
(background audit reports the stored literal).""",
      {**literal, "spec": {**literal["spec"], "replicas": 3}})
write("deployment-kasm-workspace-literal-rotated.yaml",
      """The Deployment with the literal VNC_PW "rotated" to another literal: the
update writes a new credential into the object. Rejected as an UPDATE.""",
      kasm_workspace({"name": "VNC_PW", "value": "VNC-CANARY-rot-2Kd6Fh"}))
write("deployment-kasm-workspace-literal-base.yaml",
      """The Deployment with a literal VNC_PW, as stored before the policy was
installed: the oldObject of the UPDATE cases.""",
      literal)

# --- ConfigMaps -----------------------------------------------------------

tls = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "kasm-proxy-tls", "namespace": "kasm"},
    "data": {"tls.crt": PEM_CERT, "tls.key": PEM_KEY},
}
write("configmap-kasm-proxy-tls.yaml",
      """The Kasm proxy's TLS certificate and its private key in a ConfigMap.
Rejected: the key belongs in a kubernetes.io/tls Secret.""",
      tls)
edited = copy.deepcopy(tls)
del edited["data"]["tls.key"]
write("configmap-kasm-proxy-tls-edited.yaml",
      """The same ConfigMap after the key was removed with kubectl edit: the
last-applied copy still holds it. Rejected.""",
      with_last_applied(edited, tls))
write("configmap-kasm-proxy-tls-applied.yaml",
      """The ConfigMap with the certificate only, applied with kubectl. Accepted.""",
      with_last_applied(edited, edited))
write("configmap-ssh-binary-key.yaml",
      """A deploy key stored as binaryData (base64 of a PEM OpenSSH key). Rejected.""",
      {
          "apiVersion": "v1",
          "kind": "ConfigMap",
          "metadata": {"name": "desktop-git-deploy", "namespace": "vdi"},
          "binaryData": {
              "id_ed25519": base64.b64encode(
                  ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + KEY_BODY[0] + "\n-----END OPENSSH PRIVATE KEY-----\n").encode()
              ).decode(),
              "known_hosts": base64.b64encode(b"git.vdi.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx\n").decode(),
          },
      })

# --- VDISessions and VDITemplates -------------------------------------------

def session(extra_spec=None, **metadata):
    spec = {"user": "alice", "template": "ubuntu-desktop-gpu", "timeout": "8h"}
    spec.update(extra_spec or {})
    meta = {"name": "alice-ubuntu", "namespace": "vdi", "labels": {"vdi.kasm.io/user": "alice"}}
    meta.update(metadata)
    return {"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDISession", "metadata": meta, "spec": spec}


stored = session(finalizers=["vdi.kasm.io/session-cleanup"])
with_password = session({"password": "Selkies-CANARY-la-5Vb9Nm"})
write("vdisession-alice-applied-password.yaml",
      """alice applied a VDISession with spec.password. The API server pruned the
unknown field from the object, but kubectl's last-applied copy keeps the
whole manifest, password included, readable by everyone who can get the
session. Rejected.""",
      with_last_applied(stored, with_password))
terminating = with_last_applied(session(), with_password)
terminating["metadata"]["deletionTimestamp"] = "2026-11-27T17:00:00Z"
write("vdisession-alice-applied-password-cleanup.yaml",
      """The same session while it is deleted: the operator removes its cleanup
finalizer. The stored copy is unchanged, so the UPDATE is accepted (blocking
it would keep the password stored; background audit reports it).""",
      terminating)
write("vdisession-alice-applied.yaml",
      """alice's session applied with kubectl, nothing secret in it. Accepted.""",
      with_last_applied(stored, session()))
write("vdisession-alice-applied-empty-password.yaml",
      """A session applied with an empty spec.password placeholder: an empty
string holds no secret. Accepted.""",
      with_last_applied(stored, session({"password": ""})))
write("vdisession-alice-applied-not-json.yaml",
      """The last-applied copy cut off mid-way (a hand-edited annotation): it
cannot be shown to hold no credential. Rejected.""",
      with_last_applied(stored, applied(with_password)[:90]))
write("vdisession-alice-applied-not-object.yaml",
      """The last-applied copy is a JSON string, not a manifest. Rejected.""",
      with_last_applied(stored, json.dumps("spec.password=Selkies-CANARY-str-1Aq4")))
write("vdisession-alice-applied-list.yaml",
      """The last-applied copy is a JSON list of manifests. Rejected.""",
      with_last_applied(stored, json.dumps([with_password])))
huge = session({"password": "Selkies-CANARY-huge-3Ty7", "notes": "x" * (270 * 1024)})
write("vdisession-alice-applied-huge.yaml",
      """The last-applied copy is larger than the API server's 256 KiB limit for
all annotations together, so it cannot come from a real object; it is not
parsed. Rejected.""",
      with_last_applied(stored, huge))
write("vdisession-alice-applied-not-string.yaml",
      """The last-applied annotation holds an object instead of a JSON string
(only a hand-made request can do that). Rejected.""",
      {**stored, "metadata": {**stored["metadata"], "annotations": {LAST_APPLIED: with_password}}})


def template(extra_spec=None):
    spec = {
        "image": "registry.vdi.example.com/desktops/ubuntu-jammy:1.16.0",
        "displayName": "Ubuntu 22.04 (GPU)",
        "sharing": {"clipboard": False, "drives": False},
    }
    spec.update(extra_spec or {})
    return {"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDITemplate",
            "metadata": {"name": "ubuntu-desktop-gpu"}, "spec": spec}


write("vditemplate-ubuntu-applied-apikey.yaml",
      """A template applied with a streaming API key under spec.streaming: pruned
from the object, kept in the last-applied copy. Rejected.""",
      with_last_applied(template(), template({"streaming": {"provider": "selkies", "apiKey": "sk-CANARY-tpl-7Lp2"}})))
write("vditemplate-ubuntu-applied-env.yaml",
      """A template applied with environment variables for its sessions, the
Selkies password among them as a literal. Rejected.""",
      with_last_applied(template(), template({"env": [
          {"name": "SELKIES_ENCODER", "value": "nvh264enc"},
          {"name": "SELKIES_BASIC_AUTH_PASSWORD", "value": "Selkies-CANARY-env-9Gh3"},
      ]})))
write("vditemplate-ubuntu-applied-secret-ref.yaml",
      """A template applied with a reference to the Secret that holds the
password (pruned, but a reference is no credential). Accepted.""",
      with_last_applied(template(), template({"passwordSecretRef": {"name": "ubuntu-desktop-credentials", "key": "password"}})))
