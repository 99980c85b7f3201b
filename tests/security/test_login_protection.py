"""Finding 1: failed logins must lock the guessed account, never everyone behind a proxy.

The deployment the docs describe is gunicorn behind a TLS proxy, so every connection comes
from the proxy's address; these tests log in through that proxy (``TRUSTED_PROXIES``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, RequestFactory
from django.urls import reverse

from residents.login_protection import DEMO_PASSWORD, client_address
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def _behind_a_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURES_PER_USERNAME = 20


def _login(client: Client, username: str, password: str, *, client_ip: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def _signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.mark.django_db
def test_user_b_still_logs_in_while_user_a_is_locked_out_behind_the_proxy():
    UserFactory(username="alice")
    UserFactory(username="bob")
    attacker = Client()
    for _ in range(6):
        _login(attacker, "alice", "wrong guess", client_ip="203.0.113.9")
    # Alice, from the attacker's address, is locked: even her right password is refused.
    assert _login(attacker, "alice", PASSWORD, client_ip="203.0.113.9").status_code == 429
    # Bob, through the same proxy (same REMOTE_ADDR), signs in.
    assert _signed_in(_login(Client(), "bob", PASSWORD, client_ip="198.51.100.7"))
    # So does Bob from the attacker's own address: addresses are never locked.
    assert _signed_in(_login(Client(), "bob", PASSWORD, client_ip="203.0.113.9"))
    # And Alice herself, from her own address, still gets in.
    assert _signed_in(_login(Client(), "alice", PASSWORD, client_ip="198.51.100.20"))


@pytest.mark.django_db
def test_failures_spread_over_many_usernames_lock_no_one():
    UserFactory(username="carol")
    attacker = Client()
    for n in range(30):
        _login(attacker, f"user{n}", "wrong", client_ip="203.0.113.9")
    assert _signed_in(_login(Client(), "carol", PASSWORD, client_ip="203.0.113.9"))


@pytest.mark.django_db
def test_a_distributed_guess_at_one_account_is_stopped_by_the_username_limit(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 8
    UserFactory(username="dave")
    for n in range(8):  # two tries each from four addresses: under the pair limit
        _login(Client(), "dave", "wrong", client_ip=f"203.0.113.{n // 2 + 1}")
    assert _login(Client(), "dave", PASSWORD, client_ip="198.51.100.1").status_code == 429


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_pair_lock():
    """A client that writes its own X-Forwarded-For header cannot pose as a new address:
    the proxy appends the real one, and only the hop it added is believed."""
    UserFactory(username="erin")
    attacker = Client()
    for n in range(6):
        attacker.post(
            reverse("login"),
            {"username": "erin", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
        )
    assert _login(attacker, "erin", PASSWORD, client_ip="203.0.113.9").status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        # Not from a trusted proxy: the header is the client's own claim, ignored.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (PROXY, "198.51.100.1", "198.51.100.1"),
        (PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        (PROXY, "198.51.100.1, 10.0.0.6", "198.51.100.1"),  # two trusted hops (10.0.0.0/24)
        (PROXY, "not-an-address", PROXY),
        (PROXY, "", PROXY),
    ],
)
def test_client_address_only_believes_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == PROXY


@pytest.mark.django_db
def test_demo_password_is_refused_with_debug_off(settings):
    """Finding 7: the README promises the demo password only works with DEBUG on."""
    UserFactory(username="resident", password=make_password(DEMO_PASSWORD))
    settings.DEBUG = False
    response = _login(Client(), "resident", DEMO_PASSWORD, client_ip="198.51.100.1")
    assert not _signed_in(response)
    settings.DEBUG = True
    assert _signed_in(_login(Client(), "resident", DEMO_PASSWORD, client_ip="198.51.100.2"))
