"""Password guessing and spraying are locked out by the client's real address, also behind a proxy."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import PASSWORD

PROXY = "10.0.0.2"  # the reverse proxy: every request reaches Django from it
EDITOR = "203.0.113.7"
ATTACKER = "198.51.100.66"


def through_proxy(client_address, forged=None):
    """A client whose requests come through one proxy that appends the address it saw."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def log_in(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_bad_logins_with_a_forged_forwarded_for_do_not_lock_out_the_editor_behind_the_proxy(editor):
    attacker = through_proxy(ATTACKER, forged=EDITOR)
    statuses = [log_in(attacker, "bob", "wrong").status_code for _ in range(6)]
    assert statuses[-1] == 429  # the attacker's own address is locked out

    response = log_in(through_proxy(EDITOR), "bob", PASSWORD)
    assert response.status_code == 302  # logged in


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1, LOGIN_FAILURES_PER_ADDRESS=20)
def test_spraying_many_usernames_from_one_address_is_locked_out(editor):
    sprayer = through_proxy(ATTACKER)
    statuses = [log_in(sprayer, f"user{n}", "Winter2026!").status_code for n in range(20)]
    assert statuses[:19] == [200] * 19 and statuses[19] == 429
    # Locked out for every username now, a right password included; other addresses are not.
    assert log_in(sprayer, "bob", PASSWORD).status_code == 429
    assert log_in(through_proxy(EDITOR), "bob", PASSWORD).status_code == 302


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_a_few_typos_of_colleagues_behind_one_address_lock_nobody_out(editor, viewer):
    office = through_proxy(EDITOR)
    for username in ["bob", "charlie", "bob", "charlie", "bob", "charlie"]:
        assert log_in(office, username, "typo").status_code == 200
    assert log_in(through_proxy(EDITOR), "charlie", PASSWORD).status_code == 302


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
@pytest.mark.parametrize(
    ("forwarded", "counted_as"),
    [
        ("203.0.113.7:5555", EDITOR),  # proxies that add the client's port
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("garbage", PROXY),  # not an address: counted as the proxy's
        ("999.1.1.1", PROXY),
        ("203.0.113.7, not-an-address", PROXY),
    ],
)
def test_a_forwarded_address_with_a_port_or_none_at_all_is_no_500(editor, forwarded, counted_as):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert log_in(client, "bob", "wrong").status_code == 200  # the form again, not a 500
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [counted_as]
    assert log_in(client, "bob", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_without_a_proxy_forwarded_for_is_ignored(editor):
    attacker = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=EDITOR)
    for _ in range(5):
        log_in(attacker, "bob", "wrong")
    assert log_in(Client(REMOTE_ADDR=EDITOR), "bob", PASSWORD).status_code == 302
    assert (
        log_in(Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.1"), "bob", PASSWORD).status_code
        == 429
    )


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_answers_over_plain_http_when_https_is_enforced(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/institutions/").status_code == 301


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "says", "wait"),
    [
        ("ru", "с вашего адреса или под этим именем", "Повторите через 30 минут."),
        ("en", "from your address or with this username", "Try again in 30 minutes."),
        ("kk", "мекенжайыңыздан немесе осы атпен", "30 минуттан кейін қайталаңыз."),
    ],
)
def test_the_lockout_page_names_address_and_wait_in_the_readers_language(editor, language, says, wait):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    attacker.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _ in range(5):
        log_in(attacker, "bob", "wrong")
    response = log_in(attacker, "bob", "wrong")
    assert response.status_code == 429
    text = response.content.decode()
    assert says in text and wait in text
    assert f'<html lang="{language}">' in text and response["Content-Language"] == language
    assert response["Retry-After"] == "1800"
    assert "account" not in text.lower() and "учётн" not in text.lower()
