"""The programme view across companies (k-anonymous) and its bulk import."""
