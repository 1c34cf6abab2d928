#!/usr/bin/env python3
"""Generates the PSA parity suites of restricted-security-context.

Every case is one mutation of a restricted-compliant VDI session pod, written
four ways: as a Pod, wrapped in a Deployment, wrapped in a CronJob, and as a
`pods/ephemeralcontainers` UPDATE that adds a kubectl debug container carrying
the container-level mutation. Each case covers one check of PSA
restricted:latest (all 19 check IDs, including the four baseline checks that
restricted overrides) with passing and failing inputs; expectations follow the
upstream check sources (kubernetes/pod-security-admission policy/check_*.go).

Run from anywhere (needs PyYAML); it rewrites fixtures/{pod,deployment,cronjob,ephemeral}/
and parity-*.yaml next to this file, or under --out DIR (the drift test,
tests/parity_generator.rs, regenerates there and compares):

    python3 policies/restricted-security-context/suites/generate.py [--out DIR]
"""

import argparse
import copy
import os
import shutil

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PSA_ONLY = {"requireReadOnlyRootFilesystem": False, "denyServiceAccountTokenAutomount": False}
RESTRICTED_SC = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def base_pod(windows=False):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "session-alice",
            "namespace": "vdi",
            "labels": {"app.kubernetes.io/name": "vdi-session", "vdi.kasm.io/user": "alice"},
        },
        "spec": {
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1000,
                "runAsGroup": 1000,
                "fsGroup": 1000,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "initContainers": [
                {
                    "name": "init-home",
                    "image": "docker.io/library/busybox:1.36",
                    "command": ["sh", "-c", "cp -rn /etc/skel/. /home/kasm-user/"],
                    "securityContext": copy.deepcopy(RESTRICTED_SC),
                    "volumeMounts": [{"name": "home", "mountPath": "/home/kasm-user"}],
                }
            ],
            "containers": [
                {
                    "name": "desktop",
                    "image": "docker.io/kasmweb/ubuntu-jammy-desktop:1.16.0",
                    "ports": [{"name": "https", "containerPort": 6901}],
                    "env": [{"name": "VNC_PW", "valueFrom": {"secretKeyRef": {"name": "session-alice", "key": "password"}}}],
                    "resources": {"limits": {"cpu": "2", "memory": "4Gi"}},
                    "securityContext": copy.deepcopy(RESTRICTED_SC),
                    "volumeMounts": [{"name": "home", "mountPath": "/home/kasm-user"}],
                }
            ],
            "volumes": [{"name": "home", "emptyDir": {"sizeLimit": "2Gi"}}],
        },
    }
    if windows:
        pod["metadata"]["name"] = "session-alice-windows"
        spec = pod["spec"]
        spec["os"] = {"name": "windows"}
        spec["securityContext"] = {"runAsNonRoot": True}
        for c in spec["initContainers"] + spec["containers"]:
            del c["securityContext"]
        spec["initContainers"][0]["image"] = "mcr.microsoft.com/windows/nanoserver:ltsc2022"
        spec["initContainers"][0]["command"] = ["cmd", "/c", "echo ready"]
        spec["containers"][0]["image"] = "registry.vdi.example.com/desktops/windows-desktop:2025.1"
    return pod


def debugger(windows=False):
    c = {
        "name": "debugger",
        "image": "docker.io/library/busybox:1.36",
        "command": ["sh"],
        "stdin": True,
        "tty": True,
        "targetContainerName": "desktop",
    }
    if not windows:
        c["securityContext"] = copy.deepcopy(RESTRICTED_SC)
    return c


# -- mutation helpers ---------------------------------------------------------


def sc(c):
    return c.setdefault("securityContext", {})


def pod_sc(spec):
    return spec.setdefault("securityContext", {})


def set_c(path, value):
    """Container mutation: set securityContext.<path> (dotted) to value."""

    def f(c):
        node = sc(c)
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value

    return f


def del_c(path):
    def f(c):
        node = sc(c)
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node.pop(keys[-1], None)

    return f


def chain(*fs):
    def f(x):
        for g in fs:
            g(x)

    return f


def probe(kind, handler, host):
    def f(c):
        h = {"port": 6901}
        if host is not None:
            h["host"] = host
        if handler == "httpGet":
            h["path"] = "/healthz"
            h["scheme"] = "HTTPS"
        if kind in ("postStart", "preStop"):
            c.setdefault("lifecycle", {})[kind] = {handler: h}
        else:
            c[kind] = {handler: h, "periodSeconds": 10}

    return f


