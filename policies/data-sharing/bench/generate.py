#!/usr/bin/env python3
"""Writes the benchmark requests of data-sharing (AdmissionRequests, policy-server shape).

Run from the repository root: python3 policies/data-sharing/bench/generate.py
The output is checked in; this script documents how it was made. Both are
UPDATEs by a platform admin of a template that shares its clipboard (listed
in settings.yaml), with the image bumped and the sharing unchanged: the
policy decodes both objects, checks the listing and compares the sharing,
and accepts — the full path, not an early rejection.

small: a template as `kubectl apply` leaves it (last-applied annotation).
large: the same with the catalogue icon as a data URI annotation (Kasm
workspaces carry one) and managedFields of several managers, ~105 KB.
"""
import base64
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTRY = "registry.vdi.example.com"


def icon(size):
    rng = random.Random(18)
    return "data:image/png;base64," + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(size))).decode()


def managed_fields(count):
    managers = ["kubectl-client-side-apply", "vdi-operator", "vdi-dashboard", "argocd-controller"]
    out = []
    for i in range(count):
        out.append({
            "manager": managers[i % len(managers)],
            "operation": "Update" if i % 2 else "Apply",
            "apiVersion": "vdi.kasm.io/v1alpha1",
            "time": f"2026-11-{1 + i % 27:02d}T09:{i % 60:02d}:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:annotations": {".": {}, f"f:vdi.kasm.io/revision-{i}": {}},
                               "f:labels": {".": {}, "f:app.kubernetes.io/part-of": {}}},
                "f:spec": {".": {}, "f:description": {}, "f:displayName": {}, "f:image": {},
                           "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}},
                                           "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
                           "f:sharing": {".": {}, "f:clipboard": {}, "f:drives": {}}},
            },
        })
    return out


def template(image, extra_annotations, fields):
    spec = {
        "image": f"{REGISTRY}/{image}",
        "displayName": "Design tools (Inkscape, GIMP, Krita)",
        "description": ("Desktop for the design team: vector and raster editors, colour-managed "
                        "displays, fonts from the corporate library. Clipboard sharing is enabled so "
                        "designers can paste into the review tool on their own machine; drive "
                        "redirection stays off."),
        "resources": {
            "limits": {"cpu": "4", "memory": "8Gi"},
            "requests": {"cpu": "2", "memory": "4Gi"},
        },
        "sharing": {"clipboard": True, "drives": False},
    }
    metadata = {
        "name": "design-tools",
        "uid": "3f6c2b9e-8a1d-4c7e-b5f0-2d9a8e7c6b5a",
        "resourceVersion": "48213",
        "generation": 7,
        "creationTimestamp": "2026-10-02T08:15:00Z",
        "labels": {
            "app.kubernetes.io/name": "vdi-template",
            "app.kubernetes.io/part-of": "vdi-platform",
            "vdi.kasm.io/category": "design",
        },
        "annotations": {
            "vdi.kasm.io/owner-team": "design-platform",
            "vdi.kasm.io/sharing-approved-by": "oidc:dana",
            "vdi.kasm.io/sharing-ticket": "SEC-2291",
            **extra_annotations,
        },
    }
    applied = {"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDITemplate",
               "metadata": {"name": "design-tools", "annotations": dict(metadata["annotations"])},
               "spec": spec}
    metadata["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(applied, separators=(",", ":"))
    if fields:
        metadata["managedFields"] = managed_fields(fields)
    return {"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDITemplate", "metadata": metadata, "spec": spec}


def request(old, new):
    gvk = {"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDITemplate"}
    gvr = {"group": "vdi.kasm.io", "version": "v1alpha1", "resource": "vditemplates"}
    return {
        "uid": "9c1e7a4b-2f3d-4e5a-8b6c-0d1e2f3a4b5c",
        "kind": gvk,
        "resource": gvr,
        "requestKind": gvk,
        "requestResource": gvr,
        "name": "design-tools",
        "operation": "UPDATE",
        "userInfo": {
            "username": "oidc:dana",
            "uid": "e5f6a7b8",
            "groups": ["oidc:vdi-admins", "system:authenticated"],
        },
        "object": new,
        "oldObject": old,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "UpdateOptions", "fieldManager": "kubectl-client-side-apply"},
    }


def write(name, value):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(value, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {os.path.getsize(path)} bytes")


write("small.json", request(template("desktops/design-tools:3.4.0", {}, 0),
                            template("desktops/design-tools:3.4.1", {}, 0)))
big_icon = {"vdi.kasm.io/icon": icon(15_000)}
write("large.json", request(template("desktops/design-tools:3.4.0", big_icon, 24),
                            template("desktops/design-tools:3.4.1", big_icon, 24)))
