"""Sample data for ``pabrik demo``: every piece invented and labelled "contoh / sample"."""