def volumes(*vols):
    def f(spec):
        spec["volumes"] = spec["volumes"] + [copy.deepcopy(v) for v in vols]

    return f


def set_p(key, value):
    def f(spec):
        spec[key] = value

    return f


def set_psc(path, value):
    def f(spec):
        node = pod_sc(spec)
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value

    return f


def del_psc(key):
    def f(spec):
        pod_sc(spec).pop(key, None)

    return f


def every_container(g):
    """Pod mutation applied to every container of every list."""

    def f(spec):
        for lst in ("initContainers", "containers", "ephemeralContainers"):
            for c in spec.get(lst, []):
                g(c)

    return f


def annotate_target(value):
    """AppArmor legacy annotation for the target container (meta mutation)."""

    def f(meta, target):
        meta.setdefault("annotations", {})[f"container.apparmor.security.beta.kubernetes.io/{target}"] = value

    return f


# -- cases --------------------------------------------------------------------
# check: upstream check ID; expect: accept|reject; target: "desktop" | "init-home"
# (container the `container` mutation applies to; the debug container in the
# ephemeral variant); pod: pod-spec mutation; meta: metadata mutation;
# message: fragments, with {c} = target container and {all} = every container
# name quoted in PSA order.

NET_FS = [
    {"name": "nfs-share", "nfs": {"server": "nas.vdi.example.com", "path": "/exports/home"}},
    {"name": "iscsi-disk", "iscsi": {"targetPortal": "10.0.0.5:3260", "iqn": "iqn.2001-04.com.example:storage", "lun": 0}},
    {"name": "gluster", "glusterfs": {"endpoints": "glusterfs-cluster", "path": "vol"}},
    {"name": "ceph-rbd", "rbd": {"monitors": ["10.0.0.6:6789"], "image": "home"}},
    {"name": "cephfs", "cephfs": {"monitors": ["10.0.0.6:6789"]}},
    {"name": "fibre", "fc": {"targetWWNs": ["500a0982991b8dc5"], "lun": 2}},
    {"name": "quobyte", "quobyte": {"registry": "registry:7861", "volume": "home"}},
    {"name": "flocker", "flocker": {"datasetName": "home"}},
    {"name": "storageos", "storageos": {"volumeName": "home"}},
    {"name": "scaleio", "scaleIO": {"gateway": "https://scaleio", "system": "s", "secretRef": {"name": "s"}}},
    {"name": "portworx", "portworxVolume": {"volumeID": "home"}},
]
CLOUD = [
    {"name": "gce", "gcePersistentDisk": {"pdName": "home"}},
    {"name": "ebs", "awsElasticBlockStore": {"volumeID": "vol-0123"}},
    {"name": "azure-file", "azureFile": {"secretName": "s", "shareName": "home"}},
    {"name": "azure-disk", "azureDisk": {"diskName": "home", "diskURI": "https://disk"}},
    {"name": "cinder", "cinder": {"volumeID": "home"}},
    {"name": "vsphere", "vsphereVolume": {"volumePath": "[ds] home.vmdk"}},
    {"name": "photon", "photonPersistentDisk": {"pdID": "home"}},
]
ALLOWED_VOLUMES = [
    {"name": "config", "configMap": {"name": "desktop-config"}},
    {"name": "csi", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True}},
    {"name": "podinfo", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    {"name": "scratch", "emptyDir": {"medium": "Memory"}},
    {"name": "profile", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}},
    {"name": "tools", "image": {"reference": "registry.vdi.example.com/tools:1.0", "pullPolicy": "IfNotPresent"}},
    {"name": "persistent-home", "persistentVolumeClaim": {"claimName": "home-alice"}},
    {"name": "bundle", "projected": {"sources": [{"configMap": {"name": "ca"}}]}},
    {"name": "tls", "secret": {"secretName": "session-alice-tls"}},
]

APE = 'allowPrivilegeEscalation != false (container "{c}" must set securityContext.allowPrivilegeEscalation=false)'
DROP = 'unrestricted capabilities (container "{c}" must set securityContext.capabilities.drop=["ALL"])'


