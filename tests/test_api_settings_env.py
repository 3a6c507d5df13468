"""ApiSettings through pydantic-settings: the environment is read by `from_env` only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lcm_opt.adapters.api.settings import ApiSettings


def test_from_env_reads_prefixed_variables_and_overrides_win() -> None:
    env = {
        "LCM_OPT_WORKERS": "3",
        "LCM_OPT_ALLOWED_HOSTS": "a.example, b.example,",
        "lcm_opt_retention_days": "2.5",
        "LCM_OPT_API_KEYS": "analyst:" + "k" * 40,
        "UNRELATED": "x",
    }
    settings = ApiSettings.from_env(env, max_time_limit_s=5, workers=None)
    assert settings.workers == 3
    assert settings.allowed_hosts == ("a.example", "b.example")
    assert settings.retention_days == 2.5
    assert settings.max_time_limit_s == 5.0
    assert [key.name for key in settings.api_keys] == ["analyst"]
    assert "k" * 40 not in repr(settings)


def test_constructing_settings_never_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LCM_OPT_WORKERS", "7")
    assert ApiSettings().workers == 1
    assert ApiSettings.from_env().workers == 7


def test_a_bad_variable_is_a_validation_error_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="workers"):
        ApiSettings.from_env({"LCM_OPT_WORKERS": "many"})
