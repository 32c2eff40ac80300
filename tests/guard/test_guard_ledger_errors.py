"""A damaged or read-only SQLite ledger: a clear error from the API, exit 2 from the CLI."""

from __future__ import annotations

import pytest

from oopslint import SendGuard
from oopslint.guard import GuardUnavailable

from .conftest import NEWSLETTER


@pytest.fixture
def corrupt_ledger(tmp_path):
    good = SendGuard(f"sqlite:///{tmp_path / 'ledger.db'}", config={})
    with good.claim("recipient_email=ada@example.com|campaign_id=c"):
        pass
    good.close()
    path = tmp_path / "ledger.db"
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"ledger.db{suffix}").unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    data[:16] = b"this is not ok!\0"  # the header a disk error or a stray write destroyed
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_ledger_is_named_with_what_to_do(corrupt_ledger):
    guard = SendGuard(f"sqlite:///{corrupt_ledger}", config={})
    with pytest.raises(GuardUnavailable, match=r"is damaged or is not a SQLite database; move it aside"):
        guard.try_claim("recipient_email=ada@example.com|campaign_id=c")


def test_a_damaged_ledger_exits_2_on_the_command_line(corrupt_ledger, cli, tmp_path):
    result = cli(
        "guard", "status", "--url", f"sqlite:///{corrupt_ledger}", "recipient_email=ada@example.com|campaign_id=c"
    )
    assert result.returncode == 2
    assert "is damaged or is not a SQLite database" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"recipient": {"email": "ada@example.com"}, "campaign": {"id": "c"}}\n')
    batch = cli(
        "batch",
        str(NEWSLETTER),
        "--contexts",
        str(rows),
        "--offline",
        "--select",
        "DUP",
        "--guard",
        f"sqlite:///{corrupt_ledger}",
    )
    assert batch.returncode == 2
    assert "is damaged or is not a SQLite database" in batch.stderr.decode()


def test_a_read_only_ledger_is_named(tmp_path, cli):
    path = tmp_path / "ledger.db"
    SendGuard(f"sqlite:///{path}", config={}).try_claim("k")
    # a ledger on a read-only volume (mode=ro opens it as one; root ignores chmod)
    url = f"sqlite:///{path}?mode=ro"
    with pytest.raises(GuardUnavailable, match="is read-only: the guard must write to claim a send"):
        SendGuard(url, config={}).try_claim("recipient_email=ada@example.com|campaign_id=c")
    assert cli("guard", "stats", "--url", url).returncode == 0  # reading still works
    result = cli("guard", "forget", "--url", url, "k")
    assert result.returncode == 2 and "is read-only" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(GuardUnavailable, match="does not exist"):
        SendGuard(f"sqlite:///{tmp_path / 'nowhere' / 'ledger.db'}", config={}).try_claim("k")
