"""The lake's code location with one change: while dagster-dbt builds its dbt adapter handle (inside
its bare `except:`), the process sends itself SIGINT, as a Ctrl-C landing in those seconds would."""

import os
import signal
import time

from dagster_dbt import DbtCliResource

from risk_assets.definitions import defs  # noqa: F401  (the code location dagster loads)

_build_adapter = DbtCliResource._initialize_dbt_core_adapter


def _interrupted_while_building(self, args):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.5)  # the handler runs here, inside dagster-dbt's `except:`
    return _build_adapter(self, args)


DbtCliResource._initialize_dbt_core_adapter = _interrupted_while_building
