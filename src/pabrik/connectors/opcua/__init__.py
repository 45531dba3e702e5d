"""OPC UA connector: batched subscriptions or reads with asyncua, and address-space browse.

asyncua is imported only inside this folder. ``mapping.py`` holds the pure parts:
status codes to quality, values to records, and staleness.
"""

from pabrik.connectors.opcua.config import OpcuaConfig, OpcuaSecurity, OpcuaSignal

__all__ = ["OpcuaConfig", "OpcuaSecurity", "OpcuaSignal"]
