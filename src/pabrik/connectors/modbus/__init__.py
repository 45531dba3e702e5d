"""Modbus TCP connector: poll register maps with pymodbus, one task per device.

pymodbus is imported only inside this folder. ``mapping.py`` holds the pure parts:
register decoding, request planning and turning values into records.
"""

from pabrik.connectors.modbus.config import ModbusConfig, ModbusDevice, ModbusPoint

__all__ = ["ModbusConfig", "ModbusDevice", "ModbusPoint"]
