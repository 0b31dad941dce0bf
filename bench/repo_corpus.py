#!/usr/bin/env python3
"""Deterministic generator of a GitOps repository that holds authentik blueprints.

The `--project` benchmarks need what such a repository looks like, not only blueprints: 1,000
files by default, in folders as a Flux or Argo CD repository lays them out, of four kinds:

- 40% flow exports (bench/corpus.py's generator: what authentik's exporter writes), under
  ``authentik/blueprints/exports/``;
- 20% hand-written blueprints that refer to each other: per team, a file of stages
  (``authentik/blueprints/stages/team-N.yaml``) and a login flow
  (``authentik/blueprints/flows/team-N-login.yaml``) that binds them by ``!Find`` and applies
  the stages file first with an ``authentik_blueprints.metaapplyblueprint`` entry (path relative
  to the repository root, the ``--project`` folder). A few teams have the mistakes the set
  checks find: a flow without the meta-apply entry (AV707), a stage name used by two stage
  types in two files (AV702);
- 15% Kubernetes ConfigMaps that carry blueprints in ``data`` (one to three keys, block
  scalars), the way the authentik Helm chart mounts them, some in multi-document files with the
  Deployment that mounts them;
- 25% unrelated manifests: Deployments, Services, Ingresses, kustomizations, Helm values.

File N comes from its own RNG seeded with (seed, N), so the corpus is the same whatever the
machine. Usage:

    python bench/repo_corpus.py --files 1000 --out bench/repo-corpus
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus as flow_exports  # bench/ is not a package: imported from its folder

DEFAULT_SEED = 20261206
DEFAULT_FILES = 1000
GENERATOR_VERSION = 1
STATS_FILE = ".corpus-stats"
# The kind of file N, by N modulo 20: 8 exports, 4 team files (2 teams' stages + flows), 3
# ConfigMaps, 5 other manifests.
KINDS = ("export",) * 8 + ("stages", "flow", "stages", "flow") + ("configmap",) * 3 + ("manifest",) * 5
APPS = ("grafana", "loki", "minio", "nextcloud", "gitea", "vault", "harbor", "argo", "paperless", "immich")

STAGES = """\
version: 1
metadata:
  name: Team {team} - stages
entries:
  - model: authentik_stages_identification.identificationstage
    identifiers:
      name: team-{team}-identification
    attrs:
      user_fields: [email, username]
      case_insensitive_matching: true
      show_matched_user: false
  - model: authentik_stages_password.passwordstage
    identifiers:
      name: {password_name}
    attrs:
      backends:
        - authentik.core.auth.InbuiltBackend
        - authentik.core.auth.TokenBackend
      failed_attempts_before_cancel: {attempts}
  - model: authentik_stages_user_login.userloginstage
    identifiers:
      name: team-{team}-login
    attrs:
      session_duration: hours={hours}
"""

FLOW = """\
version: 1
metadata:
  name: Team {team} - login flow
entries:
{meta}  - model: authentik_flows.flow
    id: flow
    identifiers:
      slug: team-{team}-login
    attrs:
      name: Team {team} login
      title: Welcome to team {team}
      designation: authentication
      authentication: none
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !Find [authentik_stages_identification.identificationstage, [name, team-{team}-identification]]
      order: 10
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !Find [authentik_stages_password.passwordstage, [name, team-{team}-password]]
      order: 20
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !Find [authentik_stages_user_login.userloginstage, [name, team-{team}-login]]
      order: 100
"""

META = """\
  - model: authentik_blueprints.metaapplyblueprint
    attrs:
      identifiers:
        path: authentik/blueprints/stages/team-{team}.yaml
      required: true
"""

POLICY = """\
version: 1
metadata:
  name: {app} - {purpose}
entries:
  - model: authentik_policies_expression.expressionpolicy
    identifiers:
      name: {app}-{purpose}
    attrs:
      expression: |
        return ak_is_group_member(request.user, name="{app}-{purpose}")
  - model: authentik_core.group
    identifiers:
      name: {app}-{purpose}
    attrs:
      is_superuser: false
