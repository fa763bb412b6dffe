"""Security and reliability building blocks: the audit hash chain, rate limits, retries, the permission
matrix and the privacy registries."""
