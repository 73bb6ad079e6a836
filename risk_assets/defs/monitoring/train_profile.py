"""The training config that the retrain sensors' runs carry, set by the operator without editing code.

RISK_RETRAIN_CONFIG holds run config in the form `risk-assets run --config-json` and `dagster asset
materialize --config-json` take, either inline (JSON) or as the path of a JSON or YAML file:

    RISK_RETRAIN_CONFIG='{"ops": {"news_sentiment_model": {"config": {"max_train_seconds": 1500}}}}'
    RISK_RETRAIN_CONFIG=/srv/risk/slow_machine.yaml

`retrain_loan_pd` runs carry its `loan_pd_model` part, `retrain_news_sentiment` runs its
`news_sentiment_model` part; unset (or empty), they carry what they always did. The sensors read it
at every evaluation (a file's edits count from the next tick) and refuse a bad one with a message
naming the setting, before deciding anything, so no run is requested that would fail at launch or
in its training step. Each sensor refuses only on the part its own runs carry (and on a file it
cannot read as run config at all); a bad part of the other model's is a note of its tick.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from risk_assets.lib.ml.sentiment import SentimentTrainConfig

RETRAIN_CONFIG_ENV = "RISK_RETRAIN_CONFIG"
PROFILE_TAG = "risk/train_config"
"""Run tag naming the operator's training config a sensor-started run carries (absent: the defaults)."""

TRAINING_OPS = ("loan_pd_model", "news_sentiment_model")
"""The training assets of the retrain jobs (`_config_class` gives each one's Dagster config)."""

SENSOR_SET: dict[str, str] = {
    "portfolios": "the retrain sensor names the book(s) each run trains",
    "oot_train_until": "the retrain sensor keeps the champion's vintage window",
    "oot_holdout_from": "the retrain sensor keeps the champion's vintage window",
    "oot_holdout_to": "the retrain sensor keeps the champion's vintage window",
}
"""loan_pd_model settings the retrain sensor sets itself per request, with why they cannot be set."""

_EXAMPLE = '{"ops": {"news_sentiment_model": {"config": {"max_train_seconds": 1500}}}}'


class RetrainConfigError(ValueError):
    """RISK_RETRAIN_CONFIG cannot be read or holds a setting the training would refuse; the message
    names the variable, the setting and what it accepts."""


@dataclass(frozen=True)
class TrainProfile:
    """The operator's training config for sensor-started retraining.

    source: where it came from (`RISK_RETRAIN_CONFIG` inline, or `RISK_RETRAIN_CONFIG=<file>`;
    '' when unset); ops: training asset -> its config overrides (only those the operator set)."""

    source: str = ""
    ops: dict[str, dict] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    """Training asset -> why its part was refused, for the parts `retrain_profile(own=...)` did not
    raise on (another sensor's runs carry them); their settings are not in `ops`."""

    def config(self, op: str) -> dict:
        """The settings given for `op` (a copy; {} when none)."""
        return dict(self.ops.get(op, {}))

    def run_config(self, op: str, **sensor_set) -> dict:
        """The RunRequest run config for a run training `op`: the operator's settings, then those the
        sensor sets (`portfolios`, a vintage window); {} when both are empty, as before the setting."""
        config = {**self.config(op), **sensor_set}
        return {"ops": {op: {"config": config}}} if config else {}

    def describe(self, op: str, **set_aside) -> str:
        """'RISK_RETRAIN_CONFIG=slow.yaml: epochs=2, max_train_seconds=1500' for `op`; '' without settings.

        set_aside: settings the run carries in place of the operator's (a full-schedule retraining's
        `max_train_seconds=None`), said as `max_train_seconds=null (1500 set aside for this run)` so
        the tag names what the run trained with."""
        settings = self.config(op)
        if not settings:
            return ""
        return f"{self.source}: " + ", ".join(
            f"{k}={json.dumps(set_aside[k])} ({json.dumps(v)} set aside for this run)" if k in set_aside
            and set_aside[k] != v else f"{k}={json.dumps(v)}" for k, v in sorted(settings.items()))

    def tags(self, op: str, **set_aside) -> dict[str, str]:
        """{PROFILE_TAG: describe(op, **set_aside)} when the operator set anything for `op`, else {}
        (the run's tags as before)."""
        said = self.describe(op, **set_aside)
        return {PROFILE_TAG: said} if said else {}


