"""Connector pages: add, edit, test and map MQTT, Sparkplug B, OPC UA and Modbus connectors."""
