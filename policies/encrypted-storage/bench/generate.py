#!/usr/bin/env python3
"""Writes the benchmark requests of encrypted-storage (AdmissionRequests,
policy-server shape): a StatefulSet CREATE that the policy accepts with
settings.yaml, so the measured path reads every claim template and every
ephemeral volume (all name their class, so no lookup is made).

Run from the repository root: python3 policies/encrypted-storage/bench/generate.py
small: the platform's profile store (MinIO) with two claim templates and a
scratch volume (~4.5 KB). large: a 24-replica session cache with many
sidecars, claim templates and ephemeral volumes, ~100-110 KB.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTRY = "registry.vdi.example.com"
CLASSES = ["longhorn-crypto", "local-path-luks"]


def env(container, count):
    out = []
    for i in range(count):
        if i % 8 == 7:
            out.append({"name": f"MINIO_SECRET_{i:02d}",
                        "valueFrom": {"secretKeyRef": {"name": f"{container}-credentials", "key": f"key-{i:02d}"}}})
        else:
            out.append({"name": f"MINIO_SETTING_{i:02d}", "value": f"{container}-{i:02d}"})
    return out


def container(name, image, env_count, mounts):
    return {
        "name": name,
        "image": f"{REGISTRY}/{image}",
        "imagePullPolicy": "IfNotPresent",
        "args": ["server", "/srv/data", "--console-address", ":9001"],
        "ports": [{"name": "s3", "containerPort": 9000, "protocol": "TCP"}],
        "env": env(name, env_count),
        "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": m, "mountPath": f"/srv/{m}"} for m in mounts],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def claim_spec(i, size):
    return {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": CLASSES[i % len(CLASSES)],
        "resources": {"requests": {"storage": size}},
        "volumeMode": "Filesystem",
    }


def template(i, name):
    return {
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "profile-store", "vdi.kasm.io/volume": name}},
        "spec": claim_spec(i, "50Gi"),
    }


def ephemeral(i, name):
    return {
        "name": name,
        "ephemeral": {"volumeClaimTemplate": {
            "metadata": {"labels": {"vdi.kasm.io/volume": name}},
            "spec": claim_spec(i + 1, "10Gi"),
        }},
    }


def statefulset(name, replicas, containers, env_count, templates, scratch):
    claim_names = [f"data-{i:02d}" for i in range(templates)]
    scratch_names = [f"scratch-{i:02d}" for i in range(scratch)]
    mounts = claim_names + scratch_names
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": name,
            "namespace": "vdi-system",
            "uid": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
            "creationTimestamp": "2026-11-27T09:00:00Z",
            "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "vdi-platform",
                       "app.kubernetes.io/managed-by": "argocd"},
            "annotations": {"argocd.argoproj.io/tracking-id": f"vdi-platform:apps/StatefulSet:vdi-system/{name}"},
        },
        "spec": {
            "serviceName": name,
            "replicas": replicas,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 1000,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container("minio" if c == 0 else f"sidecar-{c:02d}",
                                             "infra/minio:RELEASE.2024-10-13T13-34-11Z", env_count,
                                             mounts if c == 0 else mounts[:2])
                                   for c in range(containers)],
                    "volumes": [ephemeral(i, n) for i, n in enumerate(scratch_names)],
                },
            },
            "volumeClaimTemplates": [template(i, n) for i, n in enumerate(claim_names)],
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        },
    }


def request(obj):
    gvk = {"group": "apps", "version": "v1", "kind": "StatefulSet"}
    gvr = {"group": "apps", "version": "v1", "resource": "statefulsets"}
    return {
        "uid": "b6f3c2a1-0d4e-4f5a-8b7c-9e1d2f3a4b5c",
        "kind": gvk,
        "resource": gvr,
        "requestKind": gvk,
        "requestResource": gvr,
        "name": obj["metadata"]["name"],
        "namespace": "vdi-system",
        "operation": "CREATE",
        "userInfo": {
            "username": "system:serviceaccount:argocd:argocd-application-controller",
            "uid": "3f2e1d0c-b9a8-4765-8432-10fedcba9876",
            "groups": ["system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"],
        },
        "object": obj,
        "dryRun": False,
        "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1", "fieldManager": "argocd-controller"},
    }


def write(name, value):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(value, f, separators=(",", ":"))
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    write("small.json", request(statefulset("profile-store", 3, 1, 22, 2, 1)))
    write("large.json", request(statefulset("session-cache", 24, 31, 39, 24, 16)))


if __name__ == "__main__":
    main()
