"""Operations endpoints for probes and monitoring."""
