# mirror/local.mk - vantage-mirror, the secure mirror server.
