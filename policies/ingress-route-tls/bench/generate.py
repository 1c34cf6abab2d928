#!/usr/bin/env python3
"""Writes the benchmark requests of ingress-route-tls (AdmissionRequests,
policy-server shape).

Run from this directory: python3 generate.py
The output is checked in; this script documents how it was made. Both
requests are accepted with ../settings.yaml without a lookup (the options
they name are in allowedTlsOptions), so the measured path is the whole
check: decoding, every rule parsed, every host judged, the ownership check.

- small.json (~4.5 KB): the VDI operator creates alice's session route
  (desktop, audio and upload paths on alice.vdi.example.com).
- large.json (~110 KB): the Kasm portal route with a few hundred API paths
  on kasm.example.com and www.kasm.example.com.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OPERATOR = "system:serviceaccount:vdi-system:vdi-operator"


def request(obj, uid, user, groups):
    meta = obj["metadata"]
    group, version = obj["apiVersion"].split("/")
    kind = obj["kind"]
    resource = {"group": group, "version": version, "resource": kind.lower() + "s"}
    gvk = {"group": group, "version": version, "kind": kind}
    return {
        "uid": uid,
        "kind": gvk,
        "resource": resource,
        "requestKind": gvk,
        "requestResource": resource,
        "name": meta["name"],
        "namespace": meta["namespace"],
        "operation": "CREATE",
        "userInfo": {"username": user, "uid": "5f0c1a2b-9d3e-4c7a-8b6f-2e1d0c9b8a7f", "groups": groups},
        "object": obj,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions", "fieldManager": "vdi-operator"},
    }


def service(name, port):
    return {"name": name, "port": port, "scheme": "https", "passHostHeader": True,
            "serversTransport": "vdi-session-transport"}


def small():
    host = "Host(`alice.vdi.example.com`)"
    routes = [
        {"match": f"{host} && PathPrefix(`/`)", "kind": "Rule", "priority": 10,
         "services": [service("session-alice-ubuntu", 6901)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}]},
        {"match": f"{host} && (PathPrefix(`/websockify`) || PathPrefix(`/api/ws`))", "kind": "Rule", "priority": 20,
         "services": [service("session-alice-ubuntu", 6901)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}]},
        {"match": f"{host} && PathPrefix(`/audio`)", "kind": "Rule", "priority": 20,
         "services": [service("session-alice-ubuntu", 4901)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}]},
        {"match": f"{host} && PathPrefix(`/upload`) && Method(`POST`)", "kind": "Rule", "priority": 20,
         "services": [service("session-alice-ubuntu", 4902)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}, {"name": "upload-limit"}]},
        {"match": f"{host} && PathPrefix(`/clipboard`)", "kind": "Rule", "priority": 20,
         "services": [service("session-alice-ubuntu", 4903)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}]},
        {"match": f"{host} && PathPrefix(`/printer`)", "kind": "Rule", "priority": 20,
         "services": [service("session-alice-ubuntu", 4904)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}]},
        {"match": f"{host} && (PathPrefix(`/webcam`) || PathPrefix(`/microphone`)) && Header(`Upgrade`, `websocket`)",
         "kind": "Rule", "priority": 30,
         "services": [service("session-alice-ubuntu", 4905)],
         "middlewares": [{"name": "security-headers"}, {"name": "session-auth"}]},
    ]
    obj = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {
            "name": "session-alice-ubuntu",
            "namespace": "vdi",
            "uid": "0b7e6c5d-4a3f-4e2d-9c1b-8a7f6e5d4c3b",
            "creationTimestamp": "2026-11-27T09:00:02Z",
            "labels": {
                "app.kubernetes.io/name": "vdi-session",
                "app.kubernetes.io/managed-by": "vdi-operator",
                "app.kubernetes.io/part-of": "vdi",
                "vdi.kasm.io/user": "alice",
                "vdi.kasm.io/session": "alice-ubuntu",
                "vdi.kasm.io/template": "ubuntu-desktop-gpu",
            },
            "annotations": {
                "vdi.kasm.io/requested-by": "oidc:alice",
                "vdi.kasm.io/expires-at": "2026-11-27T17:00:00Z",
                "vdi.kasm.io/template-revision": "ubuntu-desktop-gpu-7c9d4b2f",
                "vdi.kasm.io/node": "gpu-worker-03.vdi.internal",
                "vdi.kasm.io/session-url": "https://alice.vdi.example.com/",
            },
            "ownerReferences": [{
                "apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDISession", "name": "alice-ubuntu",
                "uid": "7d2f4c1e-3b8a-4f6e-9c2d-1a5b8e9f0c3d", "controller": True, "blockOwnerDeletion": True,
            }],
            "managedFields": [{
                "manager": "vdi-operator", "operation": "Apply", "apiVersion": "traefik.io/v1alpha1",
                "time": "2026-11-27T09:00:02Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {"f:vdi.kasm.io/user": {}, "f:vdi.kasm.io/session": {}},
                                            "f:ownerReferences": {}},
                             "f:spec": {"f:entryPoints": {}, "f:routes": {}, "f:tls": {"f:options": {}, "f:secretName": {}}}},
            }],
        },
        "spec": {
            "entryPoints": ["websecure"],
            "routes": routes,
            "tls": {"secretName": "vdi-wildcard-tls", "options": {"name": "tls13", "namespace": "vdi"},
                    "domains": [{"main": "vdi.example.com", "sans": ["*.vdi.example.com"]}]},
        },
    }
    return request(obj, "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", OPERATOR,
                   ["system:serviceaccounts", "system:serviceaccounts:vdi-system", "system:authenticated"])


def large(count=362):
    sections = ["admin", "api", "manager", "agents", "images", "users", "groups", "zones", "sessions", "logs"]
    routes = []
    for i in range(count):
        section = sections[i % len(sections)]
        host = "Host(`kasm.example.com`)" if i % 3 else "(Host(`kasm.example.com`) || Host(`www.kasm.example.com`))"
        routes.append({
            "match": f"{host} && PathPrefix(`/{section}/v1/endpoint-{i:03d}`) && !Path(`/{section}/v1/endpoint-{i:03d}/debug`)",
            "kind": "Rule",
            "priority": 100 + i,
            "services": [{"name": f"kasm-{section}", "port": 443, "scheme": "https"}],
            "middlewares": [{"name": "security-headers"}, {"name": "rate-limit"}],
        })
    obj = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {
            "name": "kasm-workspace-api",
            "namespace": "kasm",
            "uid": "3c2b1a09-8f7e-4d6c-b5a4-392817161514",
            "creationTimestamp": "2026-11-27T08:00:00Z",
            "labels": {"app.kubernetes.io/name": "kasm", "app.kubernetes.io/component": "api"},
        },
        "spec": {
            "entryPoints": ["websecure"],
            "routes": routes,
            "tls": {"secretName": "kasm-tls-cert", "options": {"name": "tls13"}},
        },
    }
    return request(obj, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "oidc:platform-admin",
                   ["oidc:vdi-admins", "system:authenticated"])


def main():
    for name, body in [("small.json", small()), ("large.json", large())]:
        path = os.path.join(HERE, name)
        with open(path, "w") as f:
            json.dump(body, f, separators=(",", ":"))
            f.write("\n")
        print(f"{name}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
