"""The operator terminal: pages for a tablet at the machine, its JSON API and QR sheet."""
