"""Operations: readiness and metrics, store administration, retention."""
