"""[mqtt] in config.toml: off without a host, the password from a file, never shown, bad keys named;
the README's example as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.config import ConfigError, load_config
from device.controls import WIND_DOWN
from device.mqtt_entities import Entities

SECRET = "correct-horse-battery"


def config_with(tmp_path, text: str):
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def test_mqtt_is_off_without_a_host_and_the_node_id_is_stable(tmp_path):
    assert config_with(tmp_path, "").mqtt.host is None
    first = config_with(tmp_path, '[mqtt]\nhost = "broker.lan"\n').mqtt
    assert first.node_id.startswith("emberwake_") and first.port == 1883
    assert config_with(tmp_path, '[mqtt]\nhost = "broker.lan"\n').mqtt.node_id == first.node_id


def test_the_password_comes_from_its_file_and_is_never_in_a_repr(tmp_path):
    (tmp_path / "secret").write_text(SECRET + "\n", encoding="utf-8")
    config = config_with(tmp_path, f'[mqtt]\nhost = "broker.lan"\nusername = "me"\npassword_file = "{tmp_path}/secret"'
                                   "\ntls = true\n")
    assert config.mqtt.password == SECRET and config.mqtt.port == 8883
    assert SECRET not in repr(config) and SECRET not in str(config.mqtt)


@pytest.mark.parametrize("text, field", [
    ('[mqtt]\nhost = "a b"\n', "mqtt.host"),
    ('[mqtt]\nhost = "x"\nnode_id = "bed/room"\n', "mqtt.node_id"),
    ('[mqtt]\nhost = "x"\npassword = 12\n', "mqtt.password"),
    ('[mqtt]\nhost = "x"\npassword = "p"\npassword_file = "/nowhere"\n', "mqtt.password_file"),
    ('[mqtt]\nhost = "x"\npassword_file = "/nowhere/at/all"\n', "mqtt.password_file"),
    ('[mqtt]\nhost = "x"\ntls = "/nowhere/ca.pem"\n', "mqtt.tls"),
    ('[mqtt]\nhost = "x"\ntime_entity = "datetime"\n', "mqtt.time_entity"),
])
def test_a_bad_mqtt_key_gets_one_line_naming_it(tmp_path, text, field):
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, text)
    assert len(error.value.problems) == 1 and field in str(error.value), str(error.value)


def test_a_wrong_password_is_not_repeated_in_the_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, f'[mqtt]\nhost = "x"\npassword = ["{SECRET}"]\n')
    assert SECRET not in str(error.value) and "mqtt.password" in str(error.value)


def test_the_readmes_home_assistant_example_loads_and_its_automation_plays_the_wind_down(tmp_path):
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Home Assistant\n", 1)[1].split("\n## ", 1)[0]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "password").write_text(SECRET + "\n", encoding="utf-8")
    mqtt = config_with(tmp_path, example.replace("/var/lib/emberwake/mqtt-password", str(tmp_path / "password"))).mqtt
    assert (mqtt.host, mqtt.username, mqtt.password, mqtt.tls, mqtt.port) == \
        ("homeassistant.lan", "emberwake", SECRET, True, 8883)
    assert "password" in section and "TLS" in section
    automation = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    # HA names the entity from the device (Emberwake, for the default node_id) and the entity (Light)
    assert Entities("emberwake_pi", "homeassistant", None, None, None).name == "Emberwake"
    assert "entity_id: light.emberwake_light" in automation and f"effect: {WIND_DOWN}" in automation