def add_caps(*caps):
    return set_c("capabilities.add", list(caps))


CASES = [
    # allowPrivilegeEscalation
    dict(name="ape-false-pass", check="allowPrivilegeEscalation", expect="accept"),
    dict(name="ape-unset-fail", check="allowPrivilegeEscalation", expect="reject", container=del_c("allowPrivilegeEscalation"), message=[APE]),
    dict(name="ape-true-init-fail", check="allowPrivilegeEscalation", expect="reject", target="init-home", container=set_c("allowPrivilegeEscalation", True), message=[APE]),
    # Windows pods: PSA skips the Linux-only restricted checks (allowPrivilegeEscalation,
    # capabilities_restricted, seccompProfile_restricted) but not the others.
    dict(name="windows-linux-only-checks-skipped-pass", check="allowPrivilegeEscalation", expect="accept", windows=True),
    dict(name="windows-run-as-non-root-still-required-fail", check="runAsNonRoot", expect="reject", windows=True, pod=del_psc("runAsNonRoot"), message=["runAsNonRoot != true (pod or containers {all} must set securityContext.runAsNonRoot=true)"]),
    # appArmorProfile
    dict(name="apparmor-runtime-default-and-localhost-pass", check="appArmorProfile", expect="accept", pod=set_psc("appArmorProfile", {"type": "RuntimeDefault"}), container=set_c("appArmorProfile", {"type": "Localhost", "localhostProfile": "vdi-desktop"})),
    dict(name="apparmor-container-unconfined-fail", check="appArmorProfile", expect="reject", container=set_c("appArmorProfile", {"type": "Unconfined"}), message=['forbidden AppArmor profile (container "{c}" must not set AppArmor profile type to "Unconfined")']),
    dict(name="apparmor-pod-unconfined-fail", check="appArmorProfile", expect="reject", pod=set_psc("appArmorProfile", {"type": "Unconfined"}), message=['forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")']),
    dict(name="apparmor-annotation-unconfined-fail", check="appArmorProfile", expect="reject", meta=annotate_target("unconfined"), message=['forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/{c}="unconfined"")']),
    dict(name="apparmor-annotation-localhost-pass", check="appArmorProfile", expect="accept", meta=annotate_target("localhost/vdi-desktop")),
    # capabilities_baseline (overridden at restricted by capabilities_restricted)
    dict(name="caps-baseline-net-raw-fail", check="capabilities_baseline", expect="reject", container=add_caps("NET_RAW"), message=['unrestricted capabilities (container "{c}" must not include "NET_RAW" in securityContext.capabilities.add)']),
    dict(name="caps-baseline-default-set-chown-fail", check="capabilities_baseline", expect="reject", target="init-home", container=add_caps("CHOWN", "SETUID"), message=['unrestricted capabilities (container "{c}" must not include "CHOWN", "SETUID" in securityContext.capabilities.add)']),
    dict(name="caps-baseline-cap-prefix-fail", check="capabilities_baseline", expect="reject", container=add_caps("CAP_NET_BIND_SERVICE"), message=['must not include "CAP_NET_BIND_SERVICE" in securityContext.capabilities.add']),
    # capabilities_restricted
    dict(name="caps-net-bind-service-pass", check="capabilities_restricted", expect="accept", container=add_caps("NET_BIND_SERVICE")),
    dict(name="caps-drop-all-among-others-pass", check="capabilities_restricted", expect="accept", container=set_c("capabilities.drop", ["NET_RAW", "ALL"])),
    dict(name="caps-no-drop-fail", check="capabilities_restricted", expect="reject", container=set_c("capabilities.drop", ["NET_RAW"]), message=[DROP]),
    dict(name="caps-no-capabilities-fail", check="capabilities_restricted", expect="reject", target="init-home", container=del_c("capabilities"), message=[DROP]),
    dict(name="caps-lowercase-all-fail", check="capabilities_restricted", expect="reject", container=set_c("capabilities.drop", ["all"]), message=[DROP]),
    dict(name="caps-sys-ptrace-fail", check="capabilities_restricted", expect="reject", container=add_caps("SYS_PTRACE"), message=['unrestricted capabilities (container "{c}" must not include "SYS_PTRACE" in securityContext.capabilities.add)']),
    # hostNamespaces
    dict(name="host-namespaces-false-pass", check="hostNamespaces", expect="accept", pod=chain(set_p("hostNetwork", False), set_p("hostPID", False), set_p("hostIPC", False))),
    dict(name="host-network-fail", check="hostNamespaces", expect="reject", pod=set_p("hostNetwork", True), message=["host namespaces (hostNetwork=true)"]),
    dict(name="host-pid-fail", check="hostNamespaces", expect="reject", pod=set_p("hostPID", True), message=["host namespaces (hostPID=true)"]),
    dict(name="host-ipc-and-pid-fail", check="hostNamespaces", expect="reject", pod=chain(set_p("hostIPC", True), set_p("hostPID", True)), message=["host namespaces (hostPID=true, hostIPC=true)"]),
    # hostPathVolumes (overridden at restricted by restrictedVolumes)
    dict(name="host-path-fail", check="hostPathVolumes", expect="reject", pod=volumes({"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}), message=['restricted volume types (volume "docker-sock" uses restricted volume type "hostPath")']),
    # hostPorts
    dict(name="host-port-zero-pass", check="hostPorts", expect="accept", container=lambda c: c.__setitem__("ports", [{"containerPort": 6901, "hostPort": 0}])),
    dict(name="host-port-fail", check="hostPorts", expect="reject", container=lambda c: c.__setitem__("ports", [{"containerPort": 6901, "hostPort": 6901}]), message=['hostPort (container "{c}" uses hostPort 6901)']),
    # hostProbesAndHostLifecycle
    dict(name="probe-without-host-pass", check="hostProbesAndHostLifecycle", expect="accept", container=chain(probe("livenessProbe", "httpGet", None), probe("readinessProbe", "tcpSocket", ""), probe("preStop", "httpGet", None))),
    dict(name="liveness-http-host-fail", check="hostProbesAndHostLifecycle", expect="reject", container=probe("livenessProbe", "httpGet", "169.254.169.254"), message=['probe or lifecycle host (container "{c}" uses probe or lifecycle host "169.254.169.254")']),
    dict(name="readiness-tcp-host-fail", check="hostProbesAndHostLifecycle", expect="reject", target="init-home", container=probe("readinessProbe", "tcpSocket", "kubernetes.default.svc"), message=['probe or lifecycle host (container "{c}" uses probe or lifecycle host "kubernetes.default.svc")']),
    dict(name="startup-http-host-fail", check="hostProbesAndHostLifecycle", expect="reject", container=probe("startupProbe", "httpGet", "10.43.0.1"), message=['probe or lifecycle host (container "{c}" uses probe or lifecycle host "10.43.0.1")']),
    dict(name="lifecycle-hosts-fail", check="hostProbesAndHostLifecycle", expect="reject", container=chain(probe("postStart", "tcpSocket", "::1"), probe("preStop", "httpGet", "127.0.0.1")), message=['probe or lifecycle host (container "{c}" uses probe or lifecycle hosts "127.0.0.1", "::1")']),
    # privileged
    dict(name="privileged-false-pass", check="privileged", expect="accept", container=set_c("privileged", False)),
    dict(name="privileged-fail", check="privileged", expect="reject", container=chain(set_c("privileged", True), set_c("allowPrivilegeEscalation", True)), message=['privileged (container "{c}" must not set securityContext.privileged=true)', APE]),
    # procMount (baseline, overridden) and procMount_restricted
    dict(name="procmount-default-userns-pass", check="procMount_restricted", expect="accept", pod=set_p("hostUsers", False), container=set_c("procMount", "Default")),
    dict(name="procmount-unmasked-fail", check="procMount", expect="reject", container=set_c("procMount", "Unmasked"), message=['procMount (container "{c}" must not set securityContext.procMount to "Unmasked")']),
    dict(name="procmount-unmasked-userns-fail", check="procMount_restricted", expect="reject", target="init-home", pod=set_p("hostUsers", False), container=set_c("procMount", "Unmasked"), message=['procMount (container "{c}" must not set securityContext.procMount to "Unmasked")']),
    # restrictedVolumes
    dict(name="volumes-allowed-types-pass", check="restrictedVolumes", expect="accept", pod=volumes(*ALLOWED_VOLUMES)),
    dict(name="volume-without-source-pass", check="restrictedVolumes", expect="accept", pod=volumes({"name": "defaulted-to-empty-dir"})),
    dict(name="volumes-network-fs-fail", check="restrictedVolumes", expect="reject", pod=volumes(*NET_FS), message=['restricted volume types (volumes "nfs-share", "iscsi-disk", "gluster", "ceph-rbd", "cephfs", "fibre", "quobyte", "flocker", "storageos", "scaleio", "portworx" use restricted volume types "cephfs", "fc", "flocker", "glusterfs", "iscsi", "nfs", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos")']),
    dict(name="volumes-cloud-disks-fail", check="restrictedVolumes", expect="reject", pod=volumes(*CLOUD), message=['restricted volume types (volumes "gce", "ebs", "azure-file", "azure-disk", "cinder", "vsphere", "photon" use restricted volume types "awsElasticBlockStore", "azureDisk", "azureFile", "cinder", "gcePersistentDisk", "photonPersistentDisk", "vsphereVolume")']),
    dict(name="volumes-git-and-flex-fail", check="restrictedVolumes", expect="reject", pod=volumes({"name": "dotfiles", "gitRepo": {"repository": "https://git.example.com/dotfiles.git"}}, {"name": "flex", "flexVolume": {"driver": "example/lvm"}}), message=['restricted volume types (volumes "dotfiles", "flex" use restricted volume types "flexVolume", "gitRepo")']),
    dict(name="volume-unknown-type-fail", check="restrictedVolumes", expect="reject", pod=volumes({"name": "future", "futureVolumeSource": {"path": "/"}}), message=['restricted volume types (volume "future" uses restricted volume type "unknown")']),
    # runAsNonRoot
    dict(name="run-as-non-root-containers-true-pass", check="runAsNonRoot", expect="accept", pod=chain(del_psc("runAsNonRoot"), every_container(set_c("runAsNonRoot", True)))),
    dict(name="run-as-non-root-unset-fail", check="runAsNonRoot", expect="reject", pod=del_psc("runAsNonRoot"), message=["runAsNonRoot != true (pod or containers {all} must set securityContext.runAsNonRoot=true)"]),
    dict(name="run-as-non-root-pod-false-fail", check="runAsNonRoot", expect="reject", pod=chain(set_psc("runAsNonRoot", False), every_container(set_c("runAsNonRoot", True))), message=["runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"]),
    dict(name="run-as-non-root-container-false-fail", check="runAsNonRoot", expect="reject", container=set_c("runAsNonRoot", False), message=['runAsNonRoot != true (container "{c}" must not set securityContext.runAsNonRoot=false)']),
    dict(name="run-as-non-root-userns-pass", check="runAsNonRoot", expect="accept", pod=chain(set_p("hostUsers", False), set_psc("runAsNonRoot", False))),
    # runAsUser
    dict(name="run-as-user-non-zero-pass", check="runAsUser", expect="accept", container=set_c("runAsUser", 1001)),
    dict(name="run-as-user-pod-zero-fail", check="runAsUser", expect="reject", pod=chain(set_psc("runAsUser", 0), del_psc("runAsNonRoot"), every_container(set_c("runAsNonRoot", True))), message=["runAsUser=0 (pod must not set runAsUser=0)"]),
    dict(name="run-as-user-container-zero-fail", check="runAsUser", expect="reject", container=set_c("runAsUser", 0), message=['runAsUser=0 (container "{c}" must not set runAsUser=0)']),
    dict(name="run-as-user-zero-userns-pass", check="runAsUser", expect="accept", pod=chain(set_p("hostUsers", False), set_psc("runAsUser", 0))),
    # seLinuxOptions
    dict(name="selinux-allowed-types-pass", check="seLinuxOptions", expect="accept", pod=set_psc("seLinuxOptions", {"type": "container_t", "level": "s0:c123,c456"}), container=set_c("seLinuxOptions", {"type": "container_engine_t"})),
    dict(name="selinux-spc-type-fail", check="seLinuxOptions", expect="reject", container=set_c("seLinuxOptions", {"type": "spc_t"}), message=['seLinuxOptions (container "{c}" set forbidden securityContext.seLinuxOptions: type "spc_t")']),
    dict(name="selinux-pod-user-role-fail", check="seLinuxOptions", expect="reject", pod=set_psc("seLinuxOptions", {"user": "system_u", "role": "system_r"}), message=["seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user may not be set; role may not be set)"]),
    # seccompProfile_baseline (overridden at restricted by seccompProfile_restricted)
    dict(name="seccomp-pod-unconfined-fail", check="seccompProfile_baseline", expect="reject", pod=set_psc("seccompProfile", {"type": "Unconfined"}), message=['seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")']),
    dict(name="seccomp-container-unconfined-fail", check="seccompProfile_baseline", expect="reject", container=set_c("seccompProfile", {"type": "Unconfined"}), message=['seccompProfile (container "{c}" must not set securityContext.seccompProfile.type to "Unconfined")']),
    # seccompProfile_restricted
    dict(name="seccomp-containers-localhost-pass", check="seccompProfile_restricted", expect="accept", pod=chain(del_psc("seccompProfile"), every_container(set_c("seccompProfile", {"type": "Localhost", "localhostProfile": "profiles/vdi-desktop.json"})))),
    dict(name="seccomp-unset-fail", check="seccompProfile_restricted", expect="reject", pod=del_psc("seccompProfile"), message=['seccompProfile (pod or containers {all} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")']),
    # sysctls
    dict(name="sysctls-safe-pass", check="sysctls", expect="accept", pod=set_psc("sysctls", [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}, {"name": "net.ipv4.tcp_keepalive_time", "value": "600"}, {"name": "net.ipv4.tcp_notsent_lowat", "value": "16384"}])),
    dict(name="sysctls-unsafe-fail", check="sysctls", expect="reject", pod=set_psc("sysctls", [{"name": "kernel.msgmax", "value": "65536"}, {"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "net.core.somaxconn", "value": "1024"}]), message=["forbidden sysctls (kernel.msgmax, net.core.somaxconn)"]),
    # windowsHostProcess
    dict(name="host-process-pod-fail", check="windowsHostProcess", expect="reject", windows=True, pod=chain(set_psc("windowsOptions", {"hostProcess": True, "runAsUserName": "NT AUTHORITY\\SYSTEM"}), set_p("hostNetwork", True)), message=["host namespaces (hostNetwork=true)", "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)"]),
    dict(name="host-process-container-fail", check="windowsHostProcess", expect="reject", windows=True, container=set_c("windowsOptions", {"hostProcess": True}), message=['hostProcess (container "{c}" must not set securityContext.windowsOptions.hostProcess=true)']),
    dict(name="host-process-false-pass", check="windowsHostProcess", expect="accept", windows=True, container=set_c("windowsOptions", {"hostProcess": False, "runAsUserName": "ContainerUser"})),
    # every failure at once, in PSA's order
    dict(
        name="many-violations-in-psa-order-fail",
        check="(all)",
        expect="reject",
        pod=chain(set_p("hostPID", True), set_psc("sysctls", [{"name": "kernel.sem", "value": "1"}])),
        container=chain(set_c("privileged", True), del_c("capabilities"), set_c("runAsUser", 0)),
        message=[
            'violates PodSecurity "restricted:latest": host namespaces (hostPID=true), privileged (container "{c}" must not set securityContext.privileged=true), '
            'forbidden sysctls (kernel.sem), unrestricted capabilities (container "{c}" must set securityContext.capabilities.drop=["ALL"]), '
            'runAsUser=0 (container "{c}" must not set runAsUser=0)'
        ],
    ),
]


# -- rendering ----------------------------------------------------------------


def build(case, with_debugger):
    """The case's pod and, for the ephemeral variant, the pod before the debug container."""
    windows = case.get("windows", False)
    pod = base_pod(windows)
    spec = pod["spec"]
    target_name = case.get("target", "desktop")
    if with_debugger:
        spec["ephemeralContainers"] = [debugger(windows)]
        target = spec["ephemeralContainers"][0]
        target_name = "debugger"
    else:
        target = next(c for c in spec["initContainers"] + spec["containers"] if c["name"] == target_name)
    if "container" in case:
        case["container"](target)
    if "pod" in case:
        case["pod"](spec)
    if "meta" in case:
        case["meta"](pod["metadata"], target_name)
    old = None
    if with_debugger:
        old = copy.deepcopy(pod)
        del old["spec"]["ephemeralContainers"]
    names = [c["name"] for lst in ("initContainers", "containers", "ephemeralContainers") for c in spec.get(lst, [])]
    return pod, old, target_name, names


def deployment(pod):
    meta = pod["metadata"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": meta["labels"]},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"vdi.kasm.io/user": "alice"}},
            "template": {"metadata": {k: v for k, v in meta.items() if k in ("labels", "annotations")}, "spec": pod["spec"]},
        },
    }


def cronjob(pod):
    meta = pod["metadata"]
    spec = copy.deepcopy(pod["spec"])
    spec["restartPolicy"] = "OnFailure"
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": meta["name"] + "-snapshot", "namespace": meta["namespace"]},
        "spec": {
            "schedule": "0 2 * * *",
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 1,
                    "template": {"metadata": {k: v for k, v in meta.items() if k in ("labels", "annotations")}, "spec": spec},
                }
            },
        },
    }


class Dumper(yaml.SafeDumper):
    """Block style, no aliases, keys in insertion order."""

    def ignore_aliases(self, data):
        return True


def dump(obj, path):
    with open(path, "w") as f:
        yaml.dump(obj, f, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=200, allow_unicode=True)


def quote_all(names):
    return ", ".join(f'"{n}"' for n in names)


def fragments(case, target_name, names):
    return [m.replace("{c}", target_name).replace("{all}", quote_all(names)) for m in case.get("message", [])]


VARIANTS = {
    "pod": ("Pod", "a plain Pod CREATE"),
    "deployment": ("Deployment", "the pod wrapped in an apps/v1 Deployment"),
    "cronjob": ("CronJob", "the pod wrapped in a batch/v1 CronJob"),
    "ephemeral": ("ephemeral containers", "a kubectl debug container added through pods/ephemeralcontainers"),
}


def main():
    parser = argparse.ArgumentParser(description="Generate the PSA parity suites.")
    parser.add_argument("--out", default=HERE, help="directory to write into (default: beside this script)")
    out = parser.parse_args().out
    fixtures = os.path.join(out, "fixtures")
    for variant in VARIANTS:
        shutil.rmtree(os.path.join(fixtures, variant), ignore_errors=True)
        os.makedirs(os.path.join(fixtures, variant))
    assert len({c["name"] for c in CASES}) == len(CASES), "case names must be unique"
    for variant, (title, what) in VARIANTS.items():
        suite_cases = []
        for case in CASES:
            pod, old, target_name, names = build(case, variant == "ephemeral")
            rel = f"fixtures/{variant}/{case['name']}.yaml"
            entry = {"name": case["name"]}
            if variant == "pod":
                dump(pod, os.path.join(out, rel))
            elif variant == "deployment":
                dump(deployment(pod), os.path.join(out, rel))
            elif variant == "cronjob":
                dump(cronjob(pod), os.path.join(out, rel))
            else:
                dump(pod, os.path.join(out, rel))
                old_rel = f"fixtures/{variant}/{case['name']}.old.yaml"
                dump(old, os.path.join(out, old_rel))
            entry["manifest"] = rel
            if variant == "ephemeral":
                entry["operation"] = "UPDATE"
                entry["subResource"] = "ephemeralcontainers"
                entry["oldManifest"] = old_rel
            entry["expect"] = case["expect"]
            msgs = fragments(case, target_name, names)
            if variant == "deployment" and case["expect"] == "reject":
                msgs.insert(0, 'Deployment pod template (spec.template.spec) violates PodSecurity "restricted:latest"')
            if variant == "cronjob" and case["expect"] == "reject":
                msgs.insert(0, 'CronJob pod template (spec.jobTemplate.spec.template.spec) violates PodSecurity "restricted:latest"')
            if msgs:
                entry["message"] = msgs
            suite_cases.append(entry)
        header = (
            f"# GENERATED by generate.py: do not edit. PSA restricted:latest parity, {what}.\n"
            "# Hardening is off so that the verdict must equal PSA's; one case per check input\n"
            "# (check IDs in generate.py).\n"
        )
        with open(os.path.join(out, f"parity-{variant}.yaml"), "w") as f:
            f.write(header)
            yaml.dump({"settings": PSA_ONLY, "cases": suite_cases}, f, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=400, allow_unicode=True)
    checks = sorted({c["check"] for c in CASES} - {"(all)"})
    print(f"{len(CASES)} cases x {len(VARIANTS)} variants; {len(checks)} check IDs: {', '.join(checks)}")


if __name__ == "__main__":
    main()
