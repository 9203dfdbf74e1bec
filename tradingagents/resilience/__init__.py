"""Resilience: rate limits, retries with backoff, response caching and circuit breakers."""
