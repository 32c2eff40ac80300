"""What a cold start loads: an offline lint never imports the network client, the
send guard's ledgers, the batch workers or Dask, and configuration naming their
sections still validates. (How fast it starts is measured in bench/bench_startup.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from oopslint_testing import CORPUS, ROOT

EMAIL = CORPUS / "postmark" / "receipt.source.html"
NEVER_OFFLINE = ["httpx", "httpcore", "sqlite3", "multiprocessing", "dask", "distributed", "redis", "asyncio"]
# OpenSSL's bindings (hashlib's import; BLAKE2b comes from hashlib's own module) and the TOML parser
# (no configuration file) are a visible part of a start
NEVER_OFFLINE += ["hashlib", "_hashlib", "tomllib"]
# the email package reads messages: an HTML file needs none of it (the first run's
# scan of the installed distributions does, through importlib.metadata)
NEVER_FOR_HTML = ["email.message", "email.policy", "email.parser", "email.utils", "socket"]

_REPORT_MODULES = """
import json, sys
loaded = sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)
print("LOADED " + json.dumps(loaded))
"""


def _fresh(
    code: str, *args: str, never: list[str] = NEVER_OFFLINE, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code + _REPORT_MODULES, json.dumps(never), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _loaded(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOADED "))
    return json.loads(line[len("LOADED ") :])


def test_import_and_offline_lint_load_no_network_guard_batch_or_dask_code() -> None:
    result = _fresh(
        "import sys\nfrom pathlib import Path\nimport oopslint\n"
        "report = oopslint.lint(Path(sys.argv[2]), offline=True, mode='template')\n"
        "assert report.findings and not [f for f in report.findings if f.code == 'OOPS001'], report.findings\n",
        str(EMAIL),
    )
    assert _loaded(result) == []


def test_offline_check_on_the_command_line_loads_none_of_them() -> None:
    result = _fresh(
        "import sys\nfrom oopslint.cli import main\n"
        "code = main(['check', '--offline', '--format', 'json', sys.argv[2]])\n"
        "assert code == 1, code\n",
        str(EMAIL),
    )
    report = json.loads(result.stdout[: result.stdout.index("LOADED ")])
    assert report["summary"]["files"] == 1 and report["files"][0]["findings"]
    assert _loaded(result) == []


def test_public_names_resolve_on_first_use() -> None:
    result = _fresh(
        "import oopslint\n"
        "names = [oopslint.Linter, oopslint.SendGuard, oopslint.Claim, oopslint.DuplicateSend,\n"
        "         oopslint.lint_batch, oopslint.BatchReport, oopslint.BatchSummary]\n"
        "assert [n.__name__ for n in names] == ['Linter', 'SendGuard', 'Claim', 'DuplicateSend',\n"
        "    'lint_batch', 'BatchReport', 'BatchSummary'], names\n"
        "assert set(oopslint.__all__) <= set(dir(oopslint))\n"
        "from oopslint import SendGuard, lint_batch\n"
    )
    # the guard and the batch runner were asked for, so they (and what they need) are loaded now
    assert "multiprocessing" in _loaded(result)


def test_configuration_naming_the_http_and_guard_sections_still_validates() -> None:
    result = _fresh(
        "import oopslint\n"
        "config = oopslint.Config.from_mapping({'http': {'timeout': 3.0}, 'guard': {'fail': 'open'}})\n"
        "assert config.section('http')['timeout'] == 3.0 and config.section('guard')['fail'] == 'open'\n"
        "try:\n"
        "    oopslint.Config.from_mapping({'htttp': {}})\n"
        "except oopslint.ConfigError as exc:\n"
        "    print('ERROR', exc)\n"
        "try:\n"
        "    oopslint.Config.from_mapping({'guard': {'nope': 1}})\n"
        "except oopslint.ConfigError as exc:\n"
        "    print('ERROR', exc)\n"
    )
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert "unknown key 'htttp'" in errors[0] and "guard" in errors[0] and "http" in errors[0]
    assert "unknown option 'nope' in [guard]" in errors[1]


# what the cached entry-point scan and spelling data, a lazy oopslint.http and lazy cache writes keep out
NOT_ONCE_CACHED = ["importlib.metadata", "ssl", "tempfile", "zipfile", "glob", "gzip", "shutil"]
# and what the remembered registration check keeps out: the modules no rule imports
NOT_ONCE_VERIFIED = ["pkgutil", "csv", "oopslint.rules.coupons.sources.file", "oopslint.rules.coupons.sources.stripe"]


def test_a_second_offline_check_reads_the_kept_scan_and_loads_none_of_the_scan_or_tls_code(tmp_path: Path) -> None:
    env = {**os.environ, "OOPSLINT_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys\nfrom oopslint.cli import main\n"
        "code = main(['check', '--offline', '--format', 'json', sys.argv[2]])\n"
        "assert code == 1, code\n"
    )
    first = _fresh(code, str(EMAIL), never=NOT_ONCE_CACHED, env=env)
    assert "importlib.metadata" in _loaded(first)  # nothing kept yet: the installed distributions were scanned
    second = _fresh(
        code, str(EMAIL), never=NOT_ONCE_CACHED + NOT_ONCE_VERIFIED + NEVER_OFFLINE + NEVER_FOR_HTML, env=env
    )
    assert _loaded(second) == []
    assert first.stdout[: first.stdout.index("LOADED ")] == second.stdout[: second.stdout.index("LOADED ")]


def test_the_spelling_word_table_answers_as_the_frequency_dict_and_is_rewritten_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oopslint.rules.spelling import wordlists
    from oopslint.rules.spelling.dictionary import Dictionary

    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(tmp_path))
    prepared = wordlists.read_prepared("en")
    table = wordlists.read_table("en")
    (table_file,) = (tmp_path / "spelling").glob("en-*.words")
    frequencies = table["frequencies"]
    assert isinstance(frequencies, wordlists.WordFrequencies)
    assert list(frequencies) == list(prepared["frequencies"])  # the source's order: the most frequent first
    assert frequencies == prepared["frequencies"]
    assert table["prefixes"] == prepared["prefixes"] and table["suffixes"] == prepared["suffixes"]
    for name in ("floor_count", "frequent_floor", "boost", "function_words", "alphabet", "has_apostrophes"):
        assert table[name] == prepared[name], name

    # one flipped byte in the counts: the checksum refuses the file, which is written again
    damaged = bytearray(table_file.read_bytes())
    damaged[-5000] ^= 0xFF
    table_file.write_bytes(bytes(damaged))
    assert wordlists.read_table("en")["frequencies"] == prepared["frequencies"]
    assert table_file.read_bytes() != bytes(damaged)

    # the same verdicts and suggestions as over the plain dict, before and after it builds the dict
    common, terms = wordlists.data_words("en-common.txt"), wordlists.data_words("terms.txt")
    plain = Dictionary.build("en", dict(prepared, frequencies=dict(prepared["frequencies"])), common, terms)
    fast = Dictionary.build("en", wordlists.read_table("en"), common, terms)
    assert isinstance(fast.frequencies, wordlists.WordFrequencies)
    assert fast.frequencies == plain.frequencies and list(fast.frequencies) == list(plain.frequencies)
    words = ["receipt", "reciept", "teh", "colour", "storewide", "oopslint", "thankyou", "dont", "qzxwv", "paymnet"]
    fast.frequencies.DICT_AFTER_LOOKUPS = 500
    for round_ in range(2):
        for word in words:
            assert fast.classify(word) == plain.classify(word), (round_, word)
            assert fast.suggestions(word, 5) == plain.suggestions(word, 5), (round_, word)
        fast._verdicts.clear()
        fast._suggestions.clear()
        fast._neighbours.clear()
    assert fast.frequencies._dict is not None  # past the limit it answers from a dict


def _small_word_table() -> dict:
    """A prepared word table as the dictionary loader makes one, with a non-ASCII word."""
    return {
        "frequencies": {"shipped": 900, "order": 5000, "café": 70},
        "floor_count": 70,
        "frequent_floor": 100,
        "boost": 5000,
        "function_words": ["order"],
        "alphabet": "abcdefghijklmnopqrstuvwxyzé",
        "has_apostrophes": False,
        "prefixes": {"ship", "orde"},
        "suffixes": {"pped", "rder"},
    }


def test_a_damaged_or_foreign_word_table_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    from oopslint.rules.spelling import wordlists

    prepared = _small_word_table()
    blob = wordlists._dump_table(prepared)
    loaded = wordlists._load_table(blob)["frequencies"]
    assert dict(loaded) == prepared["frequencies"] and "café" in loaded and "cafe" not in loaded
    assert loaded.get("café") == 70 and loaded.get("caf") is None
    for broken in (blob[:-1], b"something else" + blob, blob[:-1] + bytes([blob[-1] ^ 1])):
        with pytest.raises(ValueError):
            wordlists._load_table(broken)
    monkeypatch.setattr(wordlists, "_TABLE_FORMAT", wordlists._TABLE_FORMAT + 1)
    with pytest.raises(ValueError):
        wordlists._load_table(blob)


def test_a_word_table_read_in_place_pickles_and_its_word_ends_answer_as_sets() -> None:
    import pickle

    from oopslint.rules.spelling import wordlists
    from oopslint.rules.spelling.dictionary import Dictionary

    prepared = _small_word_table()
    table = wordlists._load_table(wordlists._dump_table(prepared))
    table["frequencies"]["parcel"] = 80  # a word added beside the table
    copy = pickle.loads(pickle.dumps(table["frequencies"]))
    assert isinstance(copy, wordlists.WordFrequencies)
    assert dict(copy) == {**prepared["frequencies"], "parcel": 80} and copy.get("café") == 70
    assert table["prefixes"] == {"ship", "orde"} and "ship" in table["prefixes"] and "pped" not in table["prefixes"]
    built = Dictionary.build("en", table, common=["Dispatch"], terms=["oopslint"])
    assert set(built.prefixes) == {"ship", "orde", "disp", "oops"}
    assert set(built.suffixes) == {"pped", "rder", "atch", "lint"}
    assert "ship" in built.prefixes and "xyzw" not in built.suffixes


_CHECK = ["check", "--offline", "--format", "json"]
_AS_COMMAND = """
import sys
sys.argv = ["oopslint", "check", "--offline", "--format", "json", sys.argv[1]]  # as the console script starts
from oopslint import _startup
from oopslint.cli import main
code = main()
_startup.save()
sys.stderr.write(f"COMPILED {_startup._codes_compiled} INSTALLED {_startup._codes_installed}\\n")
"""


def _as_command(env: dict[str, str]) -> tuple[str, int, bool]:
    result = subprocess.run(
        [sys.executable, "-c", _AS_COMMAND, str(EMAIL)], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("COMPILED "))
    _, compiled, _, installed = line.split()
    return result.stdout, int(compiled), installed == "True"


def test_the_command_keeps_the_compiled_dataclass_methods_and_reports_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "OOPSLINT_CACHE_DIR": str(tmp_path / "cache")}
    first, compiled_first, installed = _as_command(env)
    assert installed and compiled_first > 100  # every dataclass of a check, compiled once
    (kept,) = (tmp_path / "cache" / "code").glob("dataclasses-*.marshal")
    second, compiled_second, _ = _as_command(env)
    assert compiled_second == 0  # all of them from the file
    # a program importing oopslint compiles as Python always does: the same report
    library = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom oopslint.cli import main\nmain(sys.argv[1:])", *_CHECK, str(EMAIL)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert json.loads(first) and first == second == library.stdout
    kept.write_bytes(kept.read_bytes()[:-100])  # a damaged file is not used, and written again
    third, compiled_third, _ = _as_command(env)
    assert third == first and compiled_third == compiled_first
    assert _as_command(env)[1] == 0


def test_the_dataclass_method_cache_stays_off_for_a_dataclasses_module_it_does_not_know() -> None:
    import __future__

    import dataclasses
    import types

    from oopslint import _startup

    assert _startup._dataclasses_compatible(dataclasses)
    own_exec = types.ModuleType("dataclasses")
    own_exec.exec = exec  # type: ignore[attr-defined]
    assert not _startup._dataclasses_compatible(own_exec)
    with_future = types.ModuleType("dataclasses")
    with_future.annotations = __future__.annotations  # type: ignore[attr-defined]
    assert not _startup._dataclasses_compatible(with_future)


@pytest.mark.parametrize("columns", [None, "50", "200", "junk"])
def test_help_is_laid_out_as_argparse_lays_it_out_without_importing_shutil(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from oopslint import cli

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    for command in ("check", "rules", None):
        ours = cli.build_parser(command)
        theirs = cli.build_parser(command)
        for parser in (theirs, *theirs._subparsers._group_actions[0].choices.values()):  # type: ignore[union-attr]
            parser.formatter_class = argparse.HelpFormatter
        assert ours.format_help() == theirs.format_help()
        for name, sub in ours._subparsers._group_actions[0].choices.items():  # type: ignore[union-attr]
            assert sub.format_help() == theirs._subparsers._group_actions[0].choices[name].format_help()  # type: ignore[union-attr]
    code = "import sys\nfrom oopslint.cli import build_parser\nbuild_parser('check').parse_args(['check', 'x.html'])\n"
    assert _loaded(_fresh(code, never=["shutil"])) == []


def test_a_remembered_registration_check_is_made_again_when_a_plugin_file_changes(tmp_path: Path) -> None:
    from oopslint_testing import run_cli

    site = tmp_path / "site"
    package = site / "acme_oopslint"
    package.mkdir(parents=True)
    rule_text = (
        "from oopslint import Finding, rule\n\n"
        '@rule(code="{code}", name="{name}", summary="Headline is all capitals", severity="warning")\n'
        "def check(email, context, options):\n"
        '    """What it does\n    Flags headlines written in capitals.\n    """\n'
        "    return []\n"
    )
    (package / "acme001_shouting.py").write_text(rule_text.format(code="ACME001", name="shouting-headline"))
    (package / "__init__.py").write_text("from .acme001_shouting import check\nRULES = [check]\n")
    dist = site / "acme_oopslint-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-oopslint\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[oopslint.rules]\nacme = acme_oopslint:RULES\n")
    (dist / "RECORD").write_text("")
    env = {
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "OOPSLINT_CACHE_DIR": str(tmp_path / "cache"),
    }
    for _ in range(2):  # checked, then remembered
        listed = run_cli("rules", env=env)
        assert listed.returncode == 0, listed.stderr
        assert "ACME001  shouting-headline" in listed.stdout.decode()
    assert list((tmp_path / "cache" / "registry").glob("registered-*.marshal"))
    # a module added to the package, its rule left out of RULES: checked again, and stopped
    (package / "acme002_whispering.py").write_text(rule_text.format(code="ACME002", name="whispering-headline"))
    stopped = run_cli("rules", env=env)
    assert stopped.returncode == 2
    assert "rule ACME002 (whispering-headline) is defined in acme_oopslint.acme002_whispering but not registered" in (
        stopped.stderr.decode()
    )


def test_word_ends_answer_as_the_set_of_their_lines() -> None:
    import random

    from oopslint.rules.spelling.wordlists import WordEnds

    chooser = random.Random(5)
    for fixed in (True, False):  # lines of one length (word ends always are), and of any length
        for _ in range(200):
            length = chooser.choice((1, 3, 4))

            sizes = [length if fixed else chooser.randint(1, 5) for _ in range(chooser.randint(0, 60))]
            lines = sorted({"".join(chooser.choice("abcé一") for _ in range(size)) for size in sizes})
            ends = WordEnds("\n".join(lines))
            assert set(ends) == set(lines) and len(ends) == len(lines)
            assert all(item in ends for item in lines)
            for _ in range(40):
                probe = "".join(chooser.choice("abcdé一") for _ in range(chooser.randint(0, 5)))
                assert (probe in ends) == (probe in lines), (lines, probe)
            extra = ["".join(chooser.choice("abz") for _ in range(chooser.randint(1, 4))) for _ in range(4)]
            more = ends.with_extra(extra)
            assert set(more) == {*lines, *extra} and len(more) == len({*lines, *extra})
            assert all(item in more for item in (*lines, *extra)) and 5 not in more
