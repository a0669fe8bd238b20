#!/usr/bin/env python3
"""Structural check of pairsmith's Kubernetes manifests (deploy/kubernetes), with PyYAML and our own field schema.

Usage: check-kubernetes-manifests.py [FOLDER]   (default: deploy/kubernetes beside this script's repository)
Prints one line per problem (file, document, field, what is wrong) and exits 1 when there is any.

Checked, per kind: the fields the API server requires, with their types (a typo'd or misplaced field is reported
as unknown); across files: the shards Job is an Indexed Job whose `--shards` equals `completions` and whose --db
holds {shard}; every volume's claim is a PVC of the set and every mount names a volume; the Deployment's selector
matches its pod labels and the Service selects those pods on the port the shards' --chat-url names; the merge Job
checks the same number of shard manifests.
"""
import pathlib
import re
import sys

import yaml

STR, INT, BOOL, LIST, MAP = str, int, bool, list, dict

# field -> type, or (type, nested schema); "*" marks required fields.
CONTAINER = {
    "*name": STR, "*image": STR, "command": (LIST, STR), "args": (LIST, STR), "env": (LIST, MAP),
    "ports": (LIST, {"name": STR, "*containerPort": INT, "protocol": STR}),
    "resources": (MAP, {"requests": MAP, "limits": MAP}),
    "volumeMounts": (LIST, {"*name": STR, "*mountPath": STR, "readOnly": BOOL, "subPath": STR}),
    "readinessProbe": MAP, "livenessProbe": MAP, "workingDir": STR,
}
POD_SPEC = {
    "*containers": (LIST, CONTAINER), "restartPolicy": STR, "nodeSelector": MAP, "tolerations": LIST,
    "volumes": (LIST, {"*name": STR, "persistentVolumeClaim": (MAP, {"*claimName": STR, "readOnly": BOOL}),
                       "emptyDir": MAP, "configMap": MAP, "secret": MAP}),
    "serviceAccountName": STR,
}
TEMPLATE = {"metadata": (MAP, {"labels": MAP, "annotations": MAP}), "*spec": (MAP, POD_SPEC)}
METADATA = {"*name": STR, "namespace": STR, "labels": MAP, "annotations": MAP}
SCHEMAS = {
    ("v1", "PersistentVolumeClaim"): {
        "*accessModes": (LIST, STR), "*resources": (MAP, {"*requests": (MAP, {"*storage": STR})}), "storageClassName": STR,
    },
    ("apps/v1", "Deployment"): {
        "replicas": INT, "*selector": (MAP, {"*matchLabels": MAP}), "*template": (MAP, TEMPLATE), "strategy": MAP,
    },
    ("v1", "Service"): {
        "*selector": MAP, "type": STR,
        "*ports": (LIST, {"name": STR, "*port": INT, "targetPort": (INT, str), "protocol": STR}),
    },
    ("batch/v1", "Job"): {
        "completions": INT, "parallelism": INT, "completionMode": STR, "backoffLimit": INT, "backoffLimitPerIndex": INT,
        "maxFailedIndexes": INT, "ttlSecondsAfterFinished": INT, "activeDeadlineSeconds": INT, "*template": (MAP, TEMPLATE),
    },
}


def check(value, schema, where, problems):
    """Checks `value` against `schema` (a type, a (type, nested) pair or a field map); appends problems."""
    if isinstance(schema, tuple):
        kind, nested = schema
        if kind is INT and nested is str:  # int or str (targetPort)
            if not isinstance(value, (int, str)) or isinstance(value, bool):
                problems.append(f"{where}: must be an integer or a name, found {type(value).__name__}")
            return
        if not isinstance(value, kind):
            problems.append(f"{where}: must be a {kind.__name__}, found {type(value).__name__}")
            return
        if kind is LIST:
            for i, item in enumerate(value):
                check(item, nested, f"{where}[{i}]", problems)
        else:
            check(value, nested, where, problems)
        return
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            problems.append(f"{where}: must be a mapping, found {type(value).__name__}")
            return
        fields = {k.lstrip("*"): (k.startswith("*"), v) for k, v in schema.items()}
        for name, (required, _) in fields.items():
            if required and name not in value:
                problems.append(f"{where}.{name}: required field missing")
        for name, item in value.items():
            if name not in fields:
                problems.append(f"{where}.{name}: unknown field (a typo, or misplaced?)")
            else:
                check(item, fields[name][1], f"{where}.{name}", problems)
        return
    if schema is INT and isinstance(value, bool) or not isinstance(value, schema):
        problems.append(f"{where}: must be a {schema.__name__}, found {type(value).__name__}")