"""


def _team_of(index: int) -> int:
    """The team of a stages or flow file: two teams per 20 files."""
    block, offset = divmod(index, 20)
    return block * 2 + (0 if offset in (8, 9) else 1)


def _stages(rng: random.Random, index: int) -> tuple[str, str]:
    team = _team_of(index)
    # Every 13th team also names its password stage like another team's identification
    # stage: two stage types, one name, two files (AV702).
    password = f"team-{team - 1}-identification" if team % 13 == 12 else f"team-{team}-password"
    text = STAGES.format(
        team=team, password_name=password, attempts=rng.choice((3, 5, 10)), hours=rng.choice((1, 8, 24))
    )
    return f"authentik/blueprints/stages/team-{team}.yaml", text


def _flow(rng: random.Random, index: int) -> tuple[str, str]:
    team = _team_of(index)
    meta = "" if team % 11 == 10 else META.format(team=team)  # a few forget to order (AV707)
    return f"authentik/blueprints/flows/team-{team}-login.yaml", FLOW.format(team=team, meta=meta)


def _configmap(rng: random.Random, index: int) -> tuple[str, str]:
    app = APPS[index % len(APPS)]
    data = {}
    for purpose in rng.sample(("users", "admins", "viewers", "editors"), rng.randint(1, 3)):
        data[f"{app}-{purpose}-{index}.yaml"] = POLICY.format(app=f"{app}{index}", purpose=purpose)
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"authentik-blueprints-{app}-{index}",
            "namespace": "authentik",
            "labels": {"app.kubernetes.io/part-of": "authentik"},
        },
        "data": data,
    }
    documents = [config_map]
    if index % 3 == 0:  # with the Deployment that mounts it, in one file
        documents.append(_deployment(rng, f"authentik-worker-{index}", "ghcr.io/goauthentik/server:2025.12.4"))
    text = yaml.dump_all(documents, Dumper=_BlockDumper, sort_keys=False)
    return f"apps/authentik/configmaps/{app}-{index}.yaml", text


def _deployment(rng: random.Random, name: str, image: str) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": rng.randint(1, 3),
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": image,
                            "ports": [{"containerPort": rng.choice((80, 8080, 9000, 3000))}],
                            "resources": {"limits": {"memory": f"{rng.choice((128, 256, 512))}Mi"}},
                        }
                    ]
                },
            },
        },
    }


def _manifest(rng: random.Random, index: int) -> tuple[str, str]:
    app = APPS[index % len(APPS)]
    kind = rng.choice(("deployment", "service", "ingress", "kustomization", "values"))
    if kind == "deployment":
        body = _deployment(rng, f"{app}-{index}", f"docker.io/library/{app}:latest")
    elif kind == "service":
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"{app}-{index}"},
            "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": rng.choice((8080, 3000))}]},
        }
    elif kind == "ingress":
        body = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": f"{app}-{index}", "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}},
            "spec": {
                "rules": [
                    {
                        "host": f"{app}{index}.example.org",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": app, "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ]
            },
        }
    elif kind == "kustomization":
        body = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["deployment.yaml", "service.yaml", "ingress.yaml"],
            "namespace": app,
        }
        return f"apps/{app}/{index}/kustomization.yaml", yaml.dump(body, Dumper=_BlockDumper, sort_keys=False)
    else:
        body = {
            "replicaCount": rng.randint(1, 3),
            "image": {"repository": app, "tag": "1.0"},
            "ingress": {"enabled": True},
        }
        return f"apps/{app}/{index}/values.yaml", yaml.dump(body, Dumper=_BlockDumper, sort_keys=False)
    return f"apps/{app}/{index}/{kind}.yaml", yaml.dump(body, Dumper=_BlockDumper, sort_keys=False)


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as `|` block scalars, as people write ConfigMaps."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_BlockDumper.add_representer(str, _text)


def generate_file(seed: int, index: int) -> tuple[str, str]:
    """(path relative to the repository, text) of file `index`."""
    rng = random.Random(f"avlint-repo-{seed}-{index}")
    kind = KINDS[index % len(KINDS)]
    if kind == "export":
        name, text = flow_exports.generate_file(seed, index)
        return f"authentik/blueprints/exports/{name}", text
    return {"stages": _stages, "flow": _flow, "configmap": _configmap, "manifest": _manifest}[kind](rng, index)


def write_corpus(out: Path, files: int, seed: int = DEFAULT_SEED, quiet: bool = False) -> dict:
    """Write the repository to `out` (its old YAML files are removed first)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.rglob("*.yaml"):
        old.unlink()
    kinds: dict[str, int] = {}
    total = 0
    for index in range(files):
        path, text = generate_file(seed, index)
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        kind = KINDS[index % len(KINDS)]
        kinds[kind] = kinds.get(kind, 0) + 1
        total += len(text.encode("utf-8"))
    stats = {"files": files, "bytes": total, "seed": seed, "generator_version": GENERATOR_VERSION, **kinds}
    (out / STATS_FILE).write_text("".join(f"{k}={v}\n" for k, v in stats.items()), encoding="utf-8")
    if not quiet:
        print(f"wrote {files} files to {out}: {total / 1e6:.2f} MB; " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    return stats


def read_stats(out: Path) -> dict | None:
    try:
        text = (out / STATS_FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    return {
        key: int(value) if value.isdigit() else value
        for key, _, value in (line.partition("=") for line in text.splitlines())
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=DEFAULT_FILES)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "repo-corpus")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    write_corpus(args.out, args.files, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
