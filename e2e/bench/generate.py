#!/usr/bin/env python3
"""Writes the benchmark request fixtures (AdmissionRequests, policy-server shape).

Run from the repository root: python3 e2e/bench/generate.py
The output is checked in; this script documents how it was made and lets
the sizes be changed deliberately. Every request is one each policy it is
meant for accepts, so the measured path is the full check, not an early
rejection.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTRY = "registry.vdi.example.com"


def security_context():
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def env(container, count):
    out = []
    for i in range(count):
        if i % 8 == 7:
            out.append({
                "name": f"KASM_SECRET_{i:02d}",
                "valueFrom": {"secretKeyRef": {"name": f"session-{container}", "key": f"key-{i:02d}"}},
            })
        else:
            out.append({"name": f"KASM_SETTING_{i:02d}", "value": f"{container}-{i:02d}"})
    return out


def container(name, image, env_count, gpu=False):
    limits = {"cpu": "2", "memory": "4Gi"}
    requests = {"cpu": "500m", "memory": "1Gi"}
    if gpu:
        limits["nvidia.com/gpu"] = 1
        requests["nvidia.com/gpu"] = 1
    return {
        "name": name,
        "image": f"{REGISTRY}/{image}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "https", "containerPort": 6901, "protocol": "TCP"}],
        "env": env(name, env_count),
        "resources": {"limits": limits, "requests": requests},
        "securityContext": security_context(),
        "volumeMounts": [
            {"name": "home", "mountPath": "/home/kasm-user"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def metadata(name):
    return {
        "name": name,
        "namespace": "vdi",
        "uid": "7d2f4c1e-3b8a-4f6e-9c2d-1a5b8e9f0c3d",
        "creationTimestamp": "2026-11-27T09:00:00Z",
        "labels": {
            "app.kubernetes.io/name": "vdi-session",
            "app.kubernetes.io/managed-by": "vdi-operator",
            "vdi.kasm.io/user": "alice",
            "vdi.kasm.io/session": name,
        },
        "annotations": {
            "vdi.kasm.io/template": "ubuntu-desktop-gpu",
            "vdi.kasm.io/requested-by": "oidc:alice",
        },
    }


def pod_spec(containers, init):
    return {
        "runtimeClassName": "nvidia",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "fsGroup": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "initContainers": init,
        "containers": containers,
        "volumes": [
            {"name": "home", "emptyDir": {"sizeLimit": "2Gi"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "512Mi"}},
        ],
        "tolerations": [
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ],
    }


def pod(name, containers, init):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata(name),
            "spec": pod_spec(containers, init)}


def request(obj, group, version, kind, resource):
    return {
        "uid": "b6f3c2a1-0d4e-4f5a-8b7c-9e1d2f3a4b5c",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": obj["metadata"]["name"],
        "namespace": obj["metadata"]["namespace"],
        "operation": "CREATE",
        "userInfo": {
            "username": "oidc:alice",
            "uid": "a1b2c3d4",
            "groups": ["oidc:vdi-users", "system:authenticated"],
        },
        "object": obj,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }


def small_pod():
    return pod("session-alice-ubuntu", [
        container("desktop", "desktops/ubuntu-jammy:1.16.0", 14, gpu=True),
        container("audio", "desktops/pulseaudio:1.16.0", 8),
    ], [container("init-home", "tools/busybox:1.36", 4)])


def large_pod():
    containers = [container(f"app-{i:02d}", f"apps/tool-{i:02d}:2.4.1", 40, gpu=(i == 0))
                  for i in range(40)]
    return pod("session-alice-lab", containers, [])


def netpol(name, rules):
    egress = []
    for i in range(rules):
        if i % 4 == 3:
            egress.append({
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": f"svc-{i}"}},
                        "podSelector": {"matchLabels": {"app": f"backend-{i}"}}}],
                "ports": [{"protocol": "TCP", "port": 8080 + i % 100}],
            })
        else:
            egress.append({
                "to": [{"ipBlock": {"cidr": f"10.{i // 250 % 250}.{i % 250}.0/24",
                                    "except": [f"10.{i // 250 % 250}.{i % 250}.128/25"]}}],
                "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "UDP", "port": 53}],
            })
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name),
        "spec": {
            "podSelector": {"matchLabels": {"vdi.kasm.io/user": "alice"}},
            "policyTypes": ["Egress"],
            "egress": egress,
        },
    }
    return request(obj, "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies")


METADATA_ENDPOINTS = ["169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128"]


def calico(name, rules):
    """A Calico NetworkPolicy with many ordered rules: per-tenant Deny rules,
    then the metadata Deny, then Allow rules to everything on HTTPS. Each
    Allow is judged against every Deny before it, so this is the request
    where the rule-by-rule search costs rules x rules."""
    denies = rules // 2
    egress = [{"action": "Deny", "protocol": "TCP",
               "destination": {"nets": [f"10.{i // 250 % 250}.{i % 250}.0/24"]}}
              for i in range(denies)]
    egress.append({"action": "Deny", "protocol": "TCP", "destination": {"nets": METADATA_ENDPOINTS}})
    egress += [{"action": "Allow", "protocol": "TCP",
                "destination": {"nets": ["0.0.0.0/0", "::/0"], "ports": [443, 8443 + i % 100]}}
               for i in range(rules - denies - 1)]
    obj = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "NetworkPolicy",
        "metadata": metadata(name),
        "spec": {"selector": "vdi.kasm.io/user == 'alice'", "types": ["Egress"], "egress": egress},
    }
    return request(obj, "projectcalico.org", "v3", "NetworkPolicy", "networkpolicies")


def session(name, template):
    obj = {
        "apiVersion": "vdi.kasm.io/v1alpha1",
        "kind": "VDISession",
        "metadata": metadata(name),
        "spec": {"user": "alice", "template": "ubuntu-desktop-gpu", "timeout": "8h",
                 "podTemplate": {"spec": template}},
    }
    return request(obj, "vdi.kasm.io", "v1alpha1", "VDISession", "vdisessions")


def write(name, value):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(value, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {os.path.getsize(path)} bytes")


write("pod-small.json", request(small_pod(), "", "v1", "Pod", "pods"))
write("pod-large.json", request(large_pod(), "", "v1", "Pod", "pods"))
write("networkpolicy-small.json", netpol("session-alice-egress", 24))
write("networkpolicy-large.json", netpol("session-alice-egress", 700))
write("calico-small.json", calico("session-alice-egress", 34))
write("calico-large.json", calico("session-alice-egress", 1200))


def as_chart_renders(pod_request):
    """The same Pod as an upstream Helm chart renders it: Docker Hub kasmweb
    images (short form) and no security context or token setting. What
    restricted-security-context's `mutate` and trusted-registries' `rewrite`
    are for: both change every container of it."""
    spec = pod_request["object"]["spec"]
    del spec["automountServiceAccountToken"]
    del spec["securityContext"]["runAsNonRoot"]
    del spec["securityContext"]["seccompProfile"]
    for c in spec["initContainers"] + spec["containers"]:
        del c["securityContext"]
        c["image"] = "kasmweb/" + c["image"].rsplit("/", 1)[1]
    return pod_request


write("pod-chart-small.json", as_chart_renders(request(small_pod(), "", "v1", "Pod", "pods")))
write("pod-chart-large.json", as_chart_renders(request(large_pod(), "", "v1", "Pod", "pods")))
small = small_pod()["spec"]
small["containers"] = small["containers"][:2]
small["initContainers"] = []
write("vdisession-small.json", session("alice-ubuntu", small))
write("vdisession-large.json", session("alice-lab", large_pod()["spec"]))
