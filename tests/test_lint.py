"""The domain knows nothing of the transport, not even for type hints.

ruff and mypy are not run here: scripts/test.sh (and `make check`) runs them once, before pytest.
The import contracts in pyproject.toml are checked by tests/test_imports.py; they skip imports
under `if TYPE_CHECKING:`, so this test covers those too for the domain.
"""

from __future__ import annotations

import grimp

TRANSPORT = ("api", "strawberry", "starlette")


def test_domain_does_not_import_transport():
    graph = grimp.build_graph(
        "domain",
        "api",
        include_external_packages=True,
        exclude_type_checking_imports=False,
        cache_dir=None,
    )
    offenders = [
        f"{importer} -> {imported} (l.{detail['line_number']}): {detail['line_contents']}"
        for importer in sorted(m for m in graph.modules if m.split(".")[0] == "domain")
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if imported.split(".")[0] in TRANSPORT
        for detail in graph.get_import_details(importer=importer, imported=imported)
    ]
    assert not offenders, "\n".join(offenders)
