"""[mqtt] in config.toml: off without a host, the password from a file, never shown, bad keys named."""

from __future__ import annotations

import pytest

from device.config import ConfigError, load_config

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
])
def test_a_bad_mqtt_key_gets_one_line_naming_it(tmp_path, text, field):
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, text)
    assert len(error.value.problems) == 1 and field in str(error.value), str(error.value)


def test_a_wrong_password_is_not_repeated_in_the_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, f'[mqtt]\nhost = "x"\npassword = ["{SECRET}"]\n')
    assert SECRET not in str(error.value) and "mqtt.password" in str(error.value)
