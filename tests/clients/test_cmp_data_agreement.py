"""The CMP verdicts agree with the caniemail data itself, looked up directly in the JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from oopslint import Email
from oopslint.rules.clients._common import dataset, expand_targets, version_key
from oopslint.rules.clients._features import NEVER_REPORTED, usages

DATA = Path(__file__).resolve().parents[2] / "rules" / "clients" / "data" / "caniemail.json"
TARGETS = ["apple-mail.*", "gmail.*", "outlook.*", "yahoo.*"]


def _raw() -> dict:
    return {item["slug"]: item for item in json.loads(DATA.read_text(encoding="utf-8"))["data"]}


def _expected(stats: dict, client: str) -> dict[str, str]:
    """Direct lookup: version -> support letter for the tests that count
    (every numbered release of Outlook on Windows plus its latest dated test;
    the latest dated and latest numbered test of any other client)."""
    family, platform = client.split(".")
    results = stats.get(family, {}).get(platform, {})
    dated = [k for k in results if re.fullmatch(r"\d{4}-\d{2}", k)]
    numbered = [k for k in results if k not in dated]
    as_numbers = lambda key: [int(n) for n in re.findall(r"\d+", key)]
    if client == "outlook.windows":
        keys = numbered + ([max(dated, key=as_numbers)] if dated else [])
    else:
        keys = [max(group, key=as_numbers) for group in (dated, numbered) if group]
    return {key: results[key][0] for key in keys}


def test_every_feature_of_a_sample_email_matches_a_direct_lookup(mail):
    text = mail.text("postmark/receipt.source.html")
    text = mail.insert_after(
        text,
        "<h1>Hi {{name}},</h1>",
        '\n<div style="display: flex; padding: 2rem; box-shadow: 0 1px 2px rgba(0,0,0,.2)">'
        '<img src="https://cdn.example/hero.webp" srcset="x.webp 2x" alt="Sale"></div>',
    )
    raw = _raw()
    uses = usages(Email.parse(text), dataset().slugs)
    used = {u.slug for u in uses}
    assert {
        "css-display-flex",
        "css-padding",
        "css-unit-rem",
        "css-box-shadow",
        "css-rgba",
        "image-webp",
        "html-srcset",
        "css-at-media",
        "css-selector-class",
    } <= used
    # every verdict, as the data has it: graceful and partial features reported too
    report = mail.lint(text, select="CMP", clients={"report_graceful": True, "report_partial": True})
    by_feature = {f.data["feature"]: f for f in report.findings}
    assert len(by_feature) == len(report.findings), "one finding per feature"
    clients = expand_targets(TARGETS)
    drops_style = {c for c in clients if set(_expected(raw["html-style"]["stats"], c).values()) == {"n"}}
    for slug in sorted(used):
        if slug in NEVER_REPORTED:  # structure every email needs, attributes the ACC/TPL rules ask for
            assert slug not in by_feature, slug
            continue
        of_slug = [u for u in uses if u.slug == slug]
        seen_by = set(clients)
        if all(u.audience == "mso" for u in of_slug):
            seen_by = {"outlook.windows"}
        if all(u.in_stylesheet for u in of_slug):
            seen_by -= drops_style  # reported once, as html-style
        expected = {client: _expected(raw[slug]["stats"], client) for client in clients if client in seen_by}
        finding = by_feature.get(slug)
        reported = finding.data["support"] if finding else {}
        for client, tests in expected.items():
            letters = set(tests.values()) - {"u"}
            if not letters or letters == {"y"}:
                assert client not in reported, (slug, client, tests)
            elif letters == {"n"}:
                assert reported.get(client) == "n", (slug, client, tests)
            elif client == "outlook.windows":
                failing = sorted((v for v, letter in tests.items() if letter in "na"), key=version_key)
                assert reported.get(client) in ("n", "a"), (slug, client, tests)
                shown = finding.data["versions"][client]
                assert set(shown) <= set(failing), (slug, shown, failing)
            else:
                assert reported.get(client) == "a", (slug, client, tests)  # partial, or tests disagree


@pytest.mark.parametrize(
    ("older", "newer"),
    [("9", "10.3"), ("16.8", "16.80"), ("2019", "2021"), ("5.0.10.2", "6.0"), ("2019-02", "2019-10"), ("99", "100")],
)
def test_version_keys_sort_as_numbers_never_as_strings(older, newer):
    assert version_key(older) < version_key(newer)


def test_latest_test_decides_not_the_string_order():
    # apple-mail.ios css-max-width: 5.1 and 6.1 say partial, 10.3 and 12.2 say supported;
    # as strings "6.1" > "12.2" and the old verdict would win
    from oopslint.rules.clients._common import verdicts

    feature = dataset().features["css-max-width"]
    assert feature.stats["apple-mail"]["ios"]["5.1"].startswith("a")
    assert verdicts(feature, ["apple-mail.ios"]) == []


def test_vendored_data_carries_its_licence_and_version():
    folder = DATA.parent
    assert "MIT License" in (folder / "LICENSE").read_text()
    version = (folder / "VERSION").read_text()
    assert "caniemail" in version and dataset().updated[:10] in version


def test_the_cached_data_gives_the_verdicts_the_json_gives_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    from oopslint.rules.clients import _common

    def fresh() -> dict:
        for cached in (_common._prepared, _common.dataset, _common._verdicts, _common._expand):
            cached.cache_clear()
        data = _common.dataset()
        clients = tuple(expand_targets(TARGETS))
        return {slug: _common.verdicts(feature, clients) for slug, feature in data.features.items()}

    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(tmp_path))
    try:
        built = fresh()  # from the JSON, written to the cache
        [cached_file] = (tmp_path / "clients").iterdir()
        assert fresh() == built  # read back from the cache
        cached_file.write_bytes(b"\x00 not marshal")
        assert fresh() == built  # rebuilt from the JSON
        direct = {
            slug: [v for client in expand_targets(TARGETS) for v in _common._verdicts_for(feature, client)]
            for slug, feature in _common.dataset().features.items()
        }
        assert {slug: list(found) for slug, found in built.items()} == direct
        assert any(built.values())
    finally:
        monkeypatch.undo()
        fresh()
