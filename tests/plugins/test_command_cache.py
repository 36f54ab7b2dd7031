"""``kapnotes --help`` lists the plugins' commands from the command cache, safely.

Each case runs the console script's ``main`` in a fresh process (the cache is only read before
any plugin is loaded), with a fake installed distribution on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUN = """
import sys
from kapnotes.cli import main
try:
    main(["--help"])
except SystemExit as exc:
    code = exc.code
imported = sorted({m.split(".")[0] for m in sys.modules if m.startswith("kapnotes_")})
print("IMPORTED:" + ",".join(imported), file=sys.stderr)
sys.exit(code)
"""

PLUGIN = '''
import click
from kapnotes import hookimpl

@click.command("cmd-test")
def hello():
    """{help}"""

@hookimpl
def register_commands(cli):
    cli.add_command(hello)
'''


def imported(run: subprocess.CompletedProcess[str]) -> list[str]:
    """The plugin packages the run imported."""
    line = next(x for x in run.stderr.splitlines() if x.startswith("IMPORTED:"))
    return [p for p in line.removeprefix("IMPORTED:").split(",") if p]


def _age(*paths: Path, seconds: float = 10.0) -> None:
    """Date files and folders back, as an installation long ago (the cache refuses fresh ones)."""
    t = time.time() - seconds
    for p in paths:
        os.utime(p, (t, t))


class Site:
    """A folder on ``sys.path`` with fake distributions that declare ``kapnotes`` plugins."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "site"
        self.work = root / "work"
        self.cache = root / "cache"
        for d in (self.site, self.work):
            d.mkdir()

    def install(self, name: str, source: str, *, age: float = 10.0) -> None:
        package = self.site / f"kapnotes_{name}"
        package.mkdir()
        (package / "__init__.py").write_text(source, encoding="utf-8")
        info = self.site / f"kapnotes_{name}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: kapnotes-{name}\nVersion: 0.1\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(
            f"[kapnotes]\n{name} = kapnotes_{name}\n", encoding="utf-8"
        )
        _age(package / "__init__.py", package, info / "METADATA", info / "entry_points.txt", info,
             self.site, self.work, seconds=age)

    def help(self, **env: str) -> subprocess.CompletedProcess[str]:
        full = {k: v for k, v in os.environ.items() if not k.startswith("KAPNOTES_")}
        full.update(
            PYTHONPATH=str(self.site),
            KAPNOTES_CACHE_DIR=str(self.cache),
            KAPNOTES_LOAD_PLUGINS="cmdtest,cmdtwo",
        )
        full.update(env)
        return subprocess.run([sys.executable, "-c", RUN], cwd=self.work, env=full,
                              capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


def test_help_lists_plugin_commands_from_the_cache_without_importing_them(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    first = site.help()
    assert first.returncode == 0, first.stderr
    assert "cmd-test" in first.stdout and "Say hello from the test plugin." in first.stdout
    assert imported(first) == ["kapnotes_cmdtest"]
    assert len(list(site.cache.glob("commands-*.json"))) == 1
    second = site.help()
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert imported(second) == []


def test_a_newly_installed_plugin_shows_up(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    assert site.help().returncode == 0
    assert imported(site.help()) == []  # cached
    site.install("cmdtwo", PLUGIN.replace("cmd-test", "cmd-two").format(help="The second one."),
                 age=5.0)
    shown = site.help()
    assert shown.returncode == 0, shown.stderr
    assert "cmd-two" in shown.stdout and "cmd-test" in shown.stdout


def test_a_removed_plugin_disappears(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    assert "cmd-test" in site.help().stdout
    for p in sorted(site.site.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    _age(site.site, seconds=5.0)
    shown = site.help()
    assert shown.returncode == 0, shown.stderr
    assert "cmd-test" not in shown.stdout
    assert "render" in shown.stdout


def test_a_changed_plugin_is_read_again(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    assert "Say hello" in site.help().stdout
    source = site.site / "kapnotes_cmdtest" / "__init__.py"
    source.write_text(PLUGIN.format(help="Say goodbye instead."), encoding="utf-8")
    _age(source, seconds=5.0)
    shown = site.help()
    assert "Say goodbye instead." in shown.stdout
    assert imported(shown) == ["kapnotes_cmdtest"]


def test_a_plugin_broken_after_caching_never_breaks_help_and_is_named(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    assert "cmd-test" in site.help().stdout
    source = site.site / "kapnotes_cmdtest" / "__init__.py"
    source.write_text("raise RuntimeError('licence file missing')\n", encoding="utf-8")
    _age(source, seconds=5.0)
    for _ in range(2):  # loaded (the stamp changed), then from the cache: the same help
        shown = site.help()
        assert shown.returncode == 0, shown.stderr
        assert "cmd-test" not in shown.stdout and "render" in shown.stdout
        assert "'cmdtest'" in shown.stderr and "licence file missing" in shown.stderr
        assert "Traceback" not in shown.stderr


def test_a_damaged_or_foreign_cache_file_is_ignored(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    first = site.help()
    (cache_file,) = site.cache.glob("commands-*.json")
    for damaged in ("{not json", json.dumps({"environment": 1, "plugins": "x"}), "[]"):
        cache_file.write_text(damaged, encoding="utf-8")
        shown = site.help()
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == first.stdout


def test_an_empty_cache_dir_setting_switches_the_cache_off(site):
    site.install("cmdtest", PLUGIN.format(help="Say hello from the test plugin."))
    shown = site.help(KAPNOTES_CACHE_DIR="")
    assert "cmd-test" in shown.stdout
    assert not site.cache.exists()


def test_help_from_the_cache_is_the_help_with_every_installed_plugin(tmp_path):
    """The installed first-party plugins (fhir, rems, the example clinic) included."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAPNOTES_")}
    env["KAPNOTES_CACHE_DIR"] = str(tmp_path / "cache")
    work = tmp_path / "work"  # the current folder is on sys.path: an old one, as usual
    work.mkdir()
    _age(work)
    runs = [
        subprocess.run([sys.executable, "-c", RUN], cwd=work, env=env, capture_output=True,
                       text=True, timeout=120, check=False)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert runs[1].stdout == runs[0].stdout
    assert "kapnotes_fhir" in imported(runs[0])  # installed with kapnotes (make install)
    assert imported(runs[1]) == []
    assert "fhir-import" in runs[1].stdout and "rems" in runs[1].stdout
