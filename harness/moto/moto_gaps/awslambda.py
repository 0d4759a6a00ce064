"""Lambda gaps in moto 5.2.1."""

import functools
from typing import Any


def store_dead_letter_config() -> None:
    """Keep a function's DeadLetterConfig and return it from Get/Create/Update.

    moto ignores DeadLetterConfig, so `aws_lambda_function.dead_letter_config`
    showed a diff on every plan. An empty TargetArn (what the provider sends to
    remove it) clears the setting, as in AWS.
    """
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_get_configuration = LambdaFunction.get_configuration
    original_update_configuration = LambdaFunction.update_configuration

    def normalise(config: Any) -> dict[str, str] | None:
        if isinstance(config, dict) and config.get("TargetArn"):
            return {"TargetArn": config["TargetArn"]}
        return None

    @functools.wraps(original_init)
    def init(self, account_id, spec, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, account_id, spec, *args, **kwargs)
        self.dead_letter_config = normalise(spec.get("DeadLetterConfig"))

    @functools.wraps(original_get_configuration)
    def get_configuration(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        config = original_get_configuration(self, *args, **kwargs)
        dead_letter_config = getattr(self, "dead_letter_config", None)
        if dead_letter_config:
            config["DeadLetterConfig"] = dict(dead_letter_config)
        return config

    @functools.wraps(original_update_configuration)
    def update_configuration(self, config_updates):  # type: ignore[no-untyped-def]
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = normalise(config_updates["DeadLetterConfig"])
        return original_update_configuration(self, config_updates)

    LambdaFunction.__init__ = init
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration
