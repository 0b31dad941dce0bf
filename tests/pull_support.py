"""Give a fake authentik the default authentication flow a real authentik 2025.12.4 holds: the
stages' own fields and the two expression policies bound to the password and MFA stage bindings
(the "skip MFA after passwordless" binding), read from the real server's export of the flow
(tests/data/pull/export-default-authentication-flow.yaml, copied from the reference recordings).

Everything goes through the fake's API, as an admin would set it up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.fake_authentik import FakeAuthentik, views_policies

EXPORT = Path(__file__).resolve().parent / "data" / "pull" / "export-default-authentication-flow.yaml"
POLICY = "authentik_policies.policybinding"
ENDPOINTS = {
    "authentik_stages_identification.identificationstage": "/stages/identification/",
    "authentik_stages_password.passwordstage": "/stages/password/",
    "authentik_stages_user_login.userloginstage": "/stages/user_login/",
    "authentik_policies_expression.expressionpolicy": "/policies/expression/",
}


def api(fake: FakeAuthentik) -> httpx.Client:
    return httpx.Client(base_url=fake.api_url, headers={"Authorization": f"Bearer {fake.token}"})


def export_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(EXPORT.read_text(encoding="utf-8"))["entries"]
    return entries


def give_real_default_flow(fake: FakeAuthentik) -> dict[str, str]:
    """Set the fake's default authentication flow up as the real export has it; the new
    policies' names -> their pks on the fake."""
    created: dict[str, str] = {}  # export pk -> fake pk
    with api(fake) as client:
        for entry in export_entries():
            model, attrs, pk = entry["model"], entry["attrs"], entry["identifiers"]["pk"]
            if model.startswith("authentik_stages_") and model in ENDPOINTS:
                answer = client.patch(f"{ENDPOINTS[model]}{pk}/", json=attrs)
                answer.raise_for_status()
            elif model in ENDPOINTS:
                answer = client.post(ENDPOINTS[model], json=attrs)
                answer.raise_for_status()
                created[pk] = answer.json()["pk"]
            elif model == POLICY:
                identifiers = entry["identifiers"]
                body = {
                    **attrs,
                    "policy": created[identifiers["policy"]],
                    "target": identifiers["target"],  # a flow-stage binding's pk, as the export has it
                    "order": identifiers["order"],
                }
                answer = client.post("/policies/bindings/", json=body)
                answer.raise_for_status()
                created[pk] = answer.json()["pk"]
    _keep_export_pks(fake, created)
    return created


def _keep_export_pks(fake: FakeAuthentik, created: dict[str, str]) -> None:
    """Give the new policies and bindings the pks they have on the real server, so that a pull
    (and its golden file) is the same every run; the API has no way to choose a pk."""
    tables = views_policies.tables(fake.state)
    with fake.state.lock:
        for real, made in created.items():
            for name in ("policies", "policy_bindings"):
                if made in tables[name]:
                    item = tables[name].pop(made)
                    item.pk = real
                    tables[name][real] = item
        for binding in tables["policy_bindings"].values():
            binding.policy = next((real for real, made in created.items() if made == binding.policy), binding.policy)
