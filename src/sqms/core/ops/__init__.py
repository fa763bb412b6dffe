"""Operations: metrics, structured logs, health/readiness, the task-queue safety net, the replica router,
the worker heartbeat, backups and ``sqms doctor``.  Installed as the ``sqms.core.ops`` app (no models:
its state lives in the task queue's storage, the cache or files)."""
