"""A loopback fake of the authentik 2025.12.4 REST API for avlint's tests (stdlib only).

It reproduces the recorded behaviour of a real server (tests/data/recordings/, checked by
tests/test_fake_contract.py) and adds fault injection (tests/test_fake_faults.py).

Modules, one job each:

* ``server``      lifecycle, sockets, keep-alive, applying faults; ``FakeAuthentik``
* ``routes``      URL routing and the DRF request pipeline (negotiation, auth, 405, OPTIONS)
* ``auth``        bearer tokens and permission checks (403 bodies)
* ``state``       the in-memory database; ``seed`` rebuilds a fresh server's defaults from the
                  recordings (and, on request, the recorded server's hand-made stages)
* ``fields``, ``serializer``, ``validate``, ``threshold``  DRF validation and error bodies
* ``render``      response bodies of each object type
* ``pagination``  filters, search, ordering, pages
* ``views_*``     the endpoints; ``export`` for flow export
* ``blueprints``  blueprint validation as authentik's importer runs it, with ``blueprint_yaml``
                  (the loader and its 14 tags), ``blueprint_tags`` (resolving them) and
                  ``blueprint_find`` (Django-style queries over the fake's tables)
* ``faults``, ``requestlog``  fault injection and the request log
* ``data``        access to the recorded files
"""

from .faults import FaultRule, Faults
from .requestlog import RequestLog, RequestRecord
from .server import FakeAuthentik
from .state import State

__all__ = ["FakeAuthentik", "FaultRule", "Faults", "RequestLog", "RequestRecord", "State"]
