"""The operator terminal: manual states, counts, handover notes and their corrections."""
