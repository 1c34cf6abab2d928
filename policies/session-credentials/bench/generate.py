#!/usr/bin/env python3
"""Writes the benchmark requests of session-credentials (AdmissionRequests in
policy-server's shape).

Run from anywhere: python3 policies/session-credentials/bench/generate.py
The output is checked in. Both requests are Pod CREATEs that settings.yaml
accepts, so the whole check runs:
- small.json (~4.5 KB): a session pod as the VDI operator creates it, the
  Selkies password from the session's own Secret, other credentials from
  Secrets, settings as literals;
- large.json (~108 KB): a lab pod applied with kubectl, 17 containers x 40
  env vars, and kubectl's last-applied-configuration copy of the same
  manifest (which the policy parses and checks too).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTRY = "registry.vdi.example.com"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def env(container, count, session=None):
    out = []
    if session:
        out.append({"name": "SELKIES_BASIC_AUTH_USER", "value": "alice"})
        out.append({"name": "SELKIES_BASIC_AUTH_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": f"{session}-credentials", "key": "password"}}})
    for i in range(count - len(out)):
        if i % 8 == 7:
            out.append({"name": f"KASM_SECRET_{i:02d}",
                        "valueFrom": {"secretKeyRef": {"name": f"desktop-{container}", "key": f"key-{i:02d}"}}})
        elif i % 8 == 3:
            out.append({"name": f"KASM_POD_{i:02d}", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
        else:
            out.append({"name": f"KASM_SETTING_{i:02d}", "value": f"{container}-{i:02d}"})
    return out


def container(name, image, env_count, session=None):
    return {
        "name": name,
        "image": f"{REGISTRY}/{image}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": env(name, env_count, session),
        "envFrom": [{"configMapRef": {"name": "kasm-desktop-settings"}}],
        "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "home", "mountPath": "/home/kasm-user"}, {"name": "tmp", "mountPath": "/tmp"}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def pod(name, session, containers, init):
    labels = {
        "app.kubernetes.io/name": "vdi-session",
        "app.kubernetes.io/managed-by": "vdi-operator",
        "vdi.kasm.io/user": "alice",
    }
    if session:
        labels["vdi.kasm.io/session"] = session
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "vdi",
            "uid": "7d2f4c1e-3b8a-4f6e-9c2d-1a5b8e9f0c3d",
            "creationTimestamp": "2026-11-27T09:00:00Z",
            "labels": labels,
            "annotations": {"vdi.kasm.io/template": "ubuntu-desktop-gpu"},
        },
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "restartPolicy": "Never",
            "securityContext": {
                "runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "initContainers": init,
            "containers": containers,
            "volumes": [{"name": "home", "emptyDir": {"sizeLimit": "2Gi"}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "512Mi"}}],
        },
    }


def request(obj):
    gvk = {"group": "", "version": "v1", "kind": "Pod"}
    gvr = {"group": "", "version": "v1", "resource": "pods"}
    return {
        "uid": "b6f3c2a1-0d4e-4f5a-8b7c-9e1d2f3a4b5c",
        "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
        "name": obj["metadata"]["name"],
        "namespace": obj["metadata"]["namespace"],
        "operation": "CREATE",
        "userInfo": {"username": "system:serviceaccount:vdi-system:vdi-operator", "uid": "a1b2c3d4",
                     "groups": ["system:serviceaccounts", "system:serviceaccounts:vdi-system", "system:authenticated"]},
        "object": obj,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }


def write(name, value):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(value, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {os.path.getsize(path)} bytes")


small = pod("vdi-session-alice-ubuntu", "alice-ubuntu", [
    container("desktop", "desktops/ubuntu-jammy:1.16.0", 12, session="alice-ubuntu"),
    container("audio", "desktops/pulseaudio:1.16.0", 6),
], [container("init-home", "tools/busybox:1.36", 3)])
write("small.json", request(small))

large = pod("alice-lab", None, [container(f"app-{i:02d}", f"apps/tool-{i:02d}:2.4.1", 40) for i in range(17)], [])
applied = json.loads(json.dumps(large))
for key in ("uid", "creationTimestamp"):
    applied["metadata"].pop(key)
large["metadata"]["annotations"][LAST_APPLIED] = json.dumps(applied, sort_keys=True, separators=(",", ":")) + "\n"
write("large.json", request(large))
