"""SQL shared by both backends: the dialect-neutral account and assessment stores."""
