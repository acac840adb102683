"""migrator.analysis.shell.stops_on_error: whether a script exits at its first failing command."""

from __future__ import annotations

import pytest

from migrator.analysis.shell import stops_on_error


@pytest.mark.parametrize("script", [
    "#!/usr/bin/env bash\nset -euo pipefail\n",
    "set -e\n",
    "  set -o nounset -o errexit\n",
    "#!/bin/bash -e\necho x\n",
])
def test_errexit(script):
    assert stops_on_error(script)


@pytest.mark.parametrize("script", [
    "#!/usr/bin/env bash\necho $$ > /var/run/x.pid\n",
    "set -x\nset -o pipefail\n",
    "echo 'set -e is not used here'\n",
    "# set -e\n",
])
def test_no_errexit(script):
    assert not stops_on_error(script)
