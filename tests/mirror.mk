# tests/mirror.mk - vantage-mirror unit and integration tests.
