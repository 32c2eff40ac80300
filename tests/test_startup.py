"""What a cold start loads: an offline lint never imports the network client, the
send guard's ledgers, the batch workers or Dask, and configuration naming their
sections still validates. (How fast it starts is measured in bench/bench_startup.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from oopslint_testing import CORPUS, ROOT

EMAIL = CORPUS / "postmark" / "receipt.source.html"
NEVER_OFFLINE = ["httpx", "httpcore", "sqlite3", "multiprocessing", "dask", "distributed", "redis", "asyncio"]

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
NOT_ONCE_CACHED = ["importlib.metadata", "ssl", "tempfile", "zipfile", "glob", "gzip"]


def test_a_second_offline_check_reads_the_kept_scan_and_loads_none_of_the_scan_or_tls_code(tmp_path: Path) -> None:
    env = {**os.environ, "OOPSLINT_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys\nfrom oopslint.cli import main\n"
        "code = main(['check', '--offline', '--format', 'json', sys.argv[2]])\n"
        "assert code == 1, code\n"
    )
    first = _fresh(code, str(EMAIL), never=NOT_ONCE_CACHED, env=env)
    assert "importlib.metadata" in _loaded(first)  # nothing kept yet: the installed distributions were scanned
    second = _fresh(code, str(EMAIL), never=NOT_ONCE_CACHED + NEVER_OFFLINE, env=env)
    assert _loaded(second) == []
    assert first.stdout[: first.stdout.index("LOADED ")] == second.stdout[: second.stdout.index("LOADED ")]
