"""Before/after cases for ``define-removed-helper`` (a removed Airflow function defined in the
module): the definition follows the leading imports, never an import after code."""

from __future__ import annotations

from codemod_cases import check, refused

HELPER = {"name": "old_helper", "definition": 'def old_helper(x):\n    """What it did."""\n    return x\n'}


def test_the_definition_follows_the_leading_imports_two_blank_lines_on_each_side():
    check(
        '''
        """Loads."""
        import logging
        from airflow.old import old_helper
        try:
            import yaml
        except ImportError:
            yaml = None
        from airflow import DAG
        # the logger
        log = logging.getLogger(__name__)
        old_helper(1)
        ''',
        '''
        """Loads."""
        import logging
        try:
            import yaml
        except ImportError:
            yaml = None
        from airflow import DAG


        def old_helper(x):
            """What it did."""
            return x


        # the logger
        log = logging.getLogger(__name__)
        old_helper(1)
        ''',
        ("define-removed-helper", "from airflow.old import old_helper", HELPER),
    )


def test_an_import_after_code_becomes_the_definition_in_its_place():
    check(
        """
        import logging

        log = logging.getLogger(__name__)
        from airflow.old import old_helper
        old_helper(1)
        """,
        '''
        import logging

        log = logging.getLogger(__name__)


        def old_helper(x):
            """What it did."""
            return x


        old_helper(1)
        ''',
        ("define-removed-helper", "from airflow.old import old_helper", HELPER),
    )


def test_a_shared_or_aliased_import_is_refused():
    assert "define the helper by hand" in refused(
        "from airflow.old import old_helper, other\nold_helper(other)\n",
        "define-removed-helper", "from airflow.old import old_helper, other", **HELPER)
    assert refused("from airflow.old import old_helper as helper\nhelper(1)\n",
                   "define-removed-helper", "from airflow.old import old_helper as helper", **HELPER)
