"""The central's federation endpoints (plants forward batches and their status here)."""
