"""Operations: health checks, Prometheus metrics, structured logs and error reports."""
