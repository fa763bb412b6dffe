"""What the audits app plugs into the platform (filled in step by step)."""


def register_all() -> None:
    pass
