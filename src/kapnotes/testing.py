"""Helpers for testing kapnotes plugins (and code that uses kapnotes) with a controlled set of plugins.

In a plugin's tests::

    from kapnotes.testing import registered_plugin

    def test_my_format(demo_doc):
        with registered_plugin(my_plugin_module, "harbor_light"):
            ...  # the plugin is registered, even if it is also installed

or with the pytest fixture (add ``pytest_plugins = ["kapnotes.testing"]`` to a ``conftest.py``)::

    def test_my_format(kapnotes_plugin):
        kapnotes_plugin(MyPlugin(), "harbor_light")

Both always unregister what they registered and put back an installed plugin of the same name,
whatever the test does. :func:`third_party_plugins_blocked` runs code with only the built-in
plugins, so that whatever else is installed cannot change what it sees (kapnotes' own tests run
this way, as llm's and datasette's do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from kapnotes import plugins as _plugins

__all__ = ["kapnotes_plugin", "registered_plugin", "third_party_plugins_blocked"]


@contextmanager
def registered_plugin(plugin: object, name: str) -> Iterator[str]:
    """Register ``plugin`` as ``name`` for the ``with`` block; an installed plugin of that name
    is set aside for the block and put back afterwards. Yields the name."""
    _plugins.load_plugins()
    with _plugins._lock:
        installed = _plugins.pm.get_plugin(name)
        if installed is not None:
            _plugins.pm.unregister(name=name)
            _plugins._invalidate()
    try:
        _plugins.register_plugin(plugin, name=name)
        try:
            yield name
        finally:
            with _plugins._lock:
                if _plugins.pm.get_plugin(name) is plugin:
                    _plugins.unregister_plugin(name)
    finally:
        if installed is not None:
            with _plugins._lock:
                _plugins.pm.register(installed, name=name)
                _plugins._invalidate()


@contextmanager
def third_party_plugins_blocked() -> Iterator[list[str]]:
    """Run the block with only kapnotes' built-in plugins registered; yields the names set aside.

    Plugins registered inside the block (with :func:`registered_plugin`) work as usual.
    """
    _plugins.load_plugins()
    with _plugins._lock:
        aside = [
            (n, p)
            for n, p in _plugins.pm.list_name_plugin()
            if n is not None and n not in _plugins.DEFAULT_PLUGINS
        ]
        for n, _ in aside:
            _plugins.pm.unregister(name=n)
        if aside:
            _plugins._invalidate()
    try:
        yield [n for n, _ in aside]
    finally:
        with _plugins._lock:
            for n, p in aside:
                if _plugins.pm.get_plugin(n) is None:
                    _plugins.pm.register(p, name=n)
            if aside:
                _plugins._invalidate()


try:  # the fixture, when pytest is there
    import pytest
except ImportError:  # pragma: no cover - kapnotes.testing without pytest: the context managers
    pass
else:

    @pytest.fixture
    def kapnotes_plugin() -> Iterator[Callable[[object, str], str]]:
        """``kapnotes_plugin(obj, name)`` registers a plugin for one test (see
        :func:`registered_plugin`); everything is unregistered and restored afterwards."""
        with ExitStack() as stack:

            def add(obj: object, name: str) -> str:
                return stack.enter_context(registered_plugin(obj, name))

            yield add
