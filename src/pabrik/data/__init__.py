"""Data files shipped with pabrik (KPI metadata, holiday lists), read by the runtime."""
