"""Fault injection of the fake authentik server, checked over real loopback sockets with httpx."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests.fake_authentik import FakeAuthentik

LIST = "/api/v3/stages/authenticator/validate/"
# Plain HTTP on loopback: verify=False only skips loading CA certificates (0.2 s per client).
NO_TLS = {"verify": False}
VERSION = "/api/v3/admin/version/"


def logged(fake: FakeAuthentik, count: int) -> list:
    """The request log once ``count`` requests are logged and finished (the server notes a
    request's status after sending the answer, so the client can be ahead of the log)."""
    assert fake.requests.wait_finished(count)
    records = fake.requests.snapshot()
    assert len(records) == count
    return records


@pytest.fixture
def client(fake_authentik: FakeAuthentik):
    headers = {"Authorization": f"Bearer {fake_authentik.token}", "Accept": "application/json"}
    with httpx.Client(base_url=fake_authentik.url, headers=headers, timeout=10, **NO_TLS) as http:
        yield http


def test_fixture_exposes_the_server(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    assert fake_authentik.url.startswith("http://127.0.0.1:")
    assert fake_authentik.api_url == fake_authentik.url + "/api/v3"
    assert client.get(VERSION).json()["version_current"] == "2025.12.4"
    limited = {"Authorization": f"Bearer {fake_authentik.limited_token}"}
    assert client.get(LIST, headers=limited).status_code == 403
    fake_authentik.set_limited_permissions("view")
    listed = client.get(LIST, headers=limited).json()
    assert [stage["name"] for stage in listed["results"]] == ["default-authentication-mfa-validation"]
    assert len(fake_authentik.state.stages) == 18  # a fresh server's default stages
    assert fake_authentik.faults.rules == []
    assert [r.path for r in logged(fake_authentik, 3)] == [VERSION, LIST, LIST]


def test_latency_delays_matching_requests_only(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    rule = fake_authentik.faults.latency(0.3, path="/api/v3/stages/*")
    started = time.monotonic()
    assert client.get(LIST).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert client.get(VERSION).status_code == 200
    assert rule.hits == 1
    slow, fast = logged(fake_authentik, 2)
    assert slow.faults == ["latency"] and fast.faults == []
    assert slow.duration is not None and slow.duration >= 0.3
    assert fast.duration is not None and fast.duration < 0.3


def test_latency_lets_concurrent_requests_overlap(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    for index in range(4):  # five validation stages: five pages of one
        assert client.post(LIST, json={"name": f"avlint-page-{index}"}).status_code == 201
    fake_authentik.requests.clear()
    fake_authentik.faults.latency(0.4)
    headers = {"Authorization": f"Bearer {fake_authentik.token}"}
    statuses: list[int] = []

    def fetch(page: int) -> None:
        with httpx.Client(base_url=fake_authentik.url, headers=headers, timeout=10, **NO_TLS) as http:
            statuses.append(http.get(LIST, params={"page_size": 1, "page": page}).status_code)

    threads = [threading.Thread(target=fetch, args=(page,)) for page in range(1, 6)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert statuses == [200] * 5
    assert elapsed < 1.5  # five 0.4 s requests in parallel, not one after the other
    records = logged(fake_authentik, 5)
    assert fake_authentik.requests.max_in_flight == 5
    assert sorted(record.in_flight for record in records) == [1, 2, 3, 4, 5]
    assert sorted(record.arg("page") for record in records) == ["1", "2", "3", "4", "5"]
    assert fake_authentik.requests.in_flight == 0


def test_rate_limit_answers_429_with_retry_after_then_recovers(
    fake_authentik: FakeAuthentik, client: httpx.Client
) -> None:
    rule = fake_authentik.faults.rate_limit(times=2, retry_after=3)
    for _ in range(2):
        answer = client.get(LIST)
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "3"
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        assert answer.json() == {"detail": "Request was throttled. Expected available in 3 seconds."}
    assert client.get(LIST).status_code == 200
    assert (rule.hits, rule.remaining, rule.active) == (2, 0, False)
    records = logged(fake_authentik, 3)
    assert [r.status for r in records] == [429, 429, 200]
    assert [r.faults for r in records] == [["status:429"], ["status:429"], []]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors(fake_authentik: FakeAuthentik, client: httpx.Client, status: int) -> None:
    fake_authentik.faults.status(status, times=1)
    answer = client.get(LIST)
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert str(status) in answer.text
    assert client.get(LIST).status_code == 200  # one time only


def test_status_with_custom_body_and_unlimited_times(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.status(
        503, times=None, retry_after=7, body='{"detail": "down"}', content_type="application/json"
    )
    for _ in range(3):
        answer = client.get(VERSION)
        assert (answer.status_code, answer.headers["Retry-After"], answer.json()) == (503, "7", {"detail": "down"})


def test_faults_can_target_a_path_pattern_and_a_method(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.status(502, times=None, path="/api/v3/stages/authenticator/validate/*", method="POST")
    assert client.get(LIST).status_code == 200
    assert client.post(LIST, json={"name": "x"}).status_code == 502
    assert client.get(VERSION).status_code == 200
    assert "x" not in {s.name for s in fake_authentik.state.stages.values()}  # the request was not handled


def test_dropped_connection(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    rule = fake_authentik.faults.drop(times=1, path=LIST)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(LIST)
    assert client.get(LIST).status_code == 200  # a new connection works
    assert rule.hits == 1
    dropped, served = logged(fake_authentik, 2)
    assert (dropped.status, dropped.faults, served.status) == (None, ["drop"], 200)


def test_slow_body_arrives_in_chunks(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    for index in range(4):  # five validation stages: a 3.5 kB answer
        assert client.post(LIST, json={"name": f"avlint-slow-{index}"}).status_code == 201
    fake_authentik.requests.clear()
    expected = client.get(LIST).content
    fake_authentik.faults.slow_body(chunk_size=1000, delay=0.1)
    with client.stream("GET", LIST) as answer:
        headers_at = time.monotonic()
        assert answer.headers["Content-Length"] == str(len(expected))
        chunks = list(answer.iter_raw())
    finished = time.monotonic()
    assert b"".join(chunks) == expected
    # The headers came first, then four chunks with three 0.1 s pauses (less a little for the
    # time the headers took to arrive).
    assert finished - headers_at >= 0.25
    assert len(chunks) >= 2
    assert logged(fake_authentik, 2)[-1].faults == ["slow_body"]


def test_slow_body_can_trip_a_client_read_timeout(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.slow_body(chunk_size=100, delay=0.5, times=1)
    with pytest.raises(httpx.ReadTimeout):
        client.get(LIST, timeout=httpx.Timeout(5, read=0.2))


def test_faults_combine_and_clear(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.latency(0.2, times=1)
    fake_authentik.faults.rate_limit(times=1)
    started = time.monotonic()
    assert client.get(LIST).status_code == 429
    assert time.monotonic() - started >= 0.2
    assert logged(fake_authentik, 1)[0].faults == ["latency", "status:429"]
    fake_authentik.faults.rate_limit(times=None)
    fake_authentik.faults.clear()
    assert client.get(LIST).status_code == 200


def test_request_log_records_method_path_query_and_time(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    before = time.time()
    client.get(LIST, params={"search": "lint", "page_size": "2"})
    client.post(LIST, json={"name": "avlint-log"})
    client.head(LIST)
    first, second, third = logged(fake_authentik, 3)
    assert (first.method, first.path, first.query) == ("GET", LIST, {"search": ["lint"], "page_size": ["2"]})
    assert (second.method, second.status, second.body) == ("POST", 201, b'{"name":"avlint-log"}')
    assert second.headers["content-type"] == "application/json"
    assert (third.method, third.status) == ("HEAD", 200)
    assert before <= first.wall_time <= second.wall_time <= third.wall_time <= time.time()
    assert first.started <= second.started <= third.started
    fake_authentik.requests.clear()
    assert len(fake_authentik.requests) == 0


def test_reset_restores_seed_state_and_clears_faults(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    assert client.post(LIST, json={"name": "avlint-reset"}).status_code == 201
    fake_authentik.faults.rate_limit(times=None)
    fake_authentik.reset()
    assert fake_authentik.faults.rules == []
    assert len(fake_authentik.requests) == 0
    assert client.get(LIST).json()["pagination"]["count"] == 1


def test_the_fake_only_listens_on_loopback(fake_authentik: FakeAuthentik) -> None:
    assert fake_authentik._server is not None
    assert fake_authentik._server.server_address[0] == "127.0.0.1"


def test_stop_closes_keep_alive_connections() -> None:
    fake = FakeAuthentik().start()
    with httpx.Client(base_url=fake.url, timeout=5, **NO_TLS) as http:
        assert http.get(VERSION).status_code == 403  # no token; the connection stays open
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 2
        with pytest.raises(httpx.TransportError):
            http.get(VERSION)


def test_session_fixture_is_reset_between_uses(fake_authentik_session: FakeAuthentik) -> None:
    fake_authentik_session.reset()
    headers = {"Authorization": f"Bearer {fake_authentik_session.token}"}
    with httpx.Client(base_url=fake_authentik_session.url, headers=headers, timeout=10, **NO_TLS) as http:
        assert http.post(LIST, json={"name": "avlint-session"}).status_code == 201
        fake_authentik_session.reset()
        assert http.get(LIST).json()["pagination"]["count"] == 1


# -- hostile answers -------------------------------------------------------------------------------------
def test_html_page_with_200(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.html_page(path=LIST)
    answer = client.get(LIST)
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert answer.text.startswith("<!DOCTYPE html>")
    assert client.get(VERSION).headers["Content-Type"] == "application/json; charset=utf-8"


def test_redirect_names_its_location(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.redirect(301, "https://elsewhere.example.com/", path=LIST)
    answer = client.get(LIST)  # httpx does not follow redirects unless asked
    assert (answer.status_code, answer.headers["Location"], answer.content) == (
        301,
        "https://elsewhere.example.com/",
        b"",
    )


def test_malformed_json_says_json_and_is_cut_off(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.malformed_json(path=LIST)
    answer = client.get(LIST)
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    with pytest.raises(ValueError):
        answer.json()


def test_huge_total_pages_rewrites_only_the_page_count(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    real = client.get(LIST).json()
    fake_authentik.faults.huge_total_pages(10_000_000, path=LIST)
    changed = client.get(LIST).json()
    assert changed["pagination"]["total_pages"] == 10_000_000
    assert changed["pagination"]["count"] == real["pagination"]["count"] == 1
    assert changed["results"] == real["results"]
    created = client.post(LIST, json={"name": "avlint-x"})
    assert created.status_code == 201 and "pk" in created.json()  # writes are untouched (GET only)


def test_echo_token_repeats_the_authorization_header(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.echo_token(path=LIST)
    answer = client.get(LIST)
    assert answer.status_code == 500
    assert f"HTTP_AUTHORIZATION = 'Bearer {fake_authentik.token}'" in answer.text


def test_drip_sends_one_byte_at_a_time(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    rule = fake_authentik.faults.drip(delay=0.01, path=VERSION)
    with client.stream("GET", VERSION) as answer:
        chunks = list(answer.iter_raw())
    # The server writes a byte at a time; a busy reader may take two writes in one read, so the
    # test asks for many small pieces that make the whole answer, not exactly one byte each.
    assert len(chunks) > 10 and sum(len(chunk) == 1 for chunk in chunks) > len(chunks) // 2
    assert isinstance(json.loads(b"".join(chunks)), dict)
    assert rule.hits == 1 and (rule.chunk_size, rule.delay) == (1, 0.01)


def test_lose_answer_carries_the_request_out_then_hangs_up(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.lose_answer(times=1, method="POST", path=LIST)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(LIST, json={"name": "avlint-lost", "device_classes": ["totp"]})
    assert "avlint-lost" in {s.name for s in fake_authentik.state.stages.values()}  # created nonetheless
    assert logged(fake_authentik, 1)[0].faults == ["lose_answer"]


def test_late_answer_is_carried_out_before_it_is_sent(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    fake_authentik.faults.late_answer(1.0, times=1, method="POST", path=LIST)
    with pytest.raises(httpx.ReadTimeout):
        client.post(LIST, json={"name": "avlint-late", "device_classes": ["totp"]}, timeout=httpx.Timeout(5, read=0.2))
    assert "avlint-late" in {s.name for s in fake_authentik.state.stages.values()}


def test_after_lets_the_first_matching_requests_through(fake_authentik: FakeAuthentik, client: httpx.Client) -> None:
    rule = fake_authentik.faults.status(500, times=None, path=LIST)
    rule.after = 2
    assert [client.get(LIST).status_code for _ in range(4)] == [200, 200, 500, 500]
    assert rule.hits == 2
