"""Tests of tradingagents.http; not named tests/http, which a test file run as a script would
import instead of the standard library's http."""