def main(folder):
    problems = []
    objects = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError as error:
            problems.append(f"{path.name}: not valid YAML: {error}")
            continue
        for index, doc in enumerate(documents):
            where = f"{path.name}#{index}"
            if not isinstance(doc, dict):
                problems.append(f"{where}: a document must be a mapping")
                continue
            key = (doc.get("apiVersion"), doc.get("kind"))
            if key not in SCHEMAS:
                problems.append(f"{where}: unsupported apiVersion/kind {key[0]}/{key[1]}")
                continue
            for extra in set(doc) - {"apiVersion", "kind", "metadata", "spec"}:
                problems.append(f"{where}.{extra}: unknown top-level field")
            check(doc.get("metadata"), METADATA, f"{where}.metadata", problems)
            check(doc.get("spec"), SCHEMAS[key], f"{where}.spec", problems)
            objects.append((where, doc))
    if problems:
        return problems

    def named(kind):
        return [(w, d) for w, d in objects if d["kind"] == kind]

    claims = {d["metadata"]["name"] for _, d in named("PersistentVolumeClaim")}
    services = {d["metadata"]["name"]: d for _, d in named("Service")}
    for where, doc in objects:
        template = doc["spec"].get("template")
        if not template:
            continue
        pod = template["spec"]
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for v in volumes.values():
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim is not None and claim not in claims:
                problems.append(f"{where}: volume {v['name']} claims {claim}, which no PersistentVolumeClaim here defines")
        for c in pod["containers"]:
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    problems.append(f"{where}: container {c['name']} mounts {m['name']}, which is not among the pod's volumes")
        if doc["kind"] == "Job" and pod.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append(f"{where}.spec.template.spec.restartPolicy: a Job needs Never or OnFailure")
        if doc["kind"] == "Deployment":
            labels = template.get("metadata", {}).get("labels", {})
            for k, v in doc["spec"]["selector"]["matchLabels"].items():
                if labels.get(k) != v:
                    problems.append(f"{where}.spec.selector.matchLabels.{k}: the pod template's labels do not match")

    shard_jobs = [(w, d) for w, d in named("Job") if any("run" in c.get("command", []) for c in d["spec"]["template"]["spec"]["containers"])]
    if len(shard_jobs) != 1:
        problems.append(f"expected one Job running `pairsmith run` (the shards), found {len(shard_jobs)}")
        return problems
    where, job = shard_jobs[0]
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        problems.append(f"{where}.spec.completionMode: must be Indexed (JOB_COMPLETION_INDEX is the shard)")
    completions = spec.get("completions")
    if not isinstance(completions, int) or completions < 1:
        problems.append(f"{where}.spec.completions: must be the shard count (an integer >= 1)")
    command = job["spec"]["template"]["spec"]["containers"][0].get("command", [])
    if "--shards" not in command or command[command.index("--shards") + 1] != str(completions):
        problems.append(f"{where}: the command's --shards must equal spec.completions ({completions})")
    if "--db" not in command or "{shard}" not in command[command.index("--db") + 1]:
        problems.append(f"{where}: the command's --db must hold {{shard}} (one database per shard)")
    if "--chat-url" in command:
        url = command[command.index("--chat-url") + 1]
        match = re.match(r"https?://([^:/]+)(?::(\d+))?", url)
        host, port = (match.group(1), int(match.group(2) or 80)) if match else (None, None)
        service = services.get(host)
        if service is None:
            problems.append(f"{where}: --chat-url {url} names host {host}, which no Service here defines")
        else:
            if port not in [p["port"] for p in service["spec"]["ports"]]:
                problems.append(f"{where}: --chat-url port {port} is not a port of Service {host}")
            selected = [d for _, d in named("Deployment")
                        if all(d["spec"]["template"].get("metadata", {}).get("labels", {}).get(k) == v
                               for k, v in service["spec"]["selector"].items())]
            if not selected:
                problems.append(f"Service {host}: its selector matches no Deployment's pods")
    merges = [(w, d) for w, d in named("Job") if (w, d) != shard_jobs[0]]
    if len(merges) != 1:
        problems.append(f"expected one merge Job besides the shards Job, found {len(merges)}")
    else:
        mwhere, merge = merges[0]
        text = " ".join(" ".join(c.get("command", []) + c.get("args", [])) for c in merge["spec"]["template"]["spec"]["containers"])
        for needed in ("pairsmith merge", "pairsmith select", "pairsmith negatives"):
            if needed not in text:
                problems.append(f"{mwhere}: the merge Job must run `{needed}`")
        seq = re.search(r"seq 0 (\d+)", text)
        if not seq or int(seq.group(1)) != (completions or 0) - 1:
            problems.append(f"{mwhere}: the merge Job must check the manifests of shards 0…{(completions or 0) - 1} (seq 0 {(completions or 0) - 1})")
    return problems


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    folder = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "deploy" / "kubernetes"
    found = main(folder)
    for line in found:
        print(line)
    if not found:
        print(f"{folder}: every manifest passes")
    sys.exit(1 if found else 0)
