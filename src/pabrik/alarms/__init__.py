"""Alarm management after ISA-18.2: definitions, the state machine and performance figures. Pure."""
