"""Plants, a central and a programme: store-and-forward, the group view and consented sharing."""
