"""Is this file an authentik blueprint? The one rule every command follows (README: "Which files
are blueprints").

GitOps repositories keep blueprints next to Kubernetes manifests, Helm charts, compose files and CI
workflows; a hook that errors on those cannot be switched on. So a file is first judged on cheap
text evidence, before any parsing (a Helm template often does not parse, and a blueprint with a
syntax error must still be reported, not skipped), then on its parsed top level:

1. `{{ ... }}` that begins a line, a value or a list item, outside quoted strings, comments and
   block scalars: a Helm (Go) template.
2. `version:` and `entries:` keys at column 0 (in JSON: `"version"` and `"entries"` keys): a
   blueprint, whatever follows, so a broken one is reported (AV001).
3. The file name: `kustomization.yaml`, `.gitlab-ci.yml`, `.github/workflows/*`,
   `docker-compose*.yaml` / `compose*.yaml`, a Helm chart's `Chart.yaml` and `values.yaml`.
4. A JSON file with `//` or `/* */` comments (tsconfig.json style).
5. The parsed top level. Several YAML documents: Kubernetes objects, or a stream that is not a
   blueprint. A mapping with `apiVersion` and `kind`: a Kubernetes object (a Kustomization too);
   kustomize keys: a kustomization; `services`: a compose file; `on` and `jobs`: a GitHub Actions
   workflow, `runs`: a GitHub Action; `stages` or jobs with `script`: a GitLab CI file; then any
   blueprint key (`version`, `metadata`, `context`, `entries`, or a near miss of one): a
   blueprint; a stage's API fields: an API body; anything else: not a blueprint. A list of plays
   (`hosts`, `import_playbook`): an Ansible playbook; a list of mappings none of which has a
   blueprint or entry key: not a blueprint. Empty files, scalars and other lists stay blueprints
   with a finding (AV007, AV008): they are most often a blueprint gone wrong.

A file that does not parse is reported (AV001), unless steps 1, 3 or 4 already named its kind, or
it is YAML that only authentik's stricter loader refuses and its content is a kind of step 5.

The engine never pays for more than a few regular expressions over the text unless the file is
one of the other kinds. Kubernetes ConfigMaps and Secrets have kinds of their own
(`kubernetes-configmap`, `kubernetes-secret`) so that blueprints embedded in them can be found.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

BLUEPRINT = "blueprint"
API_BODY = "api-body"
CONFIGMAP = "kubernetes-configmap"
SECRET = "kubernetes-secret"
KUBERNETES = "kubernetes"  # any other Kubernetes object
KUBERNETES_STREAM = "kubernetes-stream"  # several documents, all Kubernetes objects
KUSTOMIZATION = "kustomization"
HELM = "helm-template"
COMPOSE = "compose"
GITHUB_WORKFLOW = "github-workflow"
GITHUB_ACTION = "github-action"
GITLAB_CI = "gitlab-ci"
ANSIBLE = "ansible-playbook"
JSONC = "json-with-comments"
STREAM = "yaml-stream"  # several documents that are not all Kubernetes objects, and no blueprint
OTHER = "other"

_TOP_KEYS = frozenset({"version", "metadata", "context", "entries"})
_ENTRY_KEYS = frozenset({"model", "identifiers", "attrs"})
# Keys that mark a mapping as a create body of the validation stage (`name` alone is too common).
STAGE_BODY_KEYS = frozenset(
    {
        "not_configured_action",
        "device_classes",
        "configuration_stages",
        "configuration_stage",
        "last_auth_threshold",
        "webauthn_user_verification",
        "webauthn_allowed_device_types",
        "webauthn_hints",
    }
)
_KUSTOMIZE_KEYS = frozenset(
    {
        "resources",
        "bases",
        "components",
        "patches",
        "patchesStrategicMerge",
        "patchesJson6902",
        "configMapGenerator",
        "secretGenerator",
        "helmCharts",
        "namePrefix",
        "nameSuffix",
        "commonLabels",
        "images",
    }
)
_PLAY_KEYS = frozenset({"hosts", "import_playbook", "ansible.builtin.import_playbook"})


class Verdict(NamedTuple):
    """What a file is. `reason` says, for a file that is skipped, what it is instead
    ("Kubernetes Deployment"); `documents` holds the verdict of each document of a stream."""

    kind: str
    reason: str = ""
    documents: tuple[Verdict, ...] = ()

    @property
    def linted(self) -> bool:
        return self.kind in (BLUEPRINT, API_BODY)


BLUEPRINT_VERDICT = Verdict(BLUEPRINT)

# --- 1. to 4.: text evidence ---------------------------------------------------------------------

_YAML_EVIDENCE = (re.compile(r"^version[ \t]*:", re.MULTILINE), re.compile(r"^entries[ \t]*:", re.MULTILINE))
_JSON_EVIDENCE = (re.compile(r'"version"\s*:'), re.compile(r'"entries"\s*:'))
_QUOTED = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*'")
_HELM_START = re.compile(r"(?:^|:[ \t]+|-[ \t]+)\{\{.*\}\}")  # an action opens and closes on one line
_BLOCK_HEADER = re.compile(r"(?:^|[ \t])[|>][-+0-9]*[ \t]*$")
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][^/]*)?\.ya?ml$")


def before_parsing(path: str, text: str) -> Verdict | None:
    """The verdict from text evidence and the file name alone; None when only parsing can tell."""
    json = path.lower().endswith(".json")
    if not json and "{{" in text and _helm_template(text):
        return Verdict(HELM, "Helm template")
    evidence = _JSON_EVIDENCE if json else _YAML_EVIDENCE
    if all(pattern.search(text) for pattern in evidence):
        return BLUEPRINT_VERDICT
    by_name = _by_name(path)
    if by_name is not None:
        return by_name
    if json and ("//" in text or "/*" in text) and _has_json_comment(text):
        return Verdict(JSONC, "JSON with comments")
    return None


def _helm_template(text: str) -> bool:
    """A template action where YAML would start a value. `{{` inside a quoted string, a comment
    or a block scalar is text (an expression policy may well hold one)."""
    block_indent: int | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped.strip() or indent > block_indent:
                continue  # a line of the block scalar
            block_indent = None
        if not stripped or stripped.startswith("#"):
            continue
        bare = _QUOTED.sub('""', stripped)
        comment = bare.find(" #")
        if comment >= 0:
            bare = bare[:comment]
        if _HELM_START.search(bare):
            return True
        if _BLOCK_HEADER.search(bare):
            block_indent = indent
    return False


def _by_name(path: str) -> Verdict | None:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1].lower()
    if name in ("kustomization.yaml", "kustomization.yml", "kustomization"):
        return Verdict(KUSTOMIZATION, "kustomization")
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        return Verdict(GITLAB_CI, "GitLab CI file")
    if len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows":
        return Verdict(GITHUB_WORKFLOW, "GitHub Actions workflow")
    if name in ("chart.yaml", "values.yaml"):
        return Verdict(HELM, "Helm chart file" if name == "chart.yaml" else "Helm values file")
    if _COMPOSE_NAME.match(name):
        return Verdict(COMPOSE, "docker compose file")
    return None


def _has_json_comment(text: str) -> bool:
    bare = _JSON_STRING.sub('""', text)
    return "//" in bare or "/*" in bare


# --- 5.: the parsed top level --------------------------------------------------------------------


def of_root(root: Node | None, json: bool = False) -> Verdict:
    """The verdict on one parsed document (None: empty, which stays a blueprint for AV007)."""
    if isinstance(root, MappingNode):
        return _of_mapping(root, json)
    if isinstance(root, SequenceNode):
        return _of_sequence(root)
    return BLUEPRINT_VERDICT  # empty, null or a scalar: a blueprint gone wrong (AV007, AV008)


def _keys(mapping: MappingNode) -> dict[str, Node]:
    # `on:` is a boolean key in YAML 1.1: the raw text is what a workflow author wrote.
    return {key.value: value for key, value in mapping.value if isinstance(key, ScalarNode)}


def _plain(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else None


def _of_mapping(root: MappingNode, json: bool) -> Verdict:
    keys = _keys(root)
    api_version, kind = _plain(keys.get("apiVersion")), _plain(keys.get("kind"))
    if api_version and kind:
        return kubernetes_verdict(api_version, kind)
    names = set(keys)
    if names & _KUSTOMIZE_KEYS and not names & _TOP_KEYS:
        return Verdict(KUSTOMIZATION, "kustomization")
    if isinstance(keys.get("services"), MappingNode) and "entries" not in names:
        return Verdict(COMPOSE, "docker compose file")
    if "jobs" in names and ("on" in names or "true" in names):
        return Verdict(GITHUB_WORKFLOW, "GitHub Actions workflow")
    if isinstance(keys.get("runs"), MappingNode) and "entries" not in names:
        return Verdict(GITHUB_ACTION, "GitHub Action")
    if not names & _TOP_KEYS and (
        "stages" in names or any(isinstance(v, MappingNode) and "script" in _keys(v) for v in keys.values())
    ):
        return Verdict(GITLAB_CI, "GitLab CI file")
    if names & {"entries", "metadata", "context"} or (names and names <= _TOP_KEYS):
        return BLUEPRINT_VERDICT
    from avlint.suggest import closest  # only for files that are not plainly a blueprint

    if any(closest(k, ("entries", "metadata"), cutoff=0.8) for k in names if k):
        return BLUEPRINT_VERDICT
    if names & STAGE_BODY_KEYS:
        return Verdict(API_BODY)
    return Verdict(OTHER, f"{'JSON object' if json else 'YAML mapping'} without blueprint keys")


def kubernetes_verdict(api_version: str, kind: str) -> Verdict:
    if api_version.startswith("kustomize.config.k8s.io"):
        return Verdict(KUSTOMIZATION, "kustomization")
    if kind == "ConfigMap":
        return Verdict(CONFIGMAP, "Kubernetes ConfigMap")
    if kind == "Secret":
        return Verdict(SECRET, "Kubernetes Secret")
    return Verdict(KUBERNETES, f"Kubernetes {kind}")


def _of_sequence(root: SequenceNode) -> Verdict:
    items = root.value
    if not items or not all(isinstance(item, MappingNode) for item in items):
        return BLUEPRINT_VERDICT  # AV008: a list of values is nothing else we know
    keys = [set(_keys(item)) for item in items if isinstance(item, MappingNode)]
    if any(k & (_TOP_KEYS | _ENTRY_KEYS | STAGE_BODY_KEYS) for k in keys):
        return BLUEPRINT_VERDICT  # entries pasted at the top level (AV008)
    if any(k & _PLAY_KEYS for k in keys):
        return Verdict(ANSIBLE, "Ansible playbook")
    return Verdict(OTHER, "YAML list without blueprint keys")


def of_stream(roots: list[Node | None]) -> Verdict:
    """The verdict on a multi-document YAML stream that has no blueprint evidence."""
    documents = tuple(of_root(root) for root in roots if root is not None)
    if not documents or any(d.linted for d in documents):
        return BLUEPRINT_VERDICT  # empty documents, or one that may be a blueprint: reported (AV001)
    if all(d.kind in (CONFIGMAP, SECRET, KUBERNETES, KUSTOMIZATION) for d in documents):
        kinds = ", ".join(dict.fromkeys(d.reason.removeprefix("Kubernetes ") for d in documents))
        return Verdict(KUBERNETES_STREAM, f"Kubernetes objects ({kinds})", documents)
    return Verdict(STREAM, "multi-document YAML stream", documents)


# --- the whole decision --------------------------------------------------------------------------


def classify_text(path: str, text: str) -> tuple[Verdict, Node | None]:
    """The verdict and, when the text parses as one document, its root node. ContentProblem
    (AV001...) when a file that may be a blueprint does not parse: a broken blueprint is reported,
    never skipped. A leading byte-order mark must already be removed."""
    from avlint.loader.problems import ContentProblem

    early = before_parsing(path, text)
    if early is not None and not early.linted:
        return early, None
    json = path.lower().endswith(".json")
    try:
        root = _compose(text, json)
    except ContentProblem:
        if early is not None:
            raise  # blueprint evidence: the problem is the blueprint's
        fallback = _fallback(text, json)
        if fallback is None or fallback.linted:
            raise
        return fallback, None
    return (early or of_root(root, json)), root


def _compose(text: str, json: bool) -> Node | None:
    if json:
        from avlint.loader.json_nodes import compose_json  # only JSON files pay for it

        return compose_json(text)
    from avlint.loader.yaml_nodes import compose

    return compose(text)


def _fallback(text: str, json: bool) -> Verdict | None:
    """For a text authentik's loader refuses or that holds several documents: is it another kind
    of file (which only has to be YAML, not authentik's YAML)? None when it does not parse at all,
    or is no kind avlint knows."""
    if json:
        return None
    from avlint.loader.problems import ContentProblem
    from avlint.loader.yaml_nodes import compose_plain, compose_stream

    try:
        verdict = of_root(compose_plain(text))
    except ContentProblem:
        pass
    else:
        # Only a file recognised as another kind is spared: a plain mapping that authentik's
        # loader refuses is reported, as it always was (it may be a blueprint in the making).
        return None if verdict.kind == OTHER else verdict
    try:
        roots = compose_stream(text)
    except ContentProblem:
        return None
    return of_stream(roots) if len(roots) > 1 else None


def skipped_reason(path: str, text: str) -> str | None:
    """Why a command leaves the file alone (what it is instead of a blueprint), or None for a
    blueprint, an API body or a file that does not parse (which the command reports itself)."""
    from avlint.loader.problems import ContentProblem

    try:
        verdict, _ = classify_text(path, text.removeprefix("\ufeff"))
    except ContentProblem:
        return None
    return None if verdict.linted else verdict.reason


def skip_note(path: str, reason: str) -> str:
    """The one line a file named on the command line gets when it is skipped."""
    return f"{path}: note: skipped: {reason}, not a blueprint\n"


class NotABlueprint(Exception):
    """Raised by builders (payload, migrate) for a file that is another kind of file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