def retrain_profile(environ: Mapping[str, str] | None = None, *, own: str | None = None) -> TrainProfile:
    """The training profile RISK_RETRAIN_CONFIG sets (an empty TrainProfile when unset or blank).

    own: the training asset whose runs the caller requests; a bad part of another asset's is kept in
    `refused` instead of raised, so one model's typo does not stop the other's retraining (None: any
    bad part raises).

    Raises:
        RetrainConfigError: the file is missing or unreadable, the text is not JSON (YAML for a .yaml/.yml
            file), the run config names another op or key than `ops.<training asset>.config`, a setting
            the config has not (with the closest name), one the sensor sets itself, a value of the wrong
            type, or values the training refuses (e.g. min_train_epochs above epochs).
    """
    value = (os.environ if environ is None else environ).get(RETRAIN_CONFIG_ENV, "").strip()
    if not value:
        return TrainProfile()
    source = RETRAIN_CONFIG_ENV
    if value.startswith("{"):
        raw = _parse(value, "JSON", source)
    else:
        path = Path(value).expanduser()
        source = f"{RETRAIN_CONFIG_ENV}={path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RetrainConfigError(
                f"{RETRAIN_CONFIG_ENV} names the file {path}, which cannot be read ({exc.strerror or exc}); set it to "
                f"a JSON or YAML file of run config, or inline JSON such as {_EXAMPLE}") from None
        raw = _parse(text, "YAML" if path.suffix.lower() in (".yaml", ".yml") else "JSON", source)
    return TrainProfile(source, *_checked(raw, source, own))


def _parse(text: str, form: str, source: str) -> object:
    """The run config in `text` (JSON or YAML)."""
    try:
        if form == "YAML":
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except Exception as exc:  # json.JSONDecodeError, yaml.YAMLError
        raise RetrainConfigError(f"{source} is not {form}: {' '.join(str(exc).split())}; give run config as "
                                 f"--config-json takes it, e.g. {_EXAMPLE}") from None


def _checked(raw: object, source: str, own: str | None = None) -> tuple[dict[str, dict], dict[str, str]]:
    """(training asset -> settings, each setting checked against the asset's config (name, type) and
    its training's own rules; training asset other than `own` -> why its part was refused)."""
    if raw is None:
        return {}, {}
    if not isinstance(raw, dict) or set(raw) - {"ops"}:
        raise RetrainConfigError(f"{source}: run config must be an object with one key, ops (as --config-json takes "
                                 f"it, e.g. {_EXAMPLE}), not {json.dumps(raw, default=str)[:200]}")
    ops = raw.get("ops") or {}
    if not isinstance(ops, dict):
        raise RetrainConfigError(f"{source}: ops must map a training asset to its config, e.g. {_EXAMPLE}")
    checked, refused = {}, {}
    for op, entry in ops.items():
        if op not in TRAINING_OPS:  # whose part it was meant to be is unknown: it stops both
            raise RetrainConfigError(f"{source}: ops.{op}: the retrain runs train {' and '.join(TRAINING_OPS)} "
                                     "only; nothing else takes config from this setting")
        try:
            checked[op] = _part(op, entry, source)
        except RetrainConfigError as exc:
            if own is None or op == own:
                raise
            refused[op] = str(exc)
    return checked, refused


def _part(op: str, entry: object, source: str) -> dict:
    """The settings of `op`'s part of the run config, `{"config": {...}}`."""
    if not isinstance(entry, dict) or set(entry) - {"config"}:
        raise RetrainConfigError(f"{source}: ops.{op} must be {{\"config\": {{...}}}}, not "
                                 f"{json.dumps(entry, default=str)[:200]}")
    settings = entry.get("config") or {}
    if not isinstance(settings, dict):
        raise RetrainConfigError(f"{source}: ops.{op}.config must map settings to values, not {settings!r}")
    return _settings(op, settings, source)


def _config_class(op: str) -> type:
    """The Dagster config class of a training asset (imported here: the asset modules import the
    monitoring package, whose sensors import this one)."""
    from risk_assets.defs.models.loan_pd import LoanPDConfig
    from risk_assets.defs.models.news_sentiment import NewsSentimentConfig

    return {"loan_pd_model": LoanPDConfig, "news_sentiment_model": NewsSentimentConfig}[op]


def _settings(op: str, settings: dict, source: str) -> dict:
    """`settings` of `op`, each a field of its config of the type Dagster's run config accepts."""
    fields = _config_class(op).model_fields
    for name, value in settings.items():
        where = f"{source}: {op}.{name}"
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1)
            raise RetrainConfigError(f"{where}: {op} has no such setting" + (
                f" (did you mean {close[0]}?)" if close else "") + f"; its settings: {', '.join(fields)}")
        if op == "loan_pd_model" and name in SENSOR_SET:
            raise RetrainConfigError(f"{where} cannot be set here: {SENSOR_SET[name]}")
        try:  # strict, as Dagster's run config is: "1500" is no number, 2.0 no count of epochs
            pydantic.TypeAdapter(fields[name].annotation).validate_python(value, strict=True)
        except pydantic.ValidationError as exc:
            raise RetrainConfigError(f"{where} = {json.dumps(value, default=str)}: {exc.errors()[0]['msg']} "
                                     f"({fields[name].description})") from None
    try:
        if op == "news_sentiment_model":
            SentimentTrainConfig(**{**_config_class(op)().model_dump(), **settings})
        else:
            _config_class(op)(**settings).to_lib()  # PDTrainConfig's own checks
    except ValueError as exc:
        raise RetrainConfigError(f"{source}: {op}: {exc}") from None
    return dict(settings)

