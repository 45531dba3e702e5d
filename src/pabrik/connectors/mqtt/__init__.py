"""MQTT connector: the pabrik unified namespace (JSON) and mapped foreign topic layouts."""

from pabrik.connectors.mqtt.config import BrokerConfig, MqttConfig, TlsConfig, TopicRule

__all__ = ["BrokerConfig", "MqttConfig", "TlsConfig", "TopicRule"]
