"""SendGuard's API on both ledgers: claim, done, release, duplicates, tokens,
TTLs per state and category, keys, hashing, failing closed or open."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

import oopslint
from oopslint import ConfigError, SendGuard
from oopslint.guard import ClaimLost, GuardError, GuardUnavailable, GuardWarning

ADA = {"recipient": {"email": "Ada@Example.com"}, "campaign": {"id": "2026-11-newsletter"}, "category": "marketing"}
RECEIPT = {"recipient": {"email": "ada@example.com"}, "event": {"id": "evt-9", "type": "receipt"}}


def guard(url: str, **options) -> SendGuard:
    return SendGuard(url, config={}, **options)


def test_a_claimed_key_is_not_claimed_again_until_released(ledger_url):
    g = guard(ledger_url)
    key = g.key_for(ADA)
    claim = g.try_claim(key)
    assert claim is not None
    assert g.try_claim(key) is None
    assert g.lookup(key).state == "in_progress"
    claim.release()
    assert g.lookup(key).state == "released"
    again = g.try_claim(key)
    assert again is not None
    again.done()
    assert g.try_claim(key) is None
    entry = g.lookup(key)
    assert entry.state == "sent" and entry.expires is None


def test_with_claim_records_the_send_and_raises_duplicate_send_after(ledger_url):
    g = guard(ledger_url)
    key = g.key_for(ADA)
    with g.claim(key, category="marketing"):
        pass
    with pytest.raises(oopslint.DuplicateSend) as caught:
        with g.claim(key):
            raise AssertionError("the body must not run")
    assert "already sent on" in str(caught.value)
    assert "a***@example.com" in str(caught.value) and "Ada@" not in str(caught.value)
    assert caught.value.entry.state == "sent" and caught.value.entry.category == "marketing"


def test_an_exception_inside_with_claim_releases_the_key(ledger_url):
    g = guard(ledger_url)
    key = g.key_for(ADA)
    with pytest.raises(RuntimeError):
        with g.claim(key):
            raise RuntimeError("provider timed out")
    assert g.lookup(key).state == "released"
    assert g.try_claim(key) is not None


def test_a_claim_in_progress_elsewhere_is_reported_as_such(ledger_url):
    g = guard(ledger_url)
    key = g.key_for(ADA)
    g.try_claim(key)
    with pytest.raises(oopslint.DuplicateSend, match="in progress on another worker"):
        with g.claim(key):
            pass


def test_only_the_holder_can_complete_or_release(ledger_url):
    g = guard(ledger_url, ttl={"in_progress": "300ms"})
    key = g.key_for(ADA)
    first = g.try_claim(key)
    time.sleep(0.5)
    second = g.try_claim(key)
    with pytest.raises(ClaimLost, match="another worker took the key"):
        first.done()  # the send went out twice: say so loudly
    second.done()


def test_a_stale_holder_cannot_release_the_new_holders_claim(ledger_url):
    g = guard(ledger_url, ttl={"in_progress": "300ms"})
    key = g.key_for(ADA)
    first = g.try_claim(key)
    time.sleep(0.5)  # the first worker stalls past its TTL
    second = g.try_claim(key)
    assert second is not None
    assert first.release() is False  # not the holder any more: changes nothing
    assert g.lookup(key).state == "in_progress"
    with pytest.raises(ClaimLost, match="another worker holds the key"):
        first.done()
    second.done()
    assert g.lookup(key).state == "sent"


def test_an_expired_claim_still_records_its_send_when_nobody_took_the_key(ledger_url):
    g = guard(ledger_url, ttl={"in_progress": "200ms"})
    key = g.key_for(ADA)
    claim = g.try_claim(key)
    time.sleep(0.35)
    claim.done()
    assert g.lookup(key).state == "sent"


def test_sent_ttl_per_category_lets_a_receipt_go_again_but_never_a_campaign(ledger_url):
    g = guard(ledger_url, category_ttl={"transactional": {"sent": "300ms"}})
    receipt = g.key_for(RECEIPT)
    campaign = g.key_for(ADA)
    with g.claim(receipt, category="transactional"):
        pass
    with g.claim(campaign, category="marketing"):
        pass
    assert g.lookup(receipt).expires is not None and g.lookup(campaign).expires is None
    time.sleep(0.45)
    assert g.try_claim(receipt, category="transactional") is not None
    assert g.try_claim(campaign, category="marketing") is None


def test_done_twice_is_harmless_and_release_after_done_is_an_error(ledger_url):
    g = guard(ledger_url)
    claim = g.try_claim("recipient_email=x@example.com|event_id=1")
    claim.done()
    claim.done()
    with pytest.raises(GuardError, match="already sent"):
        claim.release()


def test_forget_and_stats(ledger_url):
    g = guard(ledger_url)
    keys = [f"recipient_email=u{i}@example.com|campaign_id=c" for i in range(5)]
    for key in keys[:3]:
        with g.claim(key, category="marketing"):
            pass
    g.try_claim(keys[3])
    g.try_claim(keys[4]).release()
    assert g.stats() == {"sent": {"marketing": 3}, "in_progress": {"": 1}, "released": {"": 1}}
    assert g.forget(keys[0], "recipient_email=nobody@example.com|campaign_id=c") == 1
    assert g.try_claim(keys[0]) is not None


def test_key_for_campaign_else_event_else_a_clear_error(sqlite_url):
    g = guard(sqlite_url)
    assert g.key_for(ADA) == "recipient_email=ada@example.com|campaign_id=2026-11-newsletter"
    assert g.key_for(RECEIPT) == "recipient_email=ada@example.com|event_id=evt-9"
    with pytest.raises(GuardError, match="recipient.email\\+campaign.id or recipient.email\\+event.id"):
        g.key_for({"recipient": {"email": "ada@example.com"}})


def test_key_fields_and_context_paths_are_configurable(sqlite_url):
    config = {
        "guard": {"key": ["recipient_email+order_id"]},
        "context": {"fields": {"recipient_email": "customer.mail"}},
    }
    g = SendGuard(sqlite_url, config=config)
    assert (
        g.key_for({"customer": {"mail": "ada@example.com"}, "order": {"id": "A-1"}})
        == "recipient_email=ada@example.com|order_id=A-1"
    )
    custom = SendGuard(sqlite_url, config={}, key=lambda ctx: f"{ctx.get('recipient_email')}/{ctx.campaign_id}")
    assert custom.key_for(ADA) == "Ada@Example.com/2026-11-newsletter"


def test_content_hash_makes_a_corrected_email_a_new_send(sqlite_url):
    g = guard(sqlite_url, content_hash=True)
    first, fixed = g.key_for(ADA, "<p>Helo</p>"), g.key_for(ADA, "<p>Hello</p>")
    assert first != fixed and first.startswith(
        "recipient_email=ada@example.com|campaign_id=2026-11-newsletter|content="
    )
    with pytest.raises(GuardError, match="pass the email's content"):
        g.key_for(ADA)


def test_keys_are_stored_hashed_unless_configured(tmp_path):
    path = tmp_path / "ledger.db"
    hashed = guard(f"sqlite:///{path}")
    with hashed.claim(hashed.key_for(ADA)):
        pass
    hashed.close()
    assert b"ada@example.com" not in _ledger_bytes(path)
    plain_path = tmp_path / "plain.db"
    plain = guard(f"sqlite:///{plain_path}", hash_keys=False)
    with plain.claim(plain.key_for(ADA)):
        pass
    plain.close()
    assert b"ada@example.com" in _ledger_bytes(plain_path)


def test_keys_are_hashed_on_redis_too(redis_url):
    import redis

    g = guard(redis_url)
    with g.claim(g.key_for(ADA)):
        pass
    names = redis.Redis.from_url(redis_url).keys("*")
    assert names and not any(b"example.com" in name for name in names)


def _ledger_bytes(path) -> bytes:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path.read_bytes()


def test_show_recipients_prints_addresses(sqlite_url):
    g = guard(sqlite_url, show_recipients=True)
    key = g.key_for(ADA)
    g.try_claim(key)
    with pytest.raises(oopslint.DuplicateSend, match="ada@example.com"):
        with g.claim(key):
            pass


def test_unreachable_ledger_fails_closed_by_default():
    g = guard("redis://127.0.0.1:9/0")  # the discard port: nothing listens
    with pytest.raises(GuardUnavailable, match=r"ledger redis://127.0.0.1:9/0 unreachable.*Connection refused"):
        g.try_claim("recipient_email=ada@example.com|campaign_id=c")
    with pytest.raises(GuardUnavailable):
        with g.claim("recipient_email=ada@example.com|campaign_id=c"):
            raise AssertionError("the send must not go out")


def test_unreachable_ledger_fails_open_with_a_warning_when_configured():
    g = guard("redis://127.0.0.1:9/0", fail="open")
    sent = []
    with pytest.warns(GuardWarning, match="send not guarded: ledger redis://127.0.0.1:9/0 unreachable"):
        with g.claim("recipient_email=ada@example.com|campaign_id=c") as claim:
            sent.append(claim.guarded)
    assert sent == [False]


def test_the_redis_password_never_appears_in_errors(monkeypatch):
    monkeypatch.setenv("GUARD_REDIS_PASSWORD", "s3cret-hunter2")
    g = guard("redis://:${GUARD_REDIS_PASSWORD}@127.0.0.1:9/0")
    with pytest.raises(GuardUnavailable) as caught:
        g.try_claim("k")
    assert "s3cret-hunter2" not in str(caught.value) and "***" in str(caught.value)
    assert "s3cret-hunter2" not in repr(g)


@pytest.mark.parametrize(
    "table, message",
    [
        ({"fail": "maybe"}, 'choose "closed"'),
        ({"ttl": {"in_progress": "never"}}, "must expire"),
        ({"ttl": {"sending": "1m"}}, "unknown state 'sending'"),
        ({"ttl": {"sent": "soon"}}, "is not a duration"),
        ({"url": "postgres://db/ledger"}, "use sqlite:///path/to/ledger.db or redis://host:6379/0"),
        ({"colour": "red"}, "unknown option 'colour'"),
    ],
)
def test_bad_guard_configuration_is_named(table, message):
    with pytest.raises(ConfigError, match=message):
        SendGuard(config={"guard": {"url": "sqlite:///x.db", **table}})


def test_no_url_anywhere_is_a_configuration_error():
    with pytest.raises(ConfigError, match="no ledger for the send guard"):
        SendGuard(config={})


def test_the_async_twins(ledger_url):
    g = guard(ledger_url)

    async def pipeline() -> list[str]:
        seen = []
        key = g.key_for(ADA)
        async with g.aclaim(key, category="marketing"):
            seen.append("sent")
        try:
            async with g.aclaim(key):
                seen.append("twice")
        except oopslint.DuplicateSend:
            seen.append("duplicate")
        claim = await g.atry_claim(g.key_for(RECEIPT))
        await claim.arelease()
        seen.append((await g.alookup(g.key_for(RECEIPT))).state)
        await g.aclose()
        return seen

    assert asyncio.run(pipeline()) == ["sent", "duplicate", "released"]
    assert g.lookup(g.key_for(ADA)).state == "sent"


def test_a_relative_ledger_in_a_config_file_is_next_to_that_file(tmp_path, monkeypatch):
    (tmp_path / "oopslint.toml").write_text('[guard]\nurl = "sqlite:///state/sent.db"\nfail = "closed"\n')
    (tmp_path / "state").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    g = SendGuard(config=tmp_path / "oopslint.toml")
    g.try_claim("k")
    assert (tmp_path / "state" / "sent.db").is_file()


def test_a_key_id_is_a_fixed_digest_of_the_key_on_every_path(sqlite_url):
    """The ledger stores "h:" and 144 bits of the key's SHA-256 in base64url: the
    same id from key_id, from claim_many and from status, in every version."""
    g = guard(sqlite_url)
    key = "recipient_email=ada@example.com|campaign_id=2026-11-newsletter"
    assert g.key_id(key) == "h:FqoQL8tqN0vvoDr-bzMcrsDH"
    others = [f"recipient_email=u{n}@example.com|campaign_id=ids" for n in range(40)] + [
        "recipient_email=zoë@example.com"
    ]
    claims = g.claim_many([key, *others])
    assert [c.key_id for c in claims] == [g.key_id(k) for k in [key, *others]]
    assert len({c.key_id for c in claims}) == len(claims)
