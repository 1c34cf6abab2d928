#!/usr/bin/env python3
"""Writes the benchmark requests of rbac-least-privilege (AdmissionRequests,
policy-server shape): a ClusterRole CREATE that the policy accepts with
settings.yaml, so the measured path judges every rule.

Run from the repository root: python3 policies/rbac-least-privilege/bench/generate.py
small: the operator ClusterRole of the platform guide grown with the rules a
platform controller adds for a few CRD groups (~4.5 KB). large: a platform-wide
ClusterRole over many CRD groups, ~100-110 KB.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
READ = ["get", "list", "watch"]
WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]


def operator_rules():
    return [
        {"apiGroups": ["vdi.kasm.io"], "resources": ["vdisessions", "vditemplates"], "verbs": WRITE},
        {"apiGroups": ["vdi.kasm.io"], "resources": ["vdisessions/status", "vdisessions/finalizers"],
         "verbs": ["get", "update", "patch"]},
        {"apiGroups": [""], "resources": ["pods", "services", "persistentvolumeclaims"], "verbs": WRITE},
        {"apiGroups": [""], "resources": ["pods/log", "pods/status", "events"], "verbs": READ},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": [""], "resources": ["configmaps"],
         "resourceNames": ["vdi-operator-config", "vdi-session-defaults"], "verbs": ["get", "watch", "update"]},
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["vdi-session-credentials"],
         "verbs": ["get", "update"]},
        {"apiGroups": ["traefik.io"], "resources": ["ingressroutes", "middlewares", "tlsoptions"], "verbs": WRITE},
        {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": WRITE},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["vdi-operator-leader"],
         "verbs": ["get", "update", "patch"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
        {"apiGroups": ["nvidia.com"], "resources": ["clusterpolicies"], "verbs": READ},
        {"apiGroups": ["metrics.k8s.io"], "resources": ["pods", "nodes"], "verbs": READ},
        {"nonResourceURLs": ["/metrics", "/healthz", "/readyz"], "verbs": ["get"]},
    ]


def platform_rules(count):
    """Rules over many CRD groups, as a platform-wide controller role has them."""
    rules = operator_rules()
    i = 0
    while len(rules) < count:
        group = f"tenant{i:03d}.platform.vdi.example.com"
        kinds = [f"desktoppools{i:03d}", f"desktoppools{i:03d}/status", f"storageprofiles{i:03d}",
                 f"gpuprofiles{i:03d}", f"sessionquotas{i:03d}"]
        rules.append({"apiGroups": [group], "resources": kinds[:3], "verbs": WRITE})
        rules.append({"apiGroups": [group], "resources": kinds[3:], "verbs": READ})
        rules.append({"apiGroups": [group], "resources": [kinds[0]],
                      "resourceNames": [f"pool-{i:03d}-{n}" for n in range(4)], "verbs": ["get", "update"]})
        i += 1
    return rules[:count]


def request(rules, name):
    obj = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "uid": "9c1f3e2d-5a4b-4c3d-8e7f-0a1b2c3d4e5f",
            "creationTimestamp": "2026-11-27T09:00:00Z",
            "labels": {
                "app.kubernetes.io/name": "vdi-operator",
                "app.kubernetes.io/part-of": "vdi-platform",
                "app.kubernetes.io/managed-by": "argocd",
            },
            "annotations": {
                "argocd.argoproj.io/tracking-id": f"vdi-platform:rbac.authorization.k8s.io/ClusterRole:{name}",
            },
        },
        "rules": rules,
    }
    gvk = {"group": "rbac.authorization.k8s.io", "version": "v1", "kind": "ClusterRole"}
    gvr = {"group": "rbac.authorization.k8s.io", "version": "v1", "resource": "clusterroles"}
    return {
        "uid": "b6f3c2a1-0d4e-4f5a-8b7c-9e1d2f3a4b5c",
        "kind": gvk,
        "resource": gvr,
        "requestKind": gvk,
        "requestResource": gvr,
        "name": name,
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
    small = platform_rules(24)
    write("small.json", request(small, "vdi-operator"))
    write("large.json", request(platform_rules(640), "vdi-platform-controller"))


if __name__ == "__main__":
    main()
